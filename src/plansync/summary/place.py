"""Where a planfile's summary block goes, and writing it there. Pure functions, no I/O.

The block lives between the whole-line markers `SUMMARY_BEGIN` and `SUMMARY_END`. Where they
are, only what lies between them changes. Where they are not, the project's `place` decides
where they are inserted: after the title and the metadata lines under it (`after-title`), at
the top, at the end, or nowhere (`markers`: only files that already hold the markers get a
block). Every byte outside the block stays as it was (see `planfile.edit_block`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from plansync.errors import PlanfileError
from plansync.model.changeset import SummaryPlace
from plansync.planfile.decode import decode_plan
from plansync.planfile.edit_block import marker_lines, replace_between_markers
from plansync.planfile.lines import (
    dominant_ending,
    split_ending,
    split_lines,
    split_text_lines,
    strip_bom,
)
from plansync.planfile.structure import (
    UNSETTLED_BLOCKS,
    Heading,
    Outline,
    Paragraph,
    first_lines_outlines,
    neighbour,
)

__all__ = [
    "SUMMARY_BEGIN",
    "SUMMARY_END",
    "SummaryBlock",
    "insertion_line",
    "summary_block",
    "write_summary",
]

SUMMARY_BEGIN = "<!-- plansync:summary -->"
SUMMARY_END = "<!-- /plansync:summary -->"

# Only used to name the text in decoding errors; the caller names the real file.
_UNNAMED = Path("planfile")

# Lines of a metadata paragraph: `**Key:** value`, `**Key**: value`, `__Key:__`, `_Key:_`,
# `*Key*: value`, or a plain `Key: value` whose key is a few words (not a sentence, not a URL).
_METADATA = re.compile(
    r"""^[ \t]*(?:
        (?P<strong>\*\*|__)[^*_:\n]{1,40}(?::(?P=strong)|(?P=strong)[ \t]*:)
      | (?P<em>[*_])[^*_:\n]{1,40}(?::(?P=em)|(?P=em)[ \t]*:)
      | [^\W\d_][\w'()/&.-]*(?:[ \t][\w'()/&.-]+){0,3}[ \t]*:(?=[ \t]|$)
    )""",
    re.VERBOSE,
)
# An ATX heading line (`# Title`); a heading whose line is not one is a setext heading.
_ATX = re.compile(r"^ {0,3}#(?:[ \t]|$)")
_SETEXT_H1_UNDERLINE = re.compile(r"^ {0,3}=+[ \t]*$")
# A line inside YAML front matter: indented, a list entry, a comment, or `key:`.
_YAML_LINE = re.compile(r"^(?:[ \t]|-|#|[^\s:][^:]*:(?:[ \t]|$))")


def _front_matter_end(outline: Outline) -> int:
    """The line that closes a YAML front matter block opening the file (`---` ... `---` or
    `...`), or 0 when there is none. A leading thematic break followed by markdown is not
    front matter: every line between must read as YAML."""
    if not outline.lines or outline.lines[0].rstrip() != "---":
        return 0
    for number in range(2, len(outline.lines) + 1):
        text = outline.line(number)
        if text.rstrip() in ("---", "..."):
            return number
        if text.strip() and _YAML_LINE.match(text) is None:
            return 0
    return 0


def _title(outline: Outline, after: int) -> Heading | None:
    """The first level-1 heading below line `after` that stands at the top of the document
    (not in a list item or a block quote): the block goes after it without breaking either."""
    for heading in outline.headings:
        container, _ = outline.positions[id(heading)]
        if (
            heading.level == 1
            and heading.line > after
            and container is outline.blocks
            and not outline.line(heading.line).lstrip(" ").startswith(">")
        ):
            return heading
    return None


def _heading_end(outline: Outline, heading: Heading) -> int:
    """The last line of a heading: its own for `# Title`, the `===` underline for setext."""
    if _ATX.match(outline.line(heading.line)):
        return heading.line
    for number in range(heading.line + 1, len(outline.lines) + 1):
        if _SETEXT_H1_UNDERLINE.match(outline.line(number)):
            return number
    return heading.line


def _is_metadata(outline: Outline, paragraph: Paragraph) -> bool:
    return all(
        _METADATA.match(outline.line(number)) is not None
        for number in range(paragraph.line, paragraph.end_line + 1)
    )


def _after_blank(outline: Outline, line: int) -> int:
    """`line`, or the next one when that is blank: a block after a paragraph or heading goes
    after the blank line that closes it."""
    following = line + 1
    if following <= len(outline.lines) and not outline.line(following).strip():
        return following
    return line


def _after_title(outline: Outline, title: Heading | None) -> int:
    if title is None:
        return _front_matter_end(outline)
    end = _heading_end(outline, title)
    following = neighbour(outline, title, 1)
    if isinstance(following, Paragraph) and _is_metadata(outline, following):
        end = following.end_line
    return _after_blank(outline, end)


def insertion_line(raw: bytes, place: SummaryPlace) -> int | None:
    """The line after which a new summary block goes (0: the top, after a BOM), or None for
    `markers`, which never inserts.

    `after-title`: after the first H1 (ATX or setext) and the metadata paragraph right under
    it (`**Owner:** web team`, one per line), plus the blank line that follows; a file without
    an H1 is treated like `top`. `top`: line 0, or after a YAML front matter block, which is
    never split. `end`: after the last line. Raises PlanfileError for bytes that are not UTF-8.
    """
    if place == "markers":
        return None
    return _insertion_line(decode_plan(raw, _UNNAMED).text, place)


# A line that could open or underline a level-1 heading: `# Title` or a setext `===`.
_H1_LINE = re.compile(r"^ {0,3}(?:#(?:[ \t]|$)|=+[ \t]*$)", re.MULTILINE)


def _could_hold_h1(text: str) -> bool:
    return _H1_LINE.search(text) is not None


def _insertion_line(text: str, place: SummaryPlace, first: int = 256) -> int:
    """`insertion_line` of decoded text. The title is near the top of a file, so markdown is
    read from the top only as far as it takes to find it and the block under it (`first`
    lines, then more: see `first_lines_outlines`), not through a whole big file."""
    if place == "after-title" and not _could_hold_h1(text):
        place = "top"  # no line could be an H1: no need to read markdown past the top
    for outline in first_lines_outlines(text, first=first):
        if place == "end":
            return len(outline.lines)
        top = _front_matter_end(outline)
        if place == "top":
            return top
        title = _title(outline, top)
        settled = len(outline.blocks) - UNSETTLED_BLOCKS
        if title is not None and outline.positions[id(title)][1] + 1 < settled:
            return _after_title(outline, title)
    return _after_title(outline, _title(outline, top))


@dataclass(frozen=True)
class _Markers:
    """The 1-based lines holding each summary marker, found the way the editor finds them."""

    begins: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def of(cls, raw: bytes) -> _Markers:
        begins, ends = marker_lines(raw, SUMMARY_BEGIN, SUMMARY_END)
        return cls(tuple(begins), tuple(ends))

    @property
    def absent(self) -> bool:
        return not self.begins and not self.ends

    @property
    def damaged(self) -> bool:
        if self.absent:
            return False
        return len(self.begins) != 1 or len(self.ends) != 1 or self.ends[0] < self.begins[0]

    def problem(self) -> str:
        """What is wrong with a damaged pair, naming the lines."""
        begin, end = f"`{SUMMARY_BEGIN}`", f"`{SUMMARY_END}`"
        if not self.ends:
            return f"{begin} on {_lines(self.begins)} has no {end} after it"
        if not self.begins:
            return f"{end} on {_lines(self.ends)} has no {begin} before it"
        if len(self.begins) > 1 or len(self.ends) > 1:
            return (
                f"{begin} is on {_lines(self.begins)} and {end} on {_lines(self.ends)}; "
                "each must appear once"
            )
        return f"{end} on line {self.ends[0]} comes before {begin} on line {self.begins[0]}"


def _lines(numbers: tuple[int, ...]) -> str:
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    return "lines " + ", ".join(str(n) for n in numbers)


def _blank_line_after_block(raw: bytes, end_marker: int) -> bytes:
    """`raw` with one empty line after line `end_marker` when the line that follows is not
    blank, so the block does not glue onto the next paragraph. Only bytes are added."""
    bom, body = strip_bom(raw)
    lines = split_lines(body)
    if end_marker >= len(lines):
        return raw
    following = split_ending(lines[end_marker])[0].decode("utf-8", "replace")
    if not following.strip(" \t"):
        return raw
    eol = dominant_ending(body)
    return bom + b"".join([*lines[:end_marker], eol, *lines[end_marker:]])


@dataclass(frozen=True)
class SummaryBlock:
    """The summary block a planfile holds: the lines of its markers (1-based) and the text
    between them, decoded."""

    begin: int
    end: int
    text: str


def summary_block(raw: bytes) -> SummaryBlock | None:
    """The planfile's summary block; None when it has no markers or they are damaged (one
    without the other, or one twice: `write_summary` says so). Raises PlanfileError for bytes
    that are not UTF-8."""
    markers = _Markers.of(raw)
    if markers.absent or markers.damaged:
        return None
    begin, end = markers.begins[0], markers.ends[0]
    lines = split_text_lines(decode_plan(raw, _UNNAMED).text)
    return SummaryBlock(begin, end, "".join(lines[begin : end - 1]))


def write_summary(raw: bytes, content: str, place: SummaryPlace) -> bytes | None:
    """The planfile's new bytes with `content` between the summary markers.

    Where the markers are, what lies between them is replaced. Where they are not, the block
    (begin marker, content, end marker, and one blank line when the next line is not blank) is
    inserted at `insertion_line`, or None is returned for `markers`. `raw` itself is returned
    when nothing changes. A damaged block (a marker without the other, a marker twice) raises
    PlanfileError; content holding a marker raises ValueError.
    """
    markers = _Markers.of(raw)
    after = insertion_line(raw, place) if markers.absent else None
    if markers.absent and after is None:
        return None
    try:
        written = replace_between_markers(raw, SUMMARY_BEGIN, SUMMARY_END, content, after)
    except ValueError as error:
        if not markers.damaged:
            raise
        raise PlanfileError(
            f"The planfile's summary block is damaged: {markers.problem()}. plansync will "
            "not guess where its block ends. Delete the summary marker lines (and the old "
            "summary between them) so plansync writes a fresh block, or restore the missing "
            "marker, then run plansync again."
        ) from error
    if written is raw or after is None:
        return written
    return _blank_line_after_block(written, _Markers.of(written).ends[0])

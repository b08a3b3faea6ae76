"""Byte-exact planfile edits: pure functions from a file's bytes to its new bytes.

Markdown is never re-rendered. Each function rewrites one line (or one table cell of it) or the
inside of plansync's markers; every other byte stays as it was: line endings, BOM, trailing
spaces, tabs, and mojibake elsewhere. Line numbers are 1-based and count lines of the raw bytes
split on `\\r\\n`, `\\n` and a lone `\\r` (the BOM belongs to no line).

Text written on a line stored as mojibake (see `decode`: the whole file, or some of its lines)
is stored the way that line stores text, so no line mixes two encodings; lines in plain UTF-8
(and new lines of a partly mojibake file) get plain UTF-8. Text from trackers is escaped before
it is written (`escape_inline` on a list item, `escape_cell` in a table) so it cannot break a
table row, a list item or the markers, and the reader reads back what was written.

The editor finds checkboxes and item text where the reader does: after any nesting of block
quotes and list markers (`> - [ ]`, `* - [ ]`, `1. - [ ]`).

Status cells follow one convention: a done task's status cell reads `Done`, an open one `Todo`
(`DONE` / `TODO` when the cell being replaced was written in capitals).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import as_read, as_stored, storage_of
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import plain
from plansync.planfile.inline_scan import link_targets
from plansync.planfile.lines import dominant_ending, split_ending, split_lines, strip_bom

__all__ = [
    "add_issue_link",
    "escape_cell",
    "escape_inline",
    "marker_lines",
    "replace_between_markers",
    "set_checkbox",
    "set_table_status",
    "set_task_title",
]

# What opens a container at the start of a line: a block quote, or a list marker (which a
# space or tab must follow). Items nest: `> - [ ] x`, `* - [ ] x`, `1. - [ ] x`.
_OPENER = r"(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))"
# The start of a list item: indent, the containers it sits in, and its own marker.
_ITEM_START = rf"[ \t]*(?:{_OPENER}[ \t]*)*(?:[-*+]|\d{{1,9}}[.)])(?=[ \t]|$)"
# A task checkbox after it: `[ ]` / `[x]` / `[X]`, then a space, a tab or the end of the line
# (as GFM requires). Group 1 is the character between the brackets.
_CHECKBOX = re.compile(rf"^{_ITEM_START}[ \t]+\[([ xX])\](?=[ \t]|$)")
# Everything before a list item's text.
_ITEM_PREFIX = re.compile(rf"^{_ITEM_START}(?:[ \t]+\[[ xX]\](?=[ \t]|$))?[ \t]*")
# plansync's inline comment, which stays at the end of an item's text.
_PLANSYNC_COMMENT = re.compile(r"<!--\s*/?plansync:.*?-->", re.DOTALL)
# A bold label before a colon that the reader keeps out of a title (`**Days 1-2**:`).
_LABEL = re.compile(r"(?:\*\*|__)[^*_]{1,40}?(?:\*\*|__)[ \t]*:")
# Emphasis or code marks around an ID (`**OPS-1**`, `` `app-1.2` ``).
_MARK = re.compile(r"(?:\*\*|__|`+)?")
# Issue cells that hold no reference yet and are replaced rather than appended to.
_PLACEHOLDERS = frozenset({"", "-", "--", "—", "–", "tbd", "tba", "n/a", "na", "none", "internal"})
_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_SPACE_RUN = re.compile(r"[ \t]+")


# ----------------------------------------------------------------------------------------------
# Escaping of untrusted text


def escape_inline(text: str) -> str:
    """Text made safe for one markdown line: no line breaks, controls or HTML comment marks.

    Line breaks and control characters become spaces; `<!--` and `-->` become `&lt;!--` and
    `--&gt;`, which render the same but cannot open or close a comment (plansync's markers are
    comments).
    """
    flat = _CONTROLS.sub(" ", _NEWLINES.sub(" ", text))
    return flat.replace("<!--", "&lt;!--").replace("-->", "--&gt;")


def escape_cell(text: str) -> str:
    """Text made safe for one table cell: `escape_inline`, and `|` written as `\\|`."""
    return _unescaped_pipe_free(escape_inline(text))


def _unescaped_pipe_free(text: str) -> str:
    # A pipe already written as `\|` is left alone; any other one gets its backslash.
    return re.sub(r"(?<!\\)\|", r"\\|", text)


# ----------------------------------------------------------------------------------------------
# The file as lines

# An edit of one line: (line text without its ending, the file's mojibake) -> new line text.
_LineEdit = Callable[[str, str | None], str]


@dataclass(frozen=True)
class _Lines:
    bom: bytes
    lines: list[bytes]

    @classmethod
    def of(cls, raw: bytes) -> _Lines:
        bom, body = strip_bom(raw)
        return cls(bom, split_lines(body))

    def text_of(self, line: int) -> tuple[str, bytes]:
        """Line `line`'s text (without its ending) and its ending."""
        if not 1 <= line <= len(self.lines):
            raise ValueError(
                f"Line {line} is outside the planfile, which has {len(self.lines)} lines; "
                "the file probably changed since it was read: read it again before editing."
            )
        body, ending = split_ending(self.lines[line - 1])
        try:
            return body.decode("utf-8"), ending
        except UnicodeDecodeError:
            raise ValueError(
                f"Line {line} of the planfile is not valid UTF-8, so it cannot be edited safely; "
                "save the file as UTF-8 and run plansync again."
            ) from None


def _edit_line(raw: bytes, line: int, edit: _LineEdit) -> bytes:
    lines = _Lines.of(raw)
    text, ending = lines.text_of(line)
    new_text = edit(text, storage_of(raw).of_line(line))
    if new_text == text:
        return raw
    new_lines = list(lines.lines)
    new_lines[line - 1] = new_text.encode("utf-8") + ending
    return lines.bom + b"".join(new_lines)


# ----------------------------------------------------------------------------------------------
# Table rows


@dataclass(frozen=True)
class _Cell:
    start: int  # index in the line of the cell's first character (after the opening pipe)
    end: int  # index of the closing pipe, or the end of the line


def _cells(text: str) -> list[_Cell]:
    """The cells of a table row as markdown-it reads them: `\\|` does not split, and a
    leading or trailing pipe does not make an empty cell."""
    pipes = [m.start() for m in re.finditer(r"(?<!\\)\|", text)]
    content_start = len(text) - len(text.lstrip(" \t"))
    content_end = len(text.rstrip(" \t"))
    starts = [content_start, *(p + 1 for p in pipes)]
    ends = [*pipes, len(text)]
    cells = [_Cell(s, e) for s, e in zip(starts, ends, strict=True)]
    if pipes and pipes[-1] == content_end - 1:
        cells = cells[:-1]
    if pipes and pipes[0] == content_start:
        cells = cells[1:]
    return cells


def _cell_of(text: str, line: int, layout: TableRowLayout, role: str) -> _Cell:
    index = layout.index_of(role)
    if index is None:
        raise ValueError(f"The table of line {line} has no `{role}` column to edit.")
    cells = _cells(text)
    if index >= len(cells):
        raise ValueError(
            f"Line {line} has {len(cells)} cells but its table's `{role}` column is cell "
            f"{index + 1}; the row is shorter than its header, so plansync leaves it alone."
        )
    return cells[index]


def _width(text: str) -> int:
    """Columns the text takes in a monospaced editor: wide characters 2, combining marks 0."""
    total = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200d\ufe0f":
            continue
        total += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return total


def _fill_cell(cell: str, inner: str) -> str:
    """The cell with its content replaced by `inner`, keeping its leading padding and, where
    the new content fits, its width (so aligned tables stay aligned)."""
    content = cell.strip(" \t")
    if content == inner:
        return cell
    if content:
        lead = cell[: len(cell) - len(cell.lstrip(" \t"))]
        trail = cell[len(cell.rstrip(" \t")) :]
    else:
        lead, trail = " ", " "
    if trail.strip(" "):
        return lead + inner + trail  # tabs as padding: nothing to align, keep them
    pad = max(_width(cell) - _width(lead) - _width(inner), 1 if trail else 0)
    return lead + inner + " " * pad


def _with_cell(text: str, cell: _Cell, new_cell: str) -> str:
    return text[: cell.start] + new_cell + text[cell.end :]


def _status_word(done: bool, old: str) -> str:
    word = "Done" if done else "Todo"
    letters = [c for c in old if c.isalpha()]
    return word.upper() if letters and all(c.isupper() for c in letters) else word


def set_table_status(raw: bytes, line: int, layout: TableRowLayout, done: bool) -> bytes:
    """Write `Done` / `Todo` into the `status` cell of the table row on `line`."""

    def edit(text: str, mojibake: str | None) -> str:
        cell = _cell_of(text, line, layout, "status")
        old = text[cell.start : cell.end]
        if old.strip(" \t").lower() == ("done" if done else "todo"):
            return text
        return _with_cell(text, cell, _fill_cell(old, _status_word(done, old)))

    return _edit_line(raw, line, edit)


# ----------------------------------------------------------------------------------------------
# Checkboxes


def set_checkbox(raw: bytes, line: int, done: bool) -> bytes:
    """Tick (`[x]`) or clear (`[ ]`) the checkbox of the list item on `line`.

    Any list marker (`-`, `*`, `+`, `1.`, `1)`) and indent; `[X]` stays as it is when asked
    done. Only the character between the brackets changes.
    """

    def edit(text: str, mojibake: str | None) -> str:
        match = _CHECKBOX.match(text)
        if match is None:
            raise ValueError(
                f"Line {line} of the planfile has no task checkbox (`- [ ]` or `- [x]`) to "
                "tick or clear; the file probably changed since it was read: read it again."
            )
        if (match.group(1) != " ") == done:
            return text
        return text[: match.start(1)] + ("x" if done else " ") + text[match.end(1) :]

    return _edit_line(raw, line, edit)


# ----------------------------------------------------------------------------------------------
# Issue links


def _has_reference(text: str, reference: str) -> bool:
    # `#12` is not in `#123` nor in `other/repo#12`; a URL is not in a longer URL.
    return re.search(rf"(?<![\w/]){re.escape(reference)}(?![\w/])", text) is not None


def _tail_start(text: str) -> int:
    """Where the end of an item's line begins that must stay last: a plansync comment, then a
    backslash hard break, then trailing spaces (two of them are a hard break too). Read from
    the right in one pass."""
    end = len(text.rstrip(" \t"))
    body = text[:end]
    backslashes = len(body) - len(body.rstrip("\\"))
    if backslashes % 2:  # an odd run ends in a hard break; `\\\\` is a literal backslash
        end = len(text[: end - 1].rstrip(" \t"))
    if text.endswith("-->", 0, end):
        last = next((span for span in reversed(_comments(text)) if span[1] == end), None)
        if last is not None and _PLANSYNC_COMMENT.fullmatch(text, *last):
            end = len(text[: last[0]].rstrip(" \t"))
    return end


def _comments(text: str) -> list[tuple[int, int]]:
    """The HTML comments of a line as the reader pairs them (each `<!--` with the next `-->`),
    found by plain searching so hostile lines stay linear."""
    return _spans(text, "<!--", "-->")


def _spans(text: str, opening: str, closing: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    at = text.find(opening)
    while at >= 0:
        end = text.find(closing, at + len(opening))
        if end < 0:
            break
        spans.append((at, end + len(closing)))
        at = text.find(opening, end + len(closing))
    return spans


def _insert_at_end(text: str, addition: str) -> str:
    """`addition` put after the item's text, before a plansync comment and a hard break."""
    at = _tail_start(text)
    return text[:at] + addition + text[at:]


def _item_text(text: str) -> str:
    prefix = _ITEM_PREFIX.match(text)
    return text[prefix.end() :] if prefix is not None else text


def _linked(text: str, reference: str, read_text: str) -> bool:
    """Whether `read_text` (the task's text as the reader reads it) already references what
    `reference` does, reading references as the reader does (`#2-4` holds `#3`); a reference
    the reader would not recognise is looked for as written, in the line `text`."""
    wanted = parse_issue_refs(reference)
    if not wanted:
        return _has_reference(text, reference)
    present = {(ref.repo, ref.number) for ref in parse_issue_refs(plain(read_text))}
    return all((ref.repo, ref.number) in present for ref in wanted)


def add_issue_link(raw: bytes, line: int, link_text: str, layout: TableRowLayout | None) -> bytes:
    """Write a reference to the task's issue (`#123`, `group/proj#12` or a URL) on `line`.

    A list item gets ` (#123)` after its text (before any plansync comment and trailing hard
    break). A table row gets it in its `issue` cell, replacing a placeholder (empty, `-`, `TBD`,
    `Internal`, ...) or after the references already there (`, #123`); a table without an issue
    column gets ` (#123)` at the end of the title cell. A line that already references the
    issue (as the reader reads references: `#2-4` holds `#3`) is returned unchanged.
    """
    inline = _SPACE_RUN.sub(" ", escape_inline(link_text)).strip()
    if not inline:
        raise ValueError(f"The issue link for line {line} is empty; expected e.g. `#123`.")
    reference = inline if layout is None else _unescaped_pipe_free(inline)

    def edit(text: str, mojibake: str | None) -> str:
        stored = as_stored(reference, mojibake)
        if layout is None:
            if _linked(text, stored, as_read(_item_text(text), mojibake)):
                return text
            return _insert_at_end(text, f" ({stored})")
        read = [
            as_read(text[cell.start : cell.end], mojibake)
            for role in ("issue", "title")
            if layout.index_of(role) is not None
            for cell in (_cell_of(text, line, layout, role),)
        ]
        if _linked(text, stored, " ".join(read)):
            return text
        if layout.index_of("issue") is not None:
            cell = _cell_of(text, line, layout, "issue")
            old = text[cell.start : cell.end]
            content = old.strip(" \t")
            placeholder = content.strip("*_` ").lower() in _PLACEHOLDERS
            inner = stored if placeholder else f"{content}, {stored}"
            return _with_cell(text, cell, _fill_cell(old, inner))
        cell = _cell_of(text, line, layout, "title")
        old = text[cell.start : cell.end]
        return _with_cell(text, cell, _fill_cell(old, f"{old.strip()} ({stored})"))

    return _edit_line(raw, line, edit)


# ----------------------------------------------------------------------------------------------
# Titles


def _not_title(region: str) -> list[tuple[int, int]]:
    """Spans of an item's text a title is never looked for in: HTML comments and link
    targets (`[text](target)`), found as the reader finds them, in linear time."""
    return _comments(region) + link_targets(region)


def _title_at(
    region: str, title: str, blocked: list[tuple[int, int]], lead_end: int
) -> int | None:
    """The first place `title` stands in `region` after the lead (`OPS` is not the `OPS` of
    `- OPS-1: OPS`), outside the blocked spans and not right after an escaping backslash; else
    at the start, when it takes in the lead and goes on past it (a line of prose naming its ID:
    `OPS-1 ships first`)."""
    # covered[i]: how many characters before position i lie in a blocked span.
    inside = bytearray(len(region) + 1)
    for low, high in blocked:
        inside[low:high] = b"\x01" * (high - low)
    covered = [0]
    for flag in inside[: len(region)]:
        covered.append(covered[-1] + flag)
    at = region.find(title, lead_end)
    while at >= 0:
        end = at + len(title)
        backslashes = 0
        while backslashes < at and region[at - 1 - backslashes] == "\\":
            backslashes += 1
        escaped = backslashes % 2 == 1  # `\: x` shows `: x`, but that text is not written
        if not escaped and covered[end] == covered[at]:
            return at
        at = region.find(title, at + 1)
    spans_lead = lead_end and region.startswith(title) and len(title) > lead_end
    return 0 if spans_lead and covered[len(title)] == 0 else None


def _id_end(text: str, start: int, end: int, task_id: str) -> int | None:
    """Where the ID `task_id` ends on the line, after any mark closing it (`**OPS-1**`): its
    first whole occurrence outside comments and link targets; None when it is not there."""
    blocked = _not_title(text[start:end])
    token = re.compile(rf"(?<![\w.-]){re.escape(task_id)}(?![\w-]|\.\w)")
    for found in token.finditer(text, start, end):
        at = found.start() - start
        if not any(low < found.end() - start and at < high for low, high in blocked):
            closing = _MARK.match(text, found.end())
            return closing.end() if closing is not None else found.end()
    return None


def _lead_end(region: str, task_id: str | None) -> int:
    """Where what the reader keeps out of an item's title ends: the task's leading ID (in
    marks or not) or a bold label before a colon; 0 when there is none."""
    label = _LABEL.match(region)
    if label is not None:
        return label.end()
    if task_id is None:
        return 0
    opening = _MARK.match(region)
    at = opening.end() if opening is not None else 0
    if not region.startswith(task_id, at) or re.match(r"[\w-]", region[at + len(task_id) :]):
        return 0
    closing = _MARK.match(region, at + len(task_id))
    return closing.end() if closing is not None else at + len(task_id)


# What the reader skips between a leading ID and its title.
_SEPARATORS = re.compile(r"[ \t]*(?:[:.)–—-][ \t]*)*")


def _after_id(text: str, at: int, end: int, title: str) -> str:
    """`title` written after the ID that ends at `at`, behind a separator (`: `); `end` is
    where the item's text ends (a plansync comment or hard break may follow)."""
    separator = _SEPARATORS.match(text, at, end)
    assert separator is not None  # the pattern matches the empty string
    rest = text[separator.end() : end]
    if not rest:  # `- T1`, `- **OPS-1**: .`: nothing but separators after the ID
        return text[:at] + f": {title}" + text[end:]
    gap = separator.group()
    if not gap.strip():
        gap = ": "
    elif not gap.endswith((" ", "\t")):
        gap += " "
    return text[:at] + gap + title + " " + text[separator.end() :]


def set_task_title(
    raw: bytes,
    line: int,
    old_title: str,
    new_title: str,
    layout: TableRowLayout | None,
    task_id: str | None = None,
) -> bytes:
    """Replace the first occurrence of `old_title` in the task's text on `line` by `new_title`.

    The search is limited to the item's text after its marker, checkbox and leading ID or label
    (`**Days 1-2**:`), outside comments and link targets, or to the title cell of a table row
    (where the cell keeps its width when the new title fits). Pass the task's ID as `task_id`
    when it has one: the ID is then never written over, and a task whose title is its ID alone
    (`- T1`: it has no title of its own) gets the new title after the ID (`- T1: New title`).
    The new title is escaped (`escape_inline`, or `escape_cell` in a table). Raises ValueError
    when `old_title` is not on the line verbatim; a new title equal to the old one changes
    nothing.
    """
    if not old_title.strip():
        raise ValueError(f"The old title of the task on line {line} is empty; nothing to replace.")
    escape = escape_inline if layout is None else escape_cell
    replacement = _SPACE_RUN.sub(" ", escape(new_title)).strip()
    if not replacement:
        raise ValueError(f"The new title for the task on line {line} is empty after escaping.")
    # A title read from a table cell may have had its `\|` unescaped by the reader.
    searched = tuple(dict.fromkeys((old_title, _unescaped_pipe_free(old_title))))

    def edit(text: str, mojibake: str | None) -> str:
        if layout is None:
            prefix = _ITEM_PREFIX.match(text)
            start = prefix.end() if prefix else 0
            end = max(start, _tail_start(text))
        else:
            cell = _cell_of(text, line, layout, "title")
            start, end = cell.start, cell.end
        new_stored = as_stored(replacement, mojibake)
        stored_id = as_stored(task_id, mojibake) if task_id is not None else None
        region = text[start:end]
        blocked = _not_title(region) if layout is None else []
        lead_end = _lead_end(region, stored_id) if layout is None else 0
        id_lead = lead_end > 0 and _LABEL.match(region) is None
        # The title of a task with an ID follows the ID (`Week 1: OPS-1 (Title)`) unless it
        # names the ID itself (`Get FIX-006 done`). A title that is the ID is the text after
        # it (`- [ ] OPS-9 OPS-9`), or else no title of its own (`- T1`, `OPS-1 (#7)`).
        id_end = None
        if layout is None and task_id is not None and stored_id is not None and (
            old_title == task_id or task_id not in old_title
        ):
            id_end = _id_end(text, start, end, stored_id)
            if id_end is not None:
                lead_end = max(lead_end, id_end - start)
        for candidate in searched:
            old_stored = as_stored(candidate, mojibake)
            at = _title_at(region, old_stored, blocked, lead_end)
            if at is None:
                continue
            if new_title == old_title:
                return text  # the same title, perhaps written unescaped: leave it as it is
            written, rest = new_stored, region[at + len(old_stored) :]
            if id_lead and not region[lead_end:at].strip() and old_stored.startswith("("):
                # `- T1 (urgent) fix`: the `(` made `T1` the item's ID; a `:` keeps it one.
                at, written = lead_end, f": {new_stored}"
            new_region = region[:at] + written + rest
            if layout is not None:
                new_region = _refit(region, new_region)
            return text[:start] + new_region + text[end:]
        if id_end is not None and old_title == task_id:
            return text if new_title == old_title else _after_id(text, id_end, end, new_stored)
        raise ValueError(
            f"Line {line} of the planfile does not contain the task title {old_title!r}; "
            "the file probably changed since it was read: read it again before editing."
        )

    return _edit_line(raw, line, edit)


def _refit(old_cell: str, new_cell: str) -> str:
    """`new_cell` with its trailing spaces adjusted so it keeps `old_cell`'s width if it can."""
    content = new_cell.rstrip(" ")
    if not old_cell.endswith(" "):
        return new_cell
    pad = max(_width(old_cell) - _width(content), 1)
    return content + " " * pad


# ----------------------------------------------------------------------------------------------
# The summary block


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def marker_lines(raw: bytes, begin: str, end: str) -> tuple[list[int], list[int]]:
    """The 1-based numbers of the lines that are the marker `begin`, and of those that are
    `end` (the BOM belongs to no line)."""
    begins, ends = _marker_indexes(_Lines.of(raw).lines, begin, end)
    return [i + 1 for i in begins], [i + 1 for i in ends]


def _marker_indexes(lines: list[bytes], begin: str, end: str) -> tuple[list[int], list[int]]:
    # Spaces next to the comment's delimiters do not matter (`<!--plansync:summary-->`), as
    # for the reader, which skips such a block: else a re-spaced block would get a second one.
    found: dict[str, list[int]] = {_marker_form(begin): [], _marker_form(end): []}
    for index, line in enumerate(lines):
        form = _marker_form(split_ending(line)[0].decode("utf-8", "replace"))
        if form in found:
            found[form].append(index)
    return found[_marker_form(begin)], found[_marker_form(end)]


_COMMENT = re.compile(r"^<!--\s*(.*?)\s*-->$")


def _marker_form(line: str) -> str:
    stripped = line.strip()
    return _COMMENT.sub(r"<!--\1-->", stripped)


def replace_between_markers(
    raw: bytes, begin: str, end: str, content: str, insert_after_line: int | None
) -> bytes:
    """Put `content` between the whole-line markers `begin` and `end`.

    If the markers are absent, `begin`, the content and `end` are inserted after line
    `insert_after_line` (0: at the top, after a BOM); with `insert_after_line=None` absent
    markers are an error. The content's lines get the file's dominant line ending and, in a
    mojibake file, the file's way of storing text. Content that contains either marker, and a
    damaged block (one marker without the other, or a marker twice), raise ValueError.
    """
    begin, end = begin.strip(), end.strip()
    if not begin or not end or begin == end:
        raise ValueError("The begin and end markers must be two different, non-empty lines.")
    squeezed = _squeezed(content)
    for marker in (begin, end):
        if _squeezed(marker) in squeezed:
            raise ValueError(
                f"The text to write between plansync's markers contains the marker {marker!r}; "
                "it was refused so the block cannot be closed early or opened twice."
            )
    lines = _Lines.of(raw)
    eol = dominant_ending(b"".join(lines.lines))
    mojibake = storage_of(raw).of_new_lines
    block = [
        as_stored(text, mojibake).encode("utf-8") + eol
        for text in re.split(r"\r\n|\r|\n", content)
    ]
    if block and block[-1] == eol:
        block.pop()  # content ending with a newline: that newline ends the last line

    begins, ends = _marker_indexes(lines.lines, begin, end)

    if not begins and not ends:
        if insert_after_line is None:
            raise ValueError(f"The planfile has no {begin!r} marker to write between.")
        return _insert_block(lines, begin, end, block, eol, insert_after_line)
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        numbers = ", ".join(str(i + 1) for i in sorted(begins + ends))
        raise ValueError(
            f"plansync's block {begin!r} ... {end!r} is damaged in the planfile (marker lines: "
            f"{numbers}): each marker must appear once, begin before end. Fix or remove the "
            "markers by hand; plansync will not guess where its block ends."
        )
    start, stop = begins[0] + 1, ends[0]
    if lines.lines[start:stop] == block:
        return raw
    return lines.bom + b"".join([*lines.lines[:start], *block, *lines.lines[stop:]])


def _insert_block(
    lines: _Lines, begin: str, end: str, block: list[bytes], eol: bytes, after: int
) -> bytes:
    if not 0 <= after <= len(lines.lines):
        raise ValueError(
            f"Cannot insert plansync's block after line {after}: the planfile has "
            f"{len(lines.lines)} lines."
        )
    head = list(lines.lines[:after])
    if head and not split_ending(head[-1])[1]:
        head[-1] += eol  # the last line had no ending; the block must start on its own line
    new_lines = [
        *head,
        begin.encode("utf-8") + eol,
        *block,
        end.encode("utf-8") + eol,
        *lines.lines[after:],
    ]
    return lines.bom + b"".join(new_lines)

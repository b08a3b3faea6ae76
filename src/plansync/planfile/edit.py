"""Byte-exact planfile edits: pure functions from a file's bytes to its new bytes.

Markdown is never re-rendered. Each function rewrites one line (or one table cell of it) or the
inside of plansync's markers; every other byte stays as it was: line endings, BOM, trailing
spaces, tabs, and mojibake elsewhere. Line numbers are 1-based and count lines of the raw bytes
split on `\\r\\n`, `\\n` and a lone `\\r` (the BOM belongs to no line).

Text written into a file that is wholly mojibake (see `decode`) is stored the way the file
stores text, so the file keeps one encoding; text from trackers is escaped before it is written
(`escape_cell`, `escape_inline`) so it cannot break a table row, a list item or the markers.

Status cells follow one convention: a done task's status cell reads `Done`, an open one `Todo`
(`DONE` / `TODO` when the cell being replaced was written in capitals).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from plansync.model import TableRowLayout
from plansync.planfile.decode import as_stored, detect_mojibake
from plansync.planfile.lines import dominant_ending, split_ending, split_lines, strip_bom

__all__ = [
    "add_issue_link",
    "escape_cell",
    "escape_inline",
    "replace_between_markers",
    "set_checkbox",
    "set_table_status",
    "set_task_title",
]

# The start of a list item: indent (optionally inside block quotes) and its marker.
_ITEM_START = r"[ \t]*(?:>[ \t]*)*(?:[-*+]|\d{1,9}[.)])"
# A task checkbox after it: `[ ]` / `[x]` / `[X]`, then a space, a tab or the end of the line
# (as GFM requires). Group 1 is the character between the brackets.
_CHECKBOX = re.compile(rf"^{_ITEM_START}[ \t]+\[([ xX])\](?=[ \t]|$)")
# Everything before a list item's text.
_ITEM_PREFIX = re.compile(rf"^{_ITEM_START}(?:[ \t]+\[[ xX]\](?=[ \t]|$))?[ \t]*")
# What may follow a list item's text and must stay last: plansync's inline comment, then a
# backslash hard break and trailing spaces (two of them are a hard break too).
_LINE_TAIL = re.compile(r"(?:[ \t]*<!--\s*/?plansync:.*?-->)?(?:[ \t]*\\)?[ \t]*$")
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
    new_text = edit(text, detect_mojibake(raw))
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


def _insert_at_end(text: str, addition: str) -> str:
    """`addition` put after the item's text, before a plansync comment and a hard break."""
    tail = _LINE_TAIL.search(text)
    at = tail.start() if tail is not None else len(text)
    return text[:at] + addition + text[at:]


def add_issue_link(raw: bytes, line: int, link_text: str, layout: TableRowLayout | None) -> bytes:
    """Write a reference to the task's issue (`#123`, `group/proj#12` or a URL) on `line`.

    A list item gets ` (#123)` after its text (before any plansync comment and trailing hard
    break). A table row gets it in its `issue` cell, replacing a placeholder (empty, `-`, `TBD`,
    `Internal`, ...) or after the references already there (`, #123`); a table without an issue
    column gets ` (#123)` at the end of the title cell. A line that already holds the reference
    is returned unchanged.
    """
    reference = _SPACE_RUN.sub(" ", escape_cell(link_text)).strip()
    if not reference:
        raise ValueError(f"The issue link for line {line} is empty; expected e.g. `#123`.")

    def edit(text: str, mojibake: str | None) -> str:
        stored = as_stored(reference, mojibake)
        if _has_reference(text, stored):
            return text
        if layout is None:
            return _insert_at_end(text, f" ({stored})")
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


def set_task_title(
    raw: bytes, line: int, old_title: str, new_title: str, layout: TableRowLayout | None
) -> bytes:
    """Replace the first occurrence of `old_title` in the task's text on `line` by `new_title`.

    The search is limited to the item's text after its marker and checkbox, or to the title
    cell of a table row (where the cell keeps its width when the new title fits). The new title
    is escaped (`escape_inline`, or `escape_cell` in a table). Raises ValueError when
    `old_title` is not on the line verbatim.
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
            start, end = (prefix.end() if prefix else 0), len(text)
        else:
            cell = _cell_of(text, line, layout, "title")
            start, end = cell.start, cell.end
        region = text[start:end]
        new_stored = as_stored(replacement, mojibake)
        for candidate in searched:
            old_stored = as_stored(candidate, mojibake)
            at = region.find(old_stored)
            if at < 0:
                continue
            new_region = region[:at] + new_stored + region[at + len(old_stored) :]
            if layout is not None:
                new_region = _refit(region, new_region)
            return text[:start] + new_region + text[end:]
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
    mojibake = detect_mojibake(raw)
    block = [
        as_stored(text, mojibake).encode("utf-8") + eol
        for text in re.split(r"\r\n|\r|\n", content)
    ]
    if block and block[-1] == eol:
        block.pop()  # content ending with a newline: that newline ends the last line

    found: dict[str, list[int]] = {begin: [], end: []}
    for index, line in enumerate(lines.lines):
        stripped = split_ending(line)[0].decode("utf-8", "replace").strip(" \t")
        if stripped in found:
            found[stripped].append(index)
    begins, ends = found[begin], found[end]

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

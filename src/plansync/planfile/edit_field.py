"""Byte-exact edits of a task's fields where the task keeps them: a table row's cell (estimate,
priority, owner), a field line nested under the item (`Owner: @ann`, `**Depends on:** T1`), or
the text of the field on the task's own lines (`(2h)`, `(high)`).

Only the line holding the estimate changes; its ending, the file's BOM and every other line stay
as they are. A line stored as mojibake is not edited (the new text could not be stored as that
line stores text without guessing).
"""

from __future__ import annotations

import re

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import storage_of
from plansync.planfile.edit_table import fill_cell, reach_cell, with_cell
from plansync.planfile.lines import split_ending, split_lines, strip_bom

__all__ = ["field_line", "set_cell", "set_field_line", "set_text"]


def _line(raw: bytes, line: int) -> tuple[bytes, list[bytes], str, bytes]:
    bom, body = strip_bom(raw)
    lines = split_lines(body)
    if not 1 <= line <= len(lines):
        raise ValueError(f"Line {line} is outside the planfile; read it again before editing.")
    if storage_of(raw).of_line(line) is not None:
        raise ValueError(
            f"Line {line} of the planfile is stored as mojibake; plansync does not write an "
            "estimate there. Save the file as plain UTF-8 and try again."
        )
    text, ending = split_ending(lines[line - 1])
    try:
        return bom, lines, text.decode("utf-8"), ending
    except UnicodeDecodeError:
        raise ValueError(f"Line {line} of the planfile is not valid UTF-8.") from None


def _replace(raw: bytes, line: int, new_text: str) -> bytes:
    bom, lines, text, ending = _line(raw, line)
    if new_text == text:
        return raw
    lines[line - 1] = new_text.encode("utf-8") + ending
    return bom + b"".join(lines)


def set_cell(raw: bytes, line: int, layout: TableRowLayout, role: str, text: str) -> bytes:
    """`text` (may be empty) into the `role` cell of the table row on `line` (`text` is written
    as given: the caller escapes it for a cell)."""
    if layout.index_of(role) is None:
        raise ValueError(f"The table of line {line} has no {role} column.")
    _, _, row, _ = _line(raw, line)
    padded, cell = reach_cell(row, line, layout, role)
    old = padded[cell.start : cell.end]
    return _replace(raw, line, with_cell(padded, cell, fill_cell(old, text)))


def set_text(raw: bytes, lines: range, old: str, new: str) -> bytes:
    """Replace the field written `old` by `new` on the first of `lines` that holds it (the
    last occurrence on that line: fields trail a title, which may hold the same text).
    With `new` empty, a `(old)` goes with its parentheses and the space before them; a bare
    one cannot be removed from prose and raises ValueError."""
    for number in lines:
        _, _, text, _ = _line(raw, number)
        at = text.rfind(old)
        if at < 0:
            continue
        start, end = at, at + len(old)
        if new:
            return _replace(raw, number, text[:start] + new + text[end:])
        if start > 0 and text[start - 1] == "(" and text[end : end + 1] == ")":
            start, end = start - 1, end + 1
            while start > 0 and text[start - 1] in " \t":
                start -= 1
            return _replace(raw, number, text[:start] + text[end:])
        raise ValueError(f"{old!r} on line {number} is part of the text; remove it by hand.")
    raise ValueError(f"{old!r} is not on the task's own lines.")


def set_field_line(raw: bytes, lines: range, labels: frozenset[str], value: str) -> bytes:
    """`value` after the label of the first field line among `lines` whose label is one of
    `labels` (`- **Owner:** @ann` -> `- **Owner:** value`). ValueError when there is none."""
    for number in lines:
        _, _, text, _ = _line(raw, number)
        match = _FIELD_LINE.match(text)
        if match is None or match["label"].strip().lower() not in labels:
            continue
        end = len(text.rstrip(" \t"))
        return _replace(raw, number, text[: match.start("value")] + value + text[end:])
    raise ValueError(f"The task has no {' / '.join(sorted(labels))} line of its own.")


# A field line: list marker or indent, an optionally bold `Label:`, its value.
_FIELD_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+|\d{1,9}[.)][ \t]+)?(?:\*\*|__)?[ \t]*"
    r"(?P<label>[A-Za-z][A-Za-z /&-]{0,30}?)"
    r"[ \t]*(?:\*\*|__)?[ \t]*:[ \t]*(?:\*\*|__)?[ \t]*(?P<value>.*)$"
)


def field_line(text: str) -> tuple[str, str] | None:
    """(label in lower case, value) of a field line (`- **Owner:** @ann`), else None."""
    match = _FIELD_LINE.match(text)
    if match is None:
        return None
    return match["label"].strip().lower(), match["value"].strip()

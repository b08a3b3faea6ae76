"""A task's title replaced on its line: in a list item's text after its marker, checkbox and
leading ID or label, or in a table row's title cell (which keeps its width when it can).

The search stays outside comments and link targets, and never writes over the task's ID: a
title that named the ID the line defines (`Get FIX-006 done`), replaced by one that does not,
gets the ID first (`FIX-006: New title`). The new title is escaped for where it lands (see
`edit_escape.escape_title`); an old title is also found as that escaping wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.planfile.decode import as_stored
from plansync.planfile.edit_escape import escape_title
from plansync.planfile.edit_table import Cell, refit, unescaped_pipe_free
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import plain, strip_decoration
from plansync.planfile.inline_scan import link_targets
from plansync.planfile.item_line import ITEM_PREFIX, comments, tail_start

# A bold label before a colon that the reader keeps out of a title (`**Days 1-2**:`).
_LABEL = re.compile(r"(?:\*\*|__)[^*_]{1,40}?(?:\*\*|__)[ \t]*:")
# What may come before a title at the start of a line's text: indent and list markers.
_LINE_START = re.compile(r"[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])(?:[ \t]+|$))*")
# Emphasis or code marks around an ID (`**OPS-1**`, `` `app-1.2` ``).
_MARK = re.compile(r"(?:\*\*|__|`+)?")


def _not_title(region: str) -> list[tuple[int, int]]:
    """Spans of an item's text a title is never looked for in: HTML comments and link
    targets (`[text](target)`), found as the reader finds them, in linear time."""
    return comments(region) + link_targets(region)


def _title_at(region: str, title: str, blocked: list[tuple[int, int]], lead_end: int) -> int | None:
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


@dataclass(frozen=True)
class TitlePlace:
    """Where a task's title is looked for on its line: `start`..`end` (a list item's text
    after its marker, checkbox and before its tail; the content of a table cell). `cell`: the
    whole table cell it lies in, which keeps its width where it can; `item_like`: the text is
    read as an item's is (its leading ID or label is no title; comments and link targets
    hold none)."""

    start: int
    end: int
    item_like: bool
    cell: Cell | None = None


def item_place(text: str) -> TitlePlace:
    prefix = ITEM_PREFIX.match(text)
    start = prefix.end() if prefix else 0
    return TitlePlace(start, max(start, tail_start(text)), item_like=True)


def cell_place(text: str, cell: Cell, item_like: bool) -> TitlePlace:
    content = text[cell.start : cell.end]
    start = cell.start + len(content) - len(content.lstrip(" \t"))
    end = max(start, cell.start + len(content.rstrip(" \t")))
    return TitlePlace(start, end, item_like, cell)


def retitled(
    text: str,
    mojibake: str | None,
    *,
    line: int,
    place: TitlePlace,
    old_title: str,
    new_title: str,
    task_id: str | None,
    ids: IdMatcher,
    pipes: bool,
) -> str:
    """The line `text` (on `line`) with `old_title` replaced by `new_title`, escaped for where
    it lands (`ids`, `pipes`: see `edit_escape.escape_title`); see `edit.set_task_title`.
    Raises ValueError when `old_title` is not on it."""
    in_cell = place.cell is not None

    def escaped(title: str, *, line_start: bool, pipes: bool) -> str:
        return escape_title(
            title, in_cell=in_cell, own_id=task_id, ids=ids, line_start=line_start, pipes=pipes
        )

    # A title read from a cell may have had its `\|` unescaped by the reader; one pulled
    # from a tracker before is on the line as it was escaped then (wherever it landed).
    searched = [old_title, unescaped_pipe_free(old_title)] + [
        form
        for line_start in (True, False)
        if plain(form := escaped(old_title, line_start=line_start, pipes=line_start).rstrip(" "))
        == plain(old_title)  # (escaping turns controls into spaces: that is another text)
    ]
    start, end = place.start, place.end
    new_stored = as_stored(escaped(new_title, line_start=False, pipes=pipes), mojibake)
    stored_id = as_stored(task_id, mojibake) if task_id is not None else None
    region = text[start:end]
    item_like = place.item_like
    blocked = _not_title(region) if item_like else []
    lead_end = _lead_end(region, stored_id) if item_like else 0
    id_lead = lead_end > 0 and _LABEL.match(region) is None
    # The title of a task with an ID follows the ID (`Week 1: OPS-1 (Title)`) unless it
    # names the ID itself (`Get FIX-006 done`). A title that is the ID is the text after
    # it (`- [ ] OPS-9 OPS-9`), or else no title of its own (`- T1`, `OPS-1 (#7)`).
    id_end = None
    names_id = task_id is not None and task_id in old_title and old_title != task_id
    if item_like and stored_id is not None and not names_id:
        id_end = _id_end(text, start, end, stored_id)
        if id_end is not None:
            lead_end = max(lead_end, id_end - start)
    # The earliest place any form of the old title stands, and there its longest form.
    found = [
        (at, -len(stored), stored)
        for stored in dict.fromkeys(as_stored(candidate, mojibake) for candidate in searched)
        if (at := _title_at(region, stored, blocked, lead_end)) is not None
    ]
    if found:
        at, _, old_stored = min(found)
        if new_title == old_title:
            return text  # the same title, perhaps written unescaped: leave it as it is
        written, rest = new_stored, region[at + len(old_stored) :]
        if not in_cell and _LINE_START.fullmatch(text, 0, start + at):
            written = as_stored(escaped(new_title, line_start=True, pipes=pipes), mojibake)
        if id_lead and not region[lead_end:at].strip() and old_stored.startswith("("):
            # `- T1 (urgent) fix`: the `(` made `T1` the item's ID; a `:` keeps it one.
            at, written = lead_end, f": {new_stored}"
        elif (
            lead_end > 0
            and strip_decoration(region[lead_end:at]) == "("
            and not strip_decoration(rest.partition(")")[0])
            and ")" in rest
            and re.search(r"[()]", new_stored)
        ):
            # `- T1 (Ship)`: a title in parentheses holds none of its own; after `: ` it may.
            opening, closing = region.index("(", lead_end), rest.index(")")
            written = f": {region[opening + 1 : at].lstrip()}{new_stored}"
            at, rest = lead_end, rest[:closing] + rest[closing + 1 :]
        elif (
            item_like
            and names_id
            and stored_id is not None
            and not _names_first(new_stored, stored_id)
            and _id_end(text, start, start + at, stored_id) is None
        ):
            # The old title held the ID the line defines; a new one without it gets it first.
            written = f"{stored_id}: {new_stored}"
        return _refitted(text, place, text[:start] + region[:at] + written + rest + text[end:])
    if id_end is not None and old_title == task_id:
        if new_title == old_title:
            return text
        return _refitted(text, place, _after_id(text, id_end, end, new_stored))
    raise ValueError(
        f"Line {line} of the planfile does not contain the task title {old_title!r}; "
        "the file probably changed since it was read: read it again before editing."
    )


# A token that may be a task ID: letters, digits, `.`, `-`, with a letter first and a digit.
_ID_SHAPE = re.compile(r"(?<![\w.-])[A-Za-z][\w.-]*?\d[\w.-]*")


def _names_first(text: str, task_id: str) -> bool:
    """Whether the first token of `text` that may be a task ID is `task_id`."""
    first = _ID_SHAPE.search(text)
    return first is not None and first.group().rstrip(".-_") == task_id


def _refitted(text: str, place: TitlePlace, new_text: str) -> str:
    """`new_text` (`text` with its title replaced) with the title's table cell keeping its
    width where it can."""
    cell = place.cell
    if cell is None:
        return new_text
    cell_end = cell.end + len(new_text) - len(text)
    fitted = refit(text[cell.start : cell.end], new_text[cell.start : cell_end])
    return new_text[: cell.start] + fitted + new_text[cell_end:]

"""A task's title replaced on its line: in a list item's text after its marker, checkbox and
leading ID or label, or in a table row's title cell (which keeps its width when it can).

The search stays outside comments and link targets, and never writes over the task's ID.
"""

from __future__ import annotations

import re

from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import as_stored
from plansync.planfile.edit_table import cell_of, refit, unescaped_pipe_free
from plansync.planfile.inline_scan import link_targets
from plansync.planfile.item_line import ITEM_PREFIX, comments, tail_start

# A bold label before a colon that the reader keeps out of a title (`**Days 1-2**:`).
_LABEL = re.compile(r"(?:\*\*|__)[^*_]{1,40}?(?:\*\*|__)[ \t]*:")
# Emphasis or code marks around an ID (`**OPS-1**`, `` `app-1.2` ``).
_MARK = re.compile(r"(?:\*\*|__|`+)?")


def _not_title(region: str) -> list[tuple[int, int]]:
    """Spans of an item's text a title is never looked for in: HTML comments and link
    targets (`[text](target)`), found as the reader finds them, in linear time."""
    return comments(region) + link_targets(region)


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


def retitled(
    text: str,
    mojibake: str | None,
    *,
    line: int,
    layout: TableRowLayout | None,
    old_title: str,
    new_title: str,
    replacement: str,
    task_id: str | None,
) -> str:
    """The line `text` (on `line`) with `old_title` replaced by `replacement` (`new_title`
    escaped); see `edit.set_task_title`. Raises ValueError when `old_title` is not on it."""
    # A title read from a table cell may have had its `\|` unescaped by the reader.
    searched = tuple(dict.fromkeys((old_title, unescaped_pipe_free(old_title))))
    if layout is None:
        prefix = ITEM_PREFIX.match(text)
        start = prefix.end() if prefix else 0
        end = max(start, tail_start(text))
    else:
        cell = cell_of(text, line, layout, "title")
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
            new_region = refit(region, new_region)
        return text[:start] + new_region + text[end:]
    if id_end is not None and old_title == task_id:
        return text if new_title == old_title else _after_id(text, id_end, end, new_stored)
    raise ValueError(
        f"Line {line} of the planfile does not contain the task title {old_title!r}; "
        "the file probably changed since it was read: read it again before editing."
    )

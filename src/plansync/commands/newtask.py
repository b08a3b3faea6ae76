"""The line of a new task, in the shape of the task list it joins: a checkbox item, an item led
by the next free ID of the same series, a numbered item, or a table row with its cells. Pure;
the title is untrusted text, escaped for where it lands."""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.model.plan import PlanDocument, Task, TaskKind
from plansync.planfile.edit_escape import escape_title
from plansync.planfile.edit_table import cells_of

_CHECKBOX_LEAD = re.compile(r"^([ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+\[)[ xX](\][ \t]+)")
_NUMBERED_LEAD = re.compile(r"^([ \t]*)(\d{1,9})([.)][ \t]+)")
_SERIES = re.compile(r"^(.*?)(\d+)$")


class ShapeError(ValueError):
    """The task list has a shape a new task cannot be written in; the message says why."""


@dataclass(frozen=True)
class NewTask:
    title: str
    estimate: str = ""  # as it is written, e.g. `2h`
    reference: str = ""  # an issue the task is for, e.g. `#12`


def next_id(document: PlanDocument, last_id: str) -> str:
    """The next free ID of `last_id`'s series (`FIX-006` -> `FIX-007` when free)."""
    match = _SERIES.match(last_id)
    if match is None:
        raise ShapeError(f"the list's IDs ({last_id}) end in no number to count on from")
    prefix, digits = match.groups()
    used = [
        int(m.group(2))
        for t in document.tasks
        if t.id and (m := _SERIES.match(t.id)) is not None and m.group(1) == prefix
    ]
    return f"{prefix}{max(used, default=0) + 1:0{len(digits)}d}"


def new_task_line(document: PlanDocument, line: str, last: Task, new: NewTask) -> str:
    """The new task's line, shaped like `last`, the list's last task, whose line is `line`."""
    if last.table is not None:
        return _row(document, line, last, new)
    task_id = next_id(document, last.id) if last.id else None
    title = escape_title(new.title, in_cell=False, line_start=task_id is None)
    tail = (f" ({new.estimate})" if new.estimate else "") + (
        f" ({new.reference})" if new.reference else ""
    )
    if last.kind is TaskKind.CHECKBOX and task_id is None:
        box = _CHECKBOX_LEAD.match(line)
        if box is None:
            raise ShapeError("the list's last checkbox is not at the start of its line")
        return f"{box.group(1)} {box.group(2)}{title}{tail}"
    if task_id is not None and last.id is not None:
        at = line.find(last.id)
        if at < 0:
            raise ShapeError("the list's last ID is not on its line")
        lead, rest = line[:at], line[at + len(last.id) :]
        separator = re.match(r"^(?:\*\*|__|`)?[ \t]*(?:[:.)\-–—][ \t]*)?", rest)
        gap = separator.group(0) if separator is not None else " "
        checkbox = _CHECKBOX_LEAD.match(lead)
        if checkbox is not None:
            lead = f"{checkbox.group(1)} {checkbox.group(2)}{lead[checkbox.end() :]}"
        return f"{lead}{task_id}{gap or ' '}{title}{tail}"
    if last.kind is TaskKind.NUMBERED_ITEM:
        numbered = _NUMBERED_LEAD.match(line)
        if numbered is None:
            raise ShapeError("the list's last task is not numbered at the start of its line")
        number = int(numbered.group(2)) + 1
        return f"{numbered.group(1)}{number}{numbered.group(3)}{title}{tail}"
    raise ShapeError(
        f"its tasks are written as {last.kind.value}s, which plansync does not write new ones of"
    )


def _row(document: PlanDocument, line: str, last: Task, new: NewTask) -> str:
    assert last.table is not None
    roles = last.table.roles
    if new.estimate and "estimate" not in roles:
        raise ShapeError("its table has no Estimate column for the estimate")
    title = escape_title(new.title, in_cell=True)
    if new.reference and "issue" not in roles:
        title = f"{title} ({new.reference})"
    values = {
        "id": next_id(document, last.id) if last.id and "id" in roles else "",
        "title": title,
        "estimate": new.estimate,
        "status": "Todo",
        "issue": new.reference,
    }
    if "title" not in roles:
        raise ShapeError("its table has no task column")
    cells = [values.get(role, "") for role in roles]
    count = len(cells_of(line))
    cells += [""] * max(count - len(cells), 0)
    body = " | ".join(cells)
    stripped = line.strip()
    lead = line[: len(line) - len(line.lstrip(" \t"))]
    opening = "| " if stripped.startswith("|") else ""
    closing = " |" if stripped.endswith("|") else ""
    return f"{lead}{opening}{body}{closing}"

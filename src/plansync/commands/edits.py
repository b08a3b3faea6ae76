"""A command's plan change carried out on the planfile's bytes, through the planfile editors.

Each change touches only its task's own lines (the line, or for an estimate the nested line
that holds it), so a command never writes outside its task. Raises ValueError (an editor's
refusal) or KeyError (the task is no longer in the file).
"""

from __future__ import annotations

import re
from pathlib import Path

from plansync.commands.outcome import ChangeKind, PlanChange
from plansync.commands.sections import TaskList, find_section, task_list
from plansync.model.plan import PlanDocument, Task, TaskKind
from plansync.planfile.decode import decode_plan
from plansync.planfile.edit import set_checkbox, set_table_status, set_task_title
from plansync.planfile.edit_escape import escape_cell, escape_inline
from plansync.planfile.edit_field import field_line, set_cell, set_field_line, set_text
from plansync.planfile.edit_lines import insert_line, move_lines
from plansync.planfile.edit_table import cells_of
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def apply_change(raw: bytes, path: Path, rules: ReaderRules, change: PlanChange) -> bytes:
    """The planfile `raw` with `change` made (ValueError / KeyError when it cannot be)."""
    task = parse_plan(raw, path, rules).task(change.key)
    match change.kind:
        case ChangeKind.TICK | ChangeKind.UNTICK:
            return _set_done(raw, task, change.kind is ChangeKind.TICK)
        case ChangeKind.STRIKE | ChangeKind.RETITLE:
            return set_task_title(
                raw, task.line, change.old, change.value, task.table, task.id, rules
            )
        case ChangeKind.ESTIMATE:
            return _set_estimate(raw, task, change, rules)
        case ChangeKind.PRIORITY:
            return _set_priority(raw, task, change, rules)
        case ChangeKind.ASSIGNEES:
            return _edit_list(raw, task, "assignee", PEOPLE_LABELS, change)
        case ChangeKind.DEPENDS:
            return _edit_list(raw, task, None, DEPENDENCY_LABELS, change)
        case ChangeKind.MOVE:
            document = parse_plan(raw, path, rules)
            target = _task_list(document, change.value)
            return move_lines(raw, task.line, task.end_line, target.end_line)
        case ChangeKind.ADD:
            target = _task_list(parse_plan(raw, path, rules), change.old)
            return insert_line(raw, target.end_line, change.value)


def _task_list(document: PlanDocument, title: str) -> TaskList:
    section = find_section(document, title)
    found = task_list(document, section) if section is not None else None
    if found is None:
        raise ValueError(f"The section {title!r} has no task list any more.")
    return found


# The field lines' labels, as the reader reads them (planfile/items.py).
PEOPLE_LABELS = frozenset({"owner", "owners", "assignee", "assignees", "lead", "assigned to"})
DEPENDENCY_LABELS = frozenset({"depends on", "dependencies", "dependency", "blocked by"})
PRIORITY_LABELS = frozenset({"priority"})


def _own_lines(task: Task) -> range:
    """The lines under the task's first line that are its own (its nested field lines)."""
    return range(task.line + 1, task.end_line + 1)


def _old_text(raw: bytes, task: Task, role: str | None, labels: frozenset[str]) -> str:
    """The field's text as the plan writes it now ("" when the task has none of its own)."""
    lines = split_text_lines(decode_plan(raw, Path("plan")).text)
    if role is not None and task.table is not None:
        index = task.table.index_of(role)
        if index is not None:
            row = lines[task.line - 1].rstrip("\r\n")
            cells = cells_of(row)
            return row[cells[index].start : cells[index].end].strip() if index < len(cells) else ""
    for number in _own_lines(task):
        found = field_line(lines[number - 1].rstrip("\r\n"))
        if found is not None and found[0] in labels:
            return found[1]
    return ""


def _styled(word: str, old: str) -> str:
    letters = [c for c in old if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return word.upper()
    if letters and all(c.islower() for c in letters):
        return word.lower()
    return word.capitalize()


def _set_priority(raw: bytes, task: Task, change: PlanChange, rules: ReaderRules) -> bytes:
    if task.table is not None:
        old = _old_text(raw, task, "priority", PRIORITY_LABELS)
        return set_cell(raw, task.line, task.table, "priority", _styled(change.value, old))
    old = _old_text(raw, task, None, PRIORITY_LABELS)
    if old:
        return set_field_line(raw, _own_lines(task), PRIORITY_LABELS, _styled(change.value, old))
    if change.old:  # written in the title's trailing group: `(high)`, `(P1, 2h)`
        return set_text(raw, range(task.line, task.line + 1), change.old, change.value.lower())
    return set_task_title(
        raw, task.line, task.title, f"{task.title} ({change.value.lower()})", None, task.id, rules
    )


_NOBODY = frozenset({"", "-", "—", "–", "tbd", "tba", "n/a", "na", "none", "nobody", "?"})
_PARTS = re.compile(r"\s*,\s*")


def _edit_list(
    raw: bytes, task: Task, role: str | None, labels: frozenset[str], change: PlanChange
) -> bytes:
    """Add (`old` "+") or remove (`old` "-") one name of a comma-separated field, leaving the
    other entries as written."""
    old = _old_text(raw, task, role, labels)
    parts = [] if old.strip().lower() in _NOBODY else _PARTS.split(old.strip())
    wanted = change.value.lower()
    if change.old == "+":
        at = "@" if any(p.startswith("@") for p in parts) else ""
        parts.append(f"{at}{change.value}")
    else:
        parts = [p for p in parts if p.strip("*_`").removeprefix("@").lower() != wanted]
    in_cell = role is not None and task.table is not None
    text = ", ".join(parts) if parts or in_cell else "none"
    if in_cell and task.table is not None and role is not None:
        return set_cell(raw, task.line, task.table, role, escape_cell(text))
    return set_field_line(raw, _own_lines(task), labels, escape_inline(text))


def _set_done(raw: bytes, task: Task, done: bool) -> bytes:
    if task.table is not None:
        return set_table_status(raw, task.line, task.table, done)
    if task.kind is TaskKind.CHECKBOX:
        return set_checkbox(raw, task.line, done)
    raise ValueError(f"The task {task.key!r} has no checkbox or status cell.")


def _set_estimate(raw: bytes, task: Task, change: PlanChange, rules: ReaderRules) -> bytes:
    if task.table is not None:
        return set_cell(raw, task.line, task.table, "estimate", change.value)
    if change.old:
        return set_text(raw, range(task.line, task.end_line + 1), change.old, change.value)
    # None yet: written as the reader reads an inline estimate, after the title.
    return set_task_title(
        raw, task.line, task.title, f"{task.title} ({change.value})", None, task.id, rules
    )

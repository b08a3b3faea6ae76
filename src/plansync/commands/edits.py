"""A command's plan change carried out on the planfile's bytes, through the planfile editors.

Each change touches only its task's own lines (the line, or for an estimate the nested line
that holds it), so a command never writes outside its task. Raises ValueError (an editor's
refusal) or KeyError (the task is no longer in the file).
"""

from __future__ import annotations

from pathlib import Path

from plansync.commands.outcome import ChangeKind, PlanChange
from plansync.model.plan import Task, TaskKind
from plansync.planfile.edit import set_checkbox, set_table_status, set_task_title
from plansync.planfile.edit_estimate import set_estimate_cell, set_estimate_text
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules


def apply_change(raw: bytes, path: Path, rules: ReaderRules, change: PlanChange) -> bytes:
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


def _set_done(raw: bytes, task: Task, done: bool) -> bytes:
    if task.table is not None:
        return set_table_status(raw, task.line, task.table, done)
    if task.kind is TaskKind.CHECKBOX:
        return set_checkbox(raw, task.line, done)
    raise ValueError(f"The task {task.key!r} has no checkbox or status cell.")


def _set_estimate(raw: bytes, task: Task, change: PlanChange, rules: ReaderRules) -> bytes:
    if task.table is not None:
        return set_estimate_cell(raw, task.line, task.table, change.value)
    if change.old:
        return set_estimate_text(raw, range(task.line, task.end_line + 1), change.old, change.value)
    # None yet: written as the reader reads an inline estimate, after the title.
    return set_task_title(
        raw, task.line, task.title, f"{task.title} ({change.value})", None, task.id, rules
    )

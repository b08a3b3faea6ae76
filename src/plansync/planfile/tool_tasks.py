"""The tasks of a planfile written in a planning tool's format, from the tasks the general
rules read: each checkbox item's line is read again with the tool's grammar (see
`tool_lines`), and the keys are given again, as an ID found that way keys its task.

Tasks the general rules read in other shapes (table rows, headings) stay as they are.
"""

from __future__ import annotations

from dataclasses import replace

from plansync.model.plan import Task, TaskKind
from plansync.planfile.assemble import pinned_key
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import checkbox_mark, plain, strip_decoration
from plansync.planfile.item_line import item_text
from plansync.planfile.items import split_metadata
from plansync.planfile.keys import KeySource, assign_keys
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Outline
from plansync.planfile.tool_lines import LineTask, ccpm_epic, numbered, spec_kit, todo_fields

_CHECKBOX_STATES = {"~": "in-progress", "/": "partial", "-": "dropped"}


def _read(format_name: str, text: str) -> LineTask | None:
    if format_name == "spec-kit":
        return spec_kit(text)
    if format_name in ("kiro", "openspec"):
        return numbered(text)
    if format_name == "aidevops":
        return todo_fields(text)
    if format_name == "ccpm":
        return ccpm_epic(text)
    return None


def _checkbox_text(line: str) -> tuple[str, bool] | None:
    """The mark of a checkbox item's line (`x`, `~`, ...) and whether it is marked optional."""
    start = line.find("[")
    return checkbox_mark(line[start:]) if start >= 0 else None


def with_states(tasks: tuple[Task, ...], outline: Outline) -> tuple[Task, ...]:
    """Checkbox tasks marked `[~]`, `[/]` or `[-]` get that state; `[ ]*` the label
    `optional` (Kiro's optional tasks)."""
    found: list[Task] = []
    for task in tasks:
        if task.kind is TaskKind.CHECKBOX:
            mark = _checkbox_text(outline.line(task.line))
            if mark is not None:
                state = _CHECKBOX_STATES.get(mark[0])
                labels = (*task.labels, "optional") if mark[1] else task.labels
                if state is not None or mark[1]:
                    task = replace(task, state=state or task.state, labels=labels)
        found.append(task)
    return tuple(found)


def _reread(task: Task, format_name: str, outline: Outline, taken: set[str]) -> Task:
    raw = outline.line(task.line)
    text = plain(item_text(raw)).strip()
    read = _read(format_name, text)
    if read is None or task.criterion:  # criteria are no tasks of the tool: no IDs
        return task
    title, estimate, priority = split_metadata(read.title)
    title = strip_decoration(title)
    if not title:
        return task
    task_id = read.id if read.id is not None and read.id not in taken else task.id
    if task_id is not None:
        taken.add(task_id)
    refs = tuple(dict.fromkeys((*read.issue_refs, *parse_issue_refs(text))))
    return replace(
        task,
        id=task_id,
        title=title,
        labels=tuple(dict.fromkeys((*task.labels, *read.labels))),
        depends_on=tuple(dict.fromkeys((*read.depends_on, *task.depends_on))),
        estimate=read.estimate or estimate or task.estimate,
        priority=priority or task.priority,
        assignees=read.assignees or task.assignees,
        issue_refs=refs,
    )


def rekeyed(tasks: tuple[Task, ...], sections: Sections, outline: Outline) -> tuple[Task, ...]:
    """The tasks with their keys given again from their IDs, scopes and titles."""
    keys = assign_keys(
        [
            KeySource(
                id=t.id,
                scope=sections.criteria_title(t.line) if t.criterion else t.milestone,
                title=t.title,
                pinned=pinned_key(outline.line(t.line)),
            )
            for t in tasks
        ]
    )
    return tuple(replace(t, key=key) for t, key in zip(tasks, keys, strict=True))


def tool_tasks(
    tasks: tuple[Task, ...], format_name: str, outline: Outline, sections: Sections
) -> tuple[Task, ...]:
    """The tasks as the format reads them (unchanged for `generic`)."""
    tasks = with_states(tasks, outline)
    if format_name == "generic":
        return tasks
    taken = {t.id for t in tasks if t.id is not None}
    reread = tuple(
        _reread(t, format_name, outline, taken) if t.kind is TaskKind.CHECKBOX else t for t in tasks
    )
    return rekeyed(reread, sections, outline)

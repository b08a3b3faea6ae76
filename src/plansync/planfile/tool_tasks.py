"""The tasks of a planfile written in a planning tool's format, from the tasks the general
rules read: each checkbox item's line is read again with the tool's grammar (see
`tool_lines`), and the keys are given again, as an ID found that way keys its task.

Tasks the general rules read in other shapes (table rows, headings) stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import replace

from plansync.model.plan import Task, TaskKind
from plansync.planfile.assemble import pinned_key
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.file_tasks import backlog_task_file, ccpm_task_file
from plansync.planfile.front_matter import FrontMatter
from plansync.planfile.heading_tasks import with_heading_tasks
from plansync.planfile.ids import IdMatcher, IdStrength
from plansync.planfile.inline import (
    CHECKBOX_STATES,
    checkbox_mark,
    plain,
    split_checkbox,
    strip_decoration,
)
from plansync.planfile.item_line import tail_start
from plansync.planfile.items import split_metadata
from plansync.planfile.keys import KeySource, assign_keys
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Outline
from plansync.planfile.taskmaster import taskmaster_tasks
from plansync.planfile.tool_lines import LineTask, ccpm_epic, numbered, spec_kit, todo_fields

_TRAILING_ID = re.compile(r"\s*\((?P<id>[^()\s]{3,40})\)\s*$")


def _read(format_name: str, text: str, raw: str) -> LineTask | None:
    """The line read with the format's grammar: `text` plain, `raw` as written."""
    if format_name == "spec-kit":
        return spec_kit(text)
    if format_name in ("kiro", "openspec"):
        return numbered(text)
    if format_name == "aidevops":
        return todo_fields(raw)
    if format_name == "ccpm":
        return ccpm_epic(text)
    return None


def _checkbox_text(line: str) -> tuple[str, bool] | None:
    """The mark of a checkbox item's line (`x`, `~`, ...) and whether it is marked optional."""
    start = line.find("[")
    return checkbox_mark(line[start:]) if start >= 0 else None


def _trailing_id(task: Task, matcher: IdMatcher, taken: set[str]) -> Task:
    """`- [ ] Write the tests (TASK-1.2.1)`: a trailing parenthesised ID is the task's ID."""
    found = _TRAILING_ID.search(task.title)
    if found is None or task.id is not None or task.criterion:
        return task
    match = matcher.whole(found["id"])
    if match is None or match.strength < IdStrength.STRONG or match.id in taken:
        return task
    title = task.title[: found.start()].rstrip()
    if not title:
        return task
    taken.add(match.id)
    return replace(task, id=match.id, title=title)


def with_states(tasks: tuple[Task, ...], outline: Outline, matcher: IdMatcher) -> tuple[Task, ...]:
    """Checkbox tasks marked `[~]`, `[/]` or `[-]` get that state; `[ ]*` the label
    `optional` (Kiro's optional tasks); a trailing `(TASK-1.2.1)` is the task's ID."""
    found: list[Task] = []
    taken = {t.id for t in tasks if t.id is not None}
    for task in tasks:
        if task.kind is TaskKind.CHECKBOX:
            task = _trailing_id(task, matcher, taken)
            mark = _checkbox_text(outline.line(task.line))
            if mark is not None:
                state = CHECKBOX_STATES.get(mark[0])
                labels = (*task.labels, "optional") if mark[1] else task.labels
                if state is not None or mark[1]:
                    task = replace(task, state=state or task.state, labels=labels)
        found.append(task)
    return tuple(found)


def _reread(task: Task, format_name: str, first_lines: dict[int, str], taken: set[str]) -> Task:
    # The item's first line as the general rules read it (no hard break, no marker).
    written = split_checkbox(first_lines.get(task.line, ""))[1]
    tail = tail_start(written)
    if "<!--" in written[tail:]:
        written = written[:tail]  # without trailing comments (plansync's marker)
    text = plain(written).strip()
    read = _read(format_name, text, written.strip())
    if read is None or task.criterion:  # criteria are no tasks of the tool: no IDs
        return task
    title, estimate, priority = split_metadata(read.title)
    title = strip_decoration(title)
    if read.id is None and task.id is not None:
        # The general rules found the line's ID (`OPS-9: Ship ~2h`): keep their title, without
        # the fields that follow it.
        fields = text[len(read.title) :].strip()
        title = task.title.removesuffix(fields).strip() if fields else task.title
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
    tasks: tuple[Task, ...],
    format_name: str,
    outline: Outline,
    sections: Sections,
    matcher: IdMatcher,
    front: FrontMatter | None,
) -> tuple[Task, ...]:
    """The tasks as the format reads them: checkbox states and heading-defined tasks in every
    format, then the format's own grammar. Keys are given again only when something changed."""
    read = with_states(tasks, outline, matcher)
    if format_name == "taskmaster":
        read = taskmaster_tasks(outline, sections)
    else:
        read = with_heading_tasks(read, outline, sections, matcher)
    if format_name not in ("generic", "taskmaster"):
        taken = {t.id for t in read if t.id is not None}
        first_lines = {item.line: item.first_line for item in outline.items}
        read = tuple(
            _reread(t, format_name, first_lines, taken) if t.kind is TaskKind.CHECKBOX else t
            for t in read
        )
    if front is not None and format_name == "ccpm":
        read = ccpm_task_file(read, front)
    if front is not None and format_name == "backlog-md":
        read = backlog_task_file(read, front, outline, sections)
    # A task made anew here (a heading's, in place of the mention on its line) has no key yet.
    unchanged = len(read) == len(tasks) and all(
        a.key and (a.id, a.title, a.criterion) == (b.id, b.title, b.criterion)
        for a, b in zip(read, tasks, strict=True)
    )
    return read if unchanged else rekeyed(read, sections, outline)

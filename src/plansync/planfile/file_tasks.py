"""Task files whose front matter describes the file's task (ccpm task files, Backlog.md).

- ccpm: the task is the file's `# Task: ...` heading (see `heading_tasks`); its front matter's
  `status`, `github` (the task's existing issue), `depends_on` and `parallel` apply to it.
- Backlog.md: the file is the task; it stands on the front matter's `title:` line (so a
  retitle edits that line in place), with `status`, `assignee`, `labels`, `dependencies`
  and `priority` from the front matter. Its `- [ ] #1 ...` acceptance criteria are criteria,
  numbered by the tool: `#1` is no issue reference.

Front matter never yields tasks otherwise, and IDs mentioned there define nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from plansync.model.plan import Task, TaskKind
from plansync.planfile.fields import parse_issue_refs, parse_people, parse_priority
from plansync.planfile.front_matter import FrontMatter
from plansync.planfile.inline import plain, strip_decoration
from plansync.planfile.item_line import item_text
from plansync.planfile.items import split_metadata
from plansync.planfile.sections import Sections
from plansync.planfile.status_words import read_status
from plansync.planfile.structure import Outline

_CRITERION_NUMBER = re.compile(r"^#\d+\s+")


def _status(front: FrontMatter) -> tuple[bool, str | None]:
    status = read_status(front.text("status") or "")
    return bool(status.done), status.state


def ccpm_task_file(tasks: tuple[Task, ...], front: FrontMatter) -> tuple[Task, ...]:
    """The file's heading task with the front matter's fields."""
    index = next((i for i, t in enumerate(tasks) if t.kind is TaskKind.HEADING), None)
    if index is None:
        return tasks
    task = tasks[index]
    done, state = _status(front)
    depends = tuple(d.strip() for d in front.items("depends_on") if d.strip())
    labels = task.labels + (("parallel",) if front.text("parallel") == "true" else ())
    refs = task.issue_refs + parse_issue_refs(front.text("github") or "")
    updated = replace(
        task, done=done, state=state, depends_on=depends, labels=labels, issue_refs=refs
    )
    return (*tasks[:index], updated, *tasks[index + 1 :])


def backlog_task_file(
    tasks: tuple[Task, ...], front: FrontMatter, outline: Outline, sections: Sections
) -> tuple[Task, ...]:
    """The file's own task first, then its criteria (their `#1` numbers are no references)."""
    found: list[Task] = []
    for task in tasks:
        if task.criterion:
            text = plain(item_text(outline.line(task.line))).strip()
            number = _CRITERION_NUMBER.match(text)
            if number is not None:
                rest = text[number.end() :].strip()
                title = strip_decoration(split_metadata(rest)[0])
                task = replace(task, title=title or task.title, issue_refs=parse_issue_refs(rest))
        found.append(task)
    written = front.text("title") or ""
    title = strip_decoration(split_metadata(written)[0])
    line = front.lines.get("title")
    if not title or line is None:
        return tuple(found)
    done, state = _status(front)
    own = Task(
        key="",
        title=title,
        done=done,
        kind=TaskKind.FILE,
        line=line,
        end_line=line,
        id=front.text("id"),
        section_path=sections.path(line),
        priority=parse_priority(front.text("priority") or ""),
        assignees=tuple(p for a in front.items("assignee") for p in parse_people(a)),
        labels=front.items("labels"),
        depends_on=front.items("dependencies"),
        issue_refs=parse_issue_refs(written),
        state=state,
    )
    return (own, *found)

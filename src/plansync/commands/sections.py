"""Sections as commands name them, and the task list a section holds: where a moved or added
task goes, and which shape it takes there. Pure functions of a parsed planfile."""

from __future__ import annotations

from dataclasses import dataclass

from plansync.model.plan import PlanDocument, Section, Task


@dataclass(frozen=True)
class TaskList:
    """A section's task list: its last task (the shape a new one takes) and the last line the
    list covers (a task goes after it)."""

    section: Section
    last: Task
    end_line: int


def find_section(document: PlanDocument, name: str) -> Section | None:
    """The section titled `name` (any case), else the one whose title starts `name:` or
    `name ` when only one does (`Week 2` finds `Week 2: Integration`)."""
    wanted = name.strip().lower()
    if not wanted:
        return None
    exact = [s for s in document.sections if s.title.strip().lower() == wanted]
    if exact:
        return exact[0]
    prefixed = [
        s for s in document.sections if s.title.lower().startswith((f"{wanted}:", f"{wanted} "))
    ]
    return prefixed[0] if len(prefixed) == 1 else None


def section_of(document: PlanDocument, task: Task) -> Section | None:
    """The innermost section around the task."""
    around = [s for s in document.sections if s.line < task.line <= s.end_line]
    return max(around, key=lambda s: s.line, default=None)


def task_list(document: PlanDocument, section: Section) -> TaskList | None:
    """The section's task list, None when it holds no task."""
    inside = [
        t
        for t in document.tasks
        if section.line < t.line <= section.end_line and not t.criterion and not t.from_mention
    ]
    top = [t for t in inside if not any(o.line < t.line <= o.end_line for o in inside)]
    if not top:
        return None
    last = max(top, key=lambda t: t.line)
    return TaskList(section, last, max(t.end_line for t in top))


def section_names(document: PlanDocument) -> list[str]:
    """The titles of the sections that hold tasks of their own (not only in subsections), for a
    reply that lists the valid ones."""
    owners = {section_of(document, t) for t in document.tasks if not t.criterion}
    return [s.title for s in document.sections if s in owners]

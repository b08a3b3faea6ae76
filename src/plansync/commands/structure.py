"""The handlers that change a plan's structure: `move` / `milestone` (the task's lines to the
end of another section's task list), `add` (a new task in a section's shape) and `track` (an
issue nobody planned, adopted as a task). Pure, like every handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plansync.commands.duration import DurationError, parse_duration
from plansync.commands.newtask import NewTask, ShapeError, new_task_line
from plansync.commands.outcome import ChangeKind, Outcome, PlanChange, Verdict
from plansync.commands.parse import Command
from plansync.commands.sections import find_section, section_names, section_of, task_list
from plansync.commands.text import code
from plansync.commands.verbs import TaskContext
from plansync.model.plan import PlanDocument, Section
from plansync.planfile.edit_escape import escape_title, pulled_title_text

_LISTED = 12  # section titles a refusal names at most


@dataclass(frozen=True)
class PlanView:
    """One planfile as a handler sees it: parsed, with its decoded lines."""

    planfile: str
    document: PlanDocument
    lines: tuple[str, ...]


def _refused(command: Command, message: str) -> Outcome:
    return Outcome(command, Verdict.REFUSED, message)


def _unknown_section(command: Command, name: str, document: PlanDocument) -> Outcome:
    names = section_names(document)
    shown = ", ".join(code(n) for n in names[:_LISTED]) + (", ..." if len(names) > _LISTED else "")
    return _refused(
        command, f"No section of the plan is titled {code(name)}. The sections with tasks: {shown}."
    )


def move(command: Command, ctx: TaskContext) -> Outcome:
    document = ctx.document
    if document is None or len(command.args) != 1:
        return _refused(command, f'Name one section: `/plan {command.verb} "Week 2"`.')
    section = find_section(document, command.args[0])
    if section is None:
        return _unknown_section(command, command.args[0], document)
    here = section_of(document, ctx.task)
    if here is not None and here.line == section.line:
        return Outcome(command, Verdict.APPLIED, f"The task is already in {code(section.title)}.")
    target = task_list(document, section)
    if target is None:
        return _refused(command, f"The section {code(section.title)} has no task list to join.")
    if (target.last.table is None) != (ctx.task.table is None):
        return _refused(
            command,
            f"The tasks of {code(section.title)} are written as {target.last.kind.value}s and "
            f"this one as a {ctx.task.kind.value}: a list item and a table row do not mix; "
            "move it by hand.",
        )
    if ctx.task.table is not None and target.last.table != ctx.task.table:
        return _refused(command, f"The table of {code(section.title)} has other columns.")
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.MOVE, section.title)
    message = f"Moved the task from {ctx.where} to the end of {code(section.title)}."
    return Outcome(command, Verdict.APPLIED, message, change)


def _add_words(args: Sequence[str]) -> tuple[str, str | None, str | None] | str:
    """(title, section, estimate) from `"Title" [in "Section"] [estimate 2h]`, or a refusal."""
    title: list[str] = []
    section: str | None = None
    estimate: str | None = None
    index = 0
    while index < len(args):
        word = args[index]
        if word.lower() in ("in", "estimate") and index + 1 < len(args) and title:
            if word.lower() == "in":
                section = args[index + 1]
            else:
                estimate = args[index + 1]
            index += 2
            continue
        if section is not None or estimate is not None:
            return f"{code(word)} after the section or estimate is not understood"
        title.append(word)
        index += 1
    if not title:
        return "the title is missing"
    return " ".join(title), section, estimate


def add(command: Command, ctx: TaskContext) -> Outcome:
    document = ctx.document
    words = _add_words(command.args)
    if isinstance(words, str) or document is None:
        why = words if isinstance(words, str) else "the plan is not readable"
        return _refused(
            command, f'Not added: {why}. Type `/plan add "Title" in "Section" estimate 2h`.'
        )
    title, name, estimate_words = words
    section = find_section(document, name) if name else section_of(document, ctx.task)
    if section is None:
        return _unknown_section(command, name or "", document)
    estimate = ""
    if estimate_words is not None:
        try:
            duration = parse_duration([estimate_words])
        except DurationError as exc:
            return _refused(command, f"{exc} Type e.g. `estimate 2h`.")
        estimate = duration[1] if duration is not None else ""
    return _new_task(command, ctx.planfile, document, ctx.lines, section, NewTask(title, estimate))


def _new_task(
    command: Command,
    planfile: str,
    document: PlanDocument,
    lines: Sequence[str],
    section: Section,
    new: NewTask,
) -> Outcome:
    target = task_list(document, section)
    if target is None:
        return _refused(command, f"The section {code(section.title)} has no task list to join.")
    readings = {new.title, pulled_title_text(escape_title(new.title, in_cell=False))}
    inside = [t for t in document.tasks if section.line < t.line <= section.end_line]
    if any(t.title in readings for t in inside):
        return Outcome(
            command, Verdict.APPLIED, f"{code(section.title)} already has a task titled so."
        )
    try:
        line = new_task_line(document, lines[target.last.line - 1], target.last, new)
    except ShapeError as exc:
        return _refused(command, f"Not added to {code(section.title)}: {exc}.")
    change = PlanChange(planfile, target.last.key, ChangeKind.ADD, line, section.title)
    message = f"Added a task at the end of {code(section.title)} in {code(planfile)}."
    return Outcome(command, Verdict.APPLIED, message + " The next sync creates its issue.", change)


def track(
    command: Command, plans: Sequence[PlanView], issue_number: int, issue_title: str
) -> Outcome:
    """Adopt an issue no task is linked to: a task `Title (#N)` in the named section (by
    default the last task list of the first planfile)."""
    if not plans:
        return _refused(command, "The project has no planfile to add the issue to.")
    reference = f"#{issue_number}"
    for view in plans:
        if any(r.number == issue_number for t in view.document.tasks for r in t.issue_refs):
            return Outcome(command, Verdict.APPLIED, f"{code(view.planfile)} already has it.")
    if len(command.args) > 1:
        return _refused(command, 'Name one section: `/plan track "Week 2"`.')
    for view in plans:
        document = view.document
        if command.args:
            section = find_section(document, command.args[0])
        else:
            lists = [s for s in document.sections if task_list(document, s) is not None]
            section = lists[-1] if lists else None
        if section is not None:
            new = NewTask(issue_title.strip() or f"Issue {issue_number}", reference=reference)
            return _new_task(command, view.planfile, document, view.lines, section, new)
    return _unknown_section(command, command.args[0] if command.args else "", plans[0].document)

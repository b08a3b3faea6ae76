"""The handlers: one pure function per verb, from a command and the task it is about to an
`Outcome` (the plan change it asks for, and what the reply says). No I/O: the sync step reads
the plan and the links, and carries the change out.

Text from the comment is untrusted: it reaches a planfile only through the planfile editors,
which escape it for the place it lands in, and a reply only through `quoted` / `code`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from plansync.commands.duration import DurationError, parse_duration
from plansync.commands.outcome import ChangeKind, Outcome, PlanChange, Verdict
from plansync.commands.parse import Command
from plansync.commands.text import code, inline
from plansync.model.plan import PlanDocument, Priority, Task, TaskKind
from plansync.planfile.fields import parse_estimate, parse_priority

HELP = (
    "`/plan done` / `/plan undone`: tick or untick the task of this issue in its plan",
    "`/plan drop [reason]`: strike the task's title through (its issue is closed as not planned)",
    "`/plan estimate 2h` (`90min`, `1.5d`, `1w 2d`, `clear`): set the task's estimate",
    "`/plan rename New title`: the task's title in the plan",
    "`/plan priority high` (`blocker`, `critical`, `high`, `medium`, `low`, `P0`-`P4`): the "
    "task's priority where the plan keeps it",
    "`/plan assign @alice` / `/plan unassign @alice`: the task's owner, written as the "
    "project's people map names them",
    "`/plan depends T12` / `/plan nodepends T12`: the task's `Depends on:` line",
    '`/plan milestone "Week 2"` / `/plan move "Phase 3"`: the task\'s lines to the end of '
    "that section's task list",
    '`/plan add "Title" [in "Section"] [estimate 2h]`: a new task in that section (by default '
    "this task's), written as its other tasks are; the next sync creates its issue",
    "`/plan status`: the task's line as the plan has it, and its milestone's progress",
    "`/plan help`: this list",
    '`/plan track ["Section"]`, on an issue no task is linked to: add it to the plan as a task',
)


@dataclass(frozen=True)
class TaskContext:
    """The task of the issue a comment is on, as its planfile holds it now."""

    planfile: str
    task: Task
    lines: tuple[str, ...]  # the planfile's decoded lines, line n at n - 1
    plan_url: str | None = None
    people: Mapping[str, str] = field(default_factory=dict)  # plan name -> tracker user
    task_ids: frozenset[str] = frozenset()  # the IDs and keys of the planfile's tasks
    document: PlanDocument | None = None

    @property
    def line_text(self) -> str:
        return self.lines[self.task.line - 1]

    @property
    def where(self) -> str:
        return f"{code(self.planfile)} line {self.task.line}"


Handler = Callable[[Command, TaskContext], Outcome]


def _refused(command: Command, message: str) -> Outcome:
    return Outcome(command, Verdict.REFUSED, message)


def _can_show_done(task: Task) -> bool:
    if task.table is not None:
        return task.table.index_of("status") is not None
    return task.kind is TaskKind.CHECKBOX


def _done(command: Command, ctx: TaskContext, done: bool) -> Outcome:
    if command.args:
        return _refused(
            command, f"{code(command.verb)} takes no arguments; type `/plan {command.verb}`."
        )
    if not _can_show_done(ctx.task):
        return _refused(
            command,
            f"The task on {ctx.where} has no checkbox or status cell to "
            f"{'tick' if done else 'untick'}; close or reopen the issue instead.",
        )
    if ctx.task.done == done:
        word = "done" if done else "open"
        return Outcome(command, Verdict.APPLIED, f"Already {word} in {ctx.where}.")
    kind = ChangeKind.TICK if done else ChangeKind.UNTICK
    word = "Ticked" if done else "Unticked"
    change = PlanChange(ctx.planfile, ctx.task.key, kind, "")
    return Outcome(command, Verdict.APPLIED, f"{word} the task on {ctx.where}.", change)


def done(command: Command, ctx: TaskContext) -> Outcome:
    return _done(command, ctx, True)


def undone(command: Command, ctx: TaskContext) -> Outcome:
    return _done(command, ctx, False)


def _struck(title: str) -> bool:
    return len(title) > 4 and title.startswith("~~") and title.endswith("~~")


def drop(command: Command, ctx: TaskContext) -> Outcome:
    title = ctx.task.title
    reason = f" Reason: {inline(command.rest)}" if command.rest else ""
    if _struck(title):
        return Outcome(command, Verdict.APPLIED, f"Already struck through in {ctx.where}.{reason}")
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.STRIKE, f"~~{title}~~", title)
    message = f"Struck the title through on {ctx.where}; the issue closes as not planned.{reason}"
    return Outcome(command, Verdict.APPLIED, message, change)


def estimate(command: Command, ctx: TaskContext) -> Outcome:
    if not command.args:
        return _refused(
            command, "Say how long: `/plan estimate 2h` (or `90min`, `1.5d`, `1w 2d`, `clear`)."
        )
    try:
        duration = parse_duration(command.args)
    except DurationError as exc:
        return _refused(
            command,
            f"{exc} Type e.g. `/plan estimate 2h`, `/plan estimate 1w 2d` or "
            "`/plan estimate clear`.",
        )
    old = ctx.task.estimate.text if ctx.task.estimate is not None else ""
    if old and parse_estimate(old) is None:
        return _refused(
            command,
            f"The task on {ctx.where} takes its estimate from its time box ({code(old)}); "
            "change the time box in the plan instead.",
        )
    if duration is None:
        if not old:
            return Outcome(command, Verdict.APPLIED, f"The task on {ctx.where} has no estimate.")
        change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.ESTIMATE, "", old)
        return Outcome(command, Verdict.APPLIED, f"Cleared the estimate on {ctx.where}.", change)
    minutes, text = duration
    if (
        ctx.task.estimate is not None
        and ctx.task.estimate.minutes == minutes
        and ctx.task.estimate.min_minutes is None
    ):
        return Outcome(
            command, Verdict.APPLIED, f"The estimate on {ctx.where} is already {code(old)}."
        )
    if ctx.task.table is not None and ctx.task.table.index_of("estimate") is None:
        return _refused(
            command,
            f"The task on {ctx.where} is a table row and its table has no Estimate "
            "column; add one to the table, then type the command again.",
        )
    if not old and ctx.task.table is None and not _fits_a_group(ctx):
        return _refused(command, _MARKUP.format(where=ctx.where))
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.ESTIMATE, text, old)
    return Outcome(
        command, Verdict.APPLIED, f"Set the estimate on {ctx.where} to {code(text)}.", change
    )


_MARKUP = (
    "The title on {where} is written with inline markup (code, emphasis, links), which plansync "
    "does not rewrite; change it in the plan."
)


def rename(command: Command, ctx: TaskContext) -> Outcome:
    title = command.rest.strip()
    if len(title) >= 2 and title.startswith('"') and title.endswith('"'):
        title = title[1:-1].strip()
    if not title:
        return _refused(command, "Say the new title: `/plan rename New title`.")
    if title == ctx.task.title:
        return Outcome(command, Verdict.APPLIED, f"The task on {ctx.where} already has that title.")
    if ctx.task.title not in ctx.line_text:
        return _refused(command, _MARKUP.format(where=ctx.where))
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.RETITLE, title, ctx.task.title)
    return Outcome(command, Verdict.APPLIED, f"Renamed the task on {ctx.where}.", change)


def priority(command: Command, ctx: TaskContext) -> Outcome:
    words = ", ".join(f"`{p.value}`" for p in Priority)
    wanted = parse_priority(command.args[0]) if len(command.args) == 1 else None
    if wanted is None:
        return _refused(command, f"Say one priority: {words} (or `P0` to `P4`).")
    if ctx.task.priority is wanted:
        return Outcome(
            command,
            Verdict.APPLIED,
            f"The priority on {ctx.where} is already {code(wanted.value)}.",
        )
    if ctx.task.table is not None and ctx.task.table.index_of("priority") is None:
        return _refused(
            command, f"The task on {ctx.where} is a table row and its table has no Priority column."
        )
    written = _inline_priority(ctx)
    if not written and ctx.task.table is None and not _fits_a_group(ctx):
        return _refused(command, _MARKUP.format(where=ctx.where))
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.PRIORITY, wanted.value, written)
    return Outcome(
        command,
        Verdict.APPLIED,
        f"Set the priority on {ctx.where} to {code(wanted.value)}.",
        change,
    )


def _fits_a_group(ctx: TaskContext) -> bool:
    """Whether a `(2h)` / `(high)` group can be written after the title: the title stands on
    the line as read (no inline markup inside it)."""
    return ctx.task.title in ctx.line_text


def _inline_priority(ctx: TaskContext) -> str:
    """The priority word as the task's own line writes it in a trailing group, or ""."""
    if ctx.task.priority is None:
        return ""
    line = ctx.line_text
    for word in reversed(line.replace("(", " ").replace(")", " ").replace(",", " ").split()):
        if parse_priority(word) is ctx.task.priority and word.strip("*_`").isalnum():
            return word
    return ""


def _person(command: Command, ctx: TaskContext) -> tuple[str | None, str]:
    """(the plan's name for the user the command names, or None; the user as typed)."""
    if len(command.args) != 1:
        return None, ""
    user = command.args[0].removeprefix("@")
    names = [name for name, login in ctx.people.items() if login.lower() == user.lower()]
    return (names[0] if names else None), user


def _assign(command: Command, ctx: TaskContext, on: bool) -> Outcome:
    name, user = _person(command, ctx)
    if not user:
        return _refused(command, f"Name one person: `/plan {command.verb} @alice`.")
    if name is None:
        return _refused(
            command,
            f"{code('@' + user)} is not in the project's people map, so plansync does not know "
            "how the plan names them; add them under `[projects.people]` in the configuration.",
        )
    now = list(ctx.task.assignees)
    if (name in now) == on:
        state = "already" if on else "not"
        return Outcome(
            command, Verdict.APPLIED, f"{code(name)} is {state} the owner on {ctx.where}."
        )
    if ctx.task.table is not None and ctx.task.table.index_of("assignee") is None:
        return _refused(
            command, f"The task on {ctx.where} is a table row and its table has no Owner column."
        )
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.ASSIGNEES, name, "+" if on else "-")
    verb = "Added" if on else "Removed"
    return Outcome(
        command, Verdict.APPLIED, f"{verb} {code(name)} as owner on {ctx.where}.", change
    )


def assign(command: Command, ctx: TaskContext) -> Outcome:
    return _assign(command, ctx, True)


def unassign(command: Command, ctx: TaskContext) -> Outcome:
    return _assign(command, ctx, False)


def _depends(command: Command, ctx: TaskContext, on: bool) -> Outcome:
    if len(command.args) != 1:
        return _refused(command, f"Name one task: `/plan {command.verb} T12`.")
    other = command.args[0]
    if on and other not in ctx.task_ids:
        return _refused(command, f"{code(other)} is no task ID of {code(ctx.planfile)}.")
    now = list(ctx.task.depends_on)
    if (other in now) == on:
        state = "already depends" if on else "does not depend"
        return Outcome(
            command, Verdict.APPLIED, f"The task on {ctx.where} {state} on {code(other)}."
        )
    change = PlanChange(ctx.planfile, ctx.task.key, ChangeKind.DEPENDS, other, "+" if on else "-")
    verb = "now depends" if on else "no longer depends"
    return Outcome(
        command, Verdict.APPLIED, f"The task on {ctx.where} {verb} on {code(other)}.", change
    )


def depends(command: Command, ctx: TaskContext) -> Outcome:
    return _depends(command, ctx, True)


def nodepends(command: Command, ctx: TaskContext) -> Outcome:
    return _depends(command, ctx, False)


def status(command: Command, ctx: TaskContext) -> Outcome:
    lines = [f"The task on {ctx.where} reads:", "", *_fenced(ctx.line_text)]
    milestone = ctx.task.milestone
    if milestone is not None and ctx.document is not None:
        peers = [t for t in ctx.document.tasks if t.milestone == milestone and not t.criterion]
        done = sum(1 for t in peers if t.done)
        lines += ["", f"Milestone {code(milestone)}: {done} of {len(peers)} tasks done."]
    if ctx.plan_url:
        lines += ["", f"Plan: {ctx.plan_url}"]
    return Outcome(command, Verdict.ANSWERED, "\n".join(lines))


def help_(command: Command, ctx: TaskContext | None = None) -> Outcome:
    body = "\n".join(f"- {line}" for line in HELP)
    return Outcome(command, Verdict.ANSWERED, f"The commands, one per line of a comment:\n\n{body}")


def _fenced(text: str) -> list[str]:
    fence = "~" * max(3, _longest_run(text, "~") + 1)
    return [fence, text.replace("\r", ""), fence]


def _longest_run(text: str, char: str) -> int:
    best = run = 0
    for c in text:
        run = run + 1 if c == char else 0
        best = max(best, run)
    return best


HANDLERS: dict[str, Handler] = {
    "done": done,
    "undone": undone,
    "drop": drop,
    "estimate": estimate,
    "rename": rename,
    "priority": priority,
    "assign": assign,
    "unassign": unassign,
    "depends": depends,
    "nodepends": nodepends,
    "status": status,
    "help": help_,
}

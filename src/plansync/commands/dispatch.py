"""Which handler a command goes to: on an issue a task is linked to, every verb; on one no task
is linked to, `help` and `track` only."""

from __future__ import annotations

from collections.abc import Sequence

from plansync.commands.outcome import Outcome, Verdict
from plansync.commands.parse import Command
from plansync.commands.structure import PlanView, add, move, track
from plansync.commands.text import code
from plansync.commands.verbs import HANDLERS, Handler, TaskContext, help_

TASK_HANDLERS: dict[str, Handler] = {**HANDLERS, "milestone": move, "move": move, "add": add}


def _refused(command: Command, message: str) -> Outcome:
    return Outcome(command, Verdict.REFUSED, message)


def _unknown(command: Command) -> Outcome:
    shown = f"{code(command.verb)} is not a command" if command.verb else "A verb is missing"
    return _refused(command, f"{shown}. Type `/plan help` for the commands.")


def handle(command: Command, ctx: TaskContext) -> Outcome:
    """The outcome of one command on the issue's task."""
    handler = TASK_HANDLERS.get(command.verb)
    if handler is None:
        if command.verb == "track":
            return Outcome(command, Verdict.APPLIED, "This issue is already a task of the plan.")
        return _unknown(command)
    return handler(command, ctx)


def handle_unmanaged(
    command: Command, plans: Sequence[PlanView], issue_number: int, issue_title: str | None
) -> Outcome:
    """The outcome of one command on an issue no task is linked to (`issue_title` None: the
    issue could not be read)."""
    if command.verb == "help":
        return help_(command)
    if command.verb == "track":
        if issue_title is None:
            return _refused(command, "The issue could not be read; try again later.")
        return track(command, plans, issue_number, issue_title)
    if command.verb in TASK_HANDLERS:
        return _refused(
            command,
            "This issue is not a task of the plan, so only `/plan help` and `/plan track "
            '["Section"]` work here.',
        )
    return _unknown(command)

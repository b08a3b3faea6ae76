"""What a command comes to: the change it asks of the planfile (if any) and the words of the
answer. Frozen data, made by the handlers (verbs.py), carried out by the sync step."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from plansync.commands.parse import Command


class ChangeKind(StrEnum):
    TICK = "tick"
    UNTICK = "untick"
    STRIKE = "strike"
    RETITLE = "retitle"
    ESTIMATE = "estimate"
    PRIORITY = "priority"
    ASSIGNEES = "assignees"  # value: a plan name; old: "+" to add it, "-" to remove it
    DEPENDS = "depends"  # value: a task ID; old: "+" or "-"
    MOVE = "move"  # value: the title of the section whose task list the task joins
    ADD = "add"  # value: the new task's line; old: the title of its section


@dataclass(frozen=True)
class PlanChange:
    """One edit of one task, inside its own lines: `old` is what stands there now (a title, an
    estimate's text, "" for none), `value` what it becomes."""

    planfile: str
    key: str
    kind: ChangeKind
    value: str
    old: str = ""


class Verdict(StrEnum):
    APPLIED = "applied"  # the plan changes (or already read so)
    ANSWERED = "answered"  # a question answered (status, help): nothing to change
    REFUSED = "refused"  # not run: the reply says why and what to type instead


@dataclass(frozen=True)
class Outcome:
    command: Command
    verdict: Verdict
    message: str  # markdown, already safe to post
    change: PlanChange | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is not Verdict.REFUSED

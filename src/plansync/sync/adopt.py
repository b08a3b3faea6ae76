"""Issues that exist without plansync's marker, adopted by a task instead of a create: an issue
whose title carries the task's ID (`[T12] ...`, `T12: ...`, `T12 ...`), and with
`adopt = "title"` an open issue whose title is the task's own.

Only an open issue is adopted, and only when it is the one candidate: two candidates, or a
closed one, adopt nothing; the run says so and creates nothing for the task, so that a person
decides (a `(#N)` reference on the task's line links the issue meant).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from plansync.model.plan import Task
from plansync.model.remote import IssueState, RemoteIssue

# The ID a title starts with: `[T12] Fix it`, `T12: Fix it`, `T12 - Fix it`, `T12 Fix it`.
_BRACKETED = re.compile(r"\s*\[([^\]\s]+)\]")
_LEADING = re.compile(r"\s*([^\s:\[\]]+?)(?::|\s|$)")


def title_id(title: str) -> str | None:
    """The token an issue title starts with, as an ID would stand there; None for none."""
    found = _BRACKETED.match(title) or _LEADING.match(title)
    return found.group(1) if found is not None else None


def _plain(title: str) -> str:
    return " ".join(title.split()).casefold()


@dataclass(frozen=True)
class Candidates:
    """What a task could adopt: `number` when exactly one open issue fits; else `reason`, a
    sentence for the run's report (None: nothing fits, so the task gets a new issue)."""

    number: int | None = None
    why: str = ""
    reason: str | None = None


class Adoption:
    """The unclaimed issues, indexed once by the ID their titles start with and by title."""

    def __init__(
        self,
        issues: Mapping[int, RemoteIssue],
        claimed: AbstractSet[int],
        referenced: AbstractSet[int],
        by_title: bool,
    ) -> None:
        """`claimed`: the issues tasks hold (linked, marked); the caller adds to it as the run
        links more, adoptions included. `referenced`: issues the plans' lines name: never
        adopted."""
        self._issues = issues
        self._claimed = claimed
        self._by_id: dict[str, list[int]] = {}
        self._by_title: dict[str, list[int]] = {}
        for number in sorted(issues):
            if number in claimed or number in referenced:
                continue
            issue = issues[number]
            found = title_id(issue.title)
            if found is not None:
                self._by_id.setdefault(found, []).append(number)
            if by_title and issue.state is IssueState.OPEN:
                self._by_title.setdefault(_plain(issue.title), []).append(number)

    def for_task(self, task: Task) -> Candidates:
        """The issue the task adopts, or why it adopts none (see `Candidates`)."""
        if task.id:
            numbers = self._free(self._by_id.get(task.id, []))
            if numbers:
                return self._one(numbers, f"its title carries the task's ID {task.id}", task)
        numbers = self._free(self._by_title.get(_plain(task.title), []))
        if numbers:
            return self._one(numbers, "its title is the task's", task)
        return Candidates()

    def _free(self, numbers: list[int]) -> list[int]:
        return [n for n in numbers if n not in self._claimed]

    def _one(self, numbers: list[int], why: str, task: Task) -> Candidates:
        listed = ", ".join(f"#{n}" for n in numbers)
        if len(numbers) > 1:
            return Candidates(
                reason=f"not linked: issues {listed} could each be this task's ({why}); "
                "plansync adopts none of them and creates none. Reference the right one on "
                "the task's line, e.g. `(#N)`."
            )
        (number,) = numbers
        if self._issues[number].state is not IssueState.OPEN:
            return Candidates(
                reason=f"not linked: the closed issue #{number} could be this task's ({why}); "
                "plansync adopts only open issues and creates none here. Reference it on the "
                f"task's line, `(#{number})`, to link it, or retitle it to free the task."
            )
        return Candidates(number=number, why=f"adopted: {why}")

"""What one run did: its changesets, the result of each action, the planfiles' diffs, and the
counts the report and the state store's run log show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from plansync.model.changeset import (
    Action,
    ActionResult,
    Changeset,
    CloseIssue,
    CreateIssue,
    CreateTrackingIssue,
    DescribeMilestone,
    EditPlan,
    PlanEditKind,
    ReopenIssue,
    Status,
    UpdateIssue,
    UpdateTrackingIssue,
    WriteSummary,
    is_tracker_action,
)
from plansync.model.sync import Conflict, Notice

_SUMMARY_KEYS = ("created", "updated", "closed", "reopened", "ticked", "conflicts", "failed")
# Shown only when not zero.
_EXTRA_KEYS = ("unticked", "retitled", "linked", "summaries", "skipped")


@dataclass
class RunResult:
    project: str
    dry_run: bool
    changesets: list[Changeset] = field(default_factory=list)
    results: list[ActionResult] = field(default_factory=list)
    diffs: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # planfile -> before, after
    requests: int = 0
    stopped: bool = False
    commands: list[tuple[str, str]] = field(default_factory=list)  # (verb, verdict) of each
    # What halted the run's tracker writes when a rate limit or the pacing's spent write
    # budget did, and when writes may go again (aware, UTC; None when the tracker said not).
    rate_limit: str | None = None
    retry_at: datetime | None = None
    # What the pacing said the tracker writes would take when they began (None: not paced).
    eta_seconds: float | None = None

    @property
    def failed_otherwise(self) -> list[ActionResult]:
        """The failures other than the rate limit that halted the run's writes."""
        return [r for r in self.failed if r.detail != self.rate_limit]

    @property
    def writes_done(self) -> int:
        """Tracker actions applied."""
        return sum(
            1 for r in self.results if r.status is Status.APPLIED and is_tracker_action(r.action)
        )

    @property
    def writes_planned(self) -> int:
        """Tracker actions the run set out to make: those applied, and each one that was not
        (a second pass meets a skipped one again: it counts once)."""
        left = {
            _identity(r.action)
            for r in self.results
            if r.status is not Status.APPLIED and is_tracker_action(r.action)
        }
        return self.writes_done + len(left)

    @property
    def actions(self) -> list[Action]:
        return [a for c in self.changesets for a in c.actions]

    @property
    def conflicts(self) -> list[Conflict]:
        """The run's conflicts, each once (a second pass finds the ones left again)."""
        return list(dict.fromkeys(c for cs in self.changesets for c in cs.conflicts))

    @property
    def notices(self) -> list[Notice]:
        return list(dict.fromkeys(n for cs in self.changesets for n in cs.notices))

    @property
    def failed(self) -> list[ActionResult]:
        return [r for r in self.results if r.status is Status.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary_line(self) -> str:
        """The run on one line: `web: done: 3 created, ...; 12 requests`."""
        counts = self.counts()
        parts = [f"{counts[key]} {key}" for key in _SUMMARY_KEYS]
        parts += [f"{counts[key]} {key}" for key in _EXTRA_KEYS if counts[key]]
        verb = "dry run, would do:" if self.dry_run else "done:"
        stopped = " (stopped early)" if self.stopped else ""
        return f"{self.project}: {verb} {', '.join(parts)}; {self.requests} requests{stopped}"

    def counts(self) -> dict[str, int]:
        """created / updated / closed / reopened / ticked / unticked / retitled / linked,
        summaries (blocks, milestone lines, tracking issues written), conflicts, failed,
        skipped: of applied actions (of planned ones in a dry run)."""
        actions = (
            self.actions
            if self.dry_run
            else [r.action for r in self.results if r.status is Status.APPLIED]
        )
        counts = dict.fromkeys(
            (
                "created",
                "updated",
                "closed",
                "reopened",
                "ticked",
                "unticked",
                "retitled",
                "linked",
                "summaries",
            ),
            0,
        )
        for action in actions:
            name = _count_name(action)
            if name is not None:
                counts[name] += 1
        counts["conflicts"] = len(self.conflicts)
        counts["failed"] = len(self.failed)
        counts["skipped"] = sum(1 for r in self.results if r.status is Status.SKIPPED)
        return counts


def _identity(action: Action) -> tuple[object, ...]:
    """What an action is about, the same in both passes of a run."""
    return (
        type(action).__name__,
        str(getattr(action, "task", "")),
        getattr(action, "number", None),
        getattr(action, "title", None),
        getattr(action, "planfile", None),
    )


def _count_name(action: Action) -> str | None:
    if isinstance(
        action, WriteSummary | DescribeMilestone | CreateTrackingIssue | UpdateTrackingIssue
    ):
        return "summaries"
    if isinstance(action, CreateIssue):
        return "created"
    if isinstance(action, UpdateIssue):
        return "updated"
    if isinstance(action, CloseIssue):
        return "closed"
    if isinstance(action, ReopenIssue):
        return "reopened"
    if isinstance(action, EditPlan):
        return {
            PlanEditKind.TICK: "ticked",
            PlanEditKind.UNTICK: "unticked",
            PlanEditKind.RETITLE: "retitled",
            PlanEditKind.LINK: "linked",
        }.get(action.kind)
    return None

"""The figures of a project's planfiles, from what the state store and the snapshot hold: what a
run's summaries, `plansync status`, health and metrics all show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from plansync.config.project import ProjectConfig
from plansync.model.sync import Findings, Link, RemoteSnapshot, TaskRef
from plansync.summary import figures
from plansync.summary.changes import SummaryTarget, tracking_issues
from plansync.sync.plans import PlanRead


def plan_figures(
    plans: Sequence[PlanRead],
    project: ProjectConfig,
    links: Mapping[TaskRef, Link],
    remote: RemoteSnapshot,
    findings: Findings,
    today: date,
) -> list[SummaryTarget]:
    """Each planfile's summary figures, from what the state store and the snapshot hold."""
    tracking = {n for numbers in tracking_issues(remote).values() for n in numbers}
    known = figures.Known(links, remote, findings, today, tracking)
    return [
        SummaryTarget(plan.planfile, plan.raw, figures.compute(plan.input, project, known))
        for plan in plans
    ]

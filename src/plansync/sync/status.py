"""The figures of a project's planfiles, from what the state store and the snapshot hold: what a
run's summaries, `plansync status`, health and metrics all show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.gcpause import without_gc
from plansync.model.sync import Findings, Link, RemoteSnapshot, TaskRef
from plansync.state.base import RunRecord
from plansync.state.open import open_state, state_exists
from plansync.summary import figures
from plansync.summary.changes import SummaryTarget, tracking_issues
from plansync.summary.data import PlanFigures
from plansync.sync.links import without_retired
from plansync.sync.plans import LocalPlans, PlanRead
from plansync.sync.repository_plans import working_copy_plans


@without_gc
def plan_figures(
    plans: Sequence[PlanRead],
    project: ProjectConfig,
    links: Mapping[TaskRef, Link],
    remote: RemoteSnapshot,
    findings: Findings,
    today: date,
) -> list[SummaryTarget]:
    """Each planfile's summary figures, from what the state store and the snapshot hold. A
    retired task (see `links.retired_tasks`) is no task of the plan's any more."""
    tracking = {n for numbers in tracking_issues(remote).values() for n in numbers}
    known = figures.Known(links, remote, findings, today, tracking)
    return [
        SummaryTarget(
            plan.planfile,
            plan.raw,
            figures.compute(without_retired(plan.input, links), project, known),
            plan.rules,
        )
        for plan in plans
    ]


@dataclass(frozen=True)
class ProjectStatus:
    project: str
    plans: list[PlanFigures]
    last_run: RunRecord | None  # None: never synced (or no state store yet)


def project_status(config: LoadedConfig, project: ProjectConfig, today: date) -> ProjectStatus:
    """The figures as the last sync left them, without a call to the tracker. Reads the state
    store without creating it."""
    plans = (
        working_copy_plans(config, project)
        if project.plans_source.kind == "repository"
        else LocalPlans(config, project).read()
    )
    if not state_exists(config.state_url):
        targets = plan_figures(plans, project, {}, RemoteSnapshot({}, []), Findings(), today)
        return ProjectStatus(project.name, [t.figures for t in targets], None)
    with open_state(config.state_url) as database:
        store = database.store(project.name, project.scope)
        remote = RemoteSnapshot(store.cached_issues(), store.cached_milestones() or [])
        targets = plan_figures(plans, project, store.links(), remote, store.findings(), today)
        runs = [r for r in store.runs(limit=100) if not r.dry_run]
    return ProjectStatus(project.name, [t.figures for t in targets], runs[0] if runs else None)

"""The figures of one planfile's summary, from what a run (or `plansync status`) knows: the
planfile as read, the links, the tracker as last observed and the last run's findings. Pure."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

from plansync.config.project import ProjectConfig
from plansync.model.plan import Task
from plansync.model.remote import CloseReason, IssueState, RemoteIssue
from plansync.model.sync import (
    Findings,
    Link,
    PlanInput,
    RemoteSnapshot,
    TaskRef,
    TaskState,
    can_show_state,
    due_date_text,
    milestone_title,
    plan_state,
    remote_state,
)
from plansync.summary.data import (
    Coverage,
    Drift,
    DriftKind,
    Effort,
    MilestoneRow,
    PlanFigures,
    Progress,
    TaskLine,
    Unlinked,
    UntrackedIssue,
)

# The row of tasks outside every milestone section, when the plan has milestones too.
NO_MILESTONE = "(no milestone)"


@dataclass(frozen=True)
class Known:
    """What the figures are computed from besides the planfile."""

    links: Mapping[TaskRef, Link]
    remote: RemoteSnapshot
    findings: Findings
    today: date
    # Issues that are not untracked work: every linked issue of the project, tracking issues.
    claimed: Collection[int] = ()


def compute(plan: PlanInput, project: ProjectConfig, known: Known) -> PlanFigures:
    document = plan.document
    failures = {f.task: f.why for f in known.findings.failures}
    lines: list[TaskLine] = []
    estimates: dict[str, Effort | None] = {}
    for task in plan.synced_tasks():
        ref = TaskRef(plan.planfile, task.key)
        lines.append(_task_line(plan, task, project, known, failures.get(ref)))
        estimates[task.key] = _effort(task)
    synced = {t.key for t in lines}
    excluded = [
        TaskLine(t.key, t.title, TaskState.OPEN, t.line, t.id, unlinked=Unlinked.EXCLUDED)
        for t in document.tasks
        if t.key not in synced
    ]
    missing = tuple(t for t in lines if t.unlinked is not None) + tuple(excluded)
    states = {s: sum(1 for t in lines if t.state is s) for s in TaskState}
    return PlanFigures(
        planfile=plan.planfile,
        title=document.title or document.path.stem,
        overall=_progress(lines, estimates),
        milestones=_milestones(plan, project, known, lines, estimates),
        coverage=Coverage(
            linked=sum(1 for t in lines if t.unlinked is None),
            total=len(lines) + len(excluded),
            missing=missing,
        ),
        tasks=tuple(lines),
        untracked=_untracked(lines, known),
        drift=_drift(plan, lines, known),
        states={s: n for s, n in states.items() if n},
        ascii_only=document.encoding.mojibake is not None,
    )


def _task_line(
    plan: PlanInput, task: Task, project: ProjectConfig, known: Known, failure: str | None
) -> TaskLine:
    ref = TaskRef(plan.planfile, task.key)
    link = known.links.get(ref)
    issue = known.remote.issues.get(link.number) if link is not None else None
    milestone = plan.milestone_of(task, project.milestone_template)
    line = TaskLine(
        task.key,
        task.title,
        _state(plan, task, issue),
        task.line,
        task.id,
        milestone=milestone,
    )
    if link is not None and issue is not None:
        return replace(line, number=link.number, url=issue.url or link.url)
    if link is not None:
        return replace(line, unlinked=Unlinked.GONE, detail=f"#{link.number}")
    if failure is not None:
        return replace(line, unlinked=Unlinked.FAILED, detail=failure)
    if project.direction == "pull":
        return replace(line, unlinked=Unlinked.PULL)
    return replace(line, unlinked=Unlinked.PENDING)


def _state(plan: PlanInput, task: Task, issue: RemoteIssue | None) -> TaskState:
    """The plan's word where it can show a state (after a sync it agrees with the tracker);
    else the issue's; a task with neither is open."""
    struck = plan.struck(task)
    if struck or can_show_state(task) or issue is None:
        return plan_state(task, struck)
    return remote_state(issue)


def _effort(task: Task) -> Effort | None:
    estimate = task.estimate
    if estimate is None or estimate.minutes <= 0:
        return None  # an estimate of 0 counts as none, as in sync
    low = estimate.min_minutes if estimate.min_minutes is not None else estimate.minutes
    return Effort(low, estimate.minutes)


def _progress(lines: Iterable[TaskLine], estimates: Mapping[str, Effort | None]) -> Progress:
    done = total = dropped = 0
    effort_done: Effort | None = None
    effort_total: Effort | None = None
    for line in lines:
        if line.state is TaskState.DROPPED:
            dropped += 1
            continue
        total += 1
        effort = estimates.get(line.key)
        if line.state is TaskState.DONE:
            done += 1
        if effort is None:
            continue
        effort_total = effort if effort_total is None else effort_total + effort
        if line.state is TaskState.DONE:
            effort_done = effort if effort_done is None else effort_done + effort
    if effort_total is not None and effort_done is None:
        effort_done = Effort(0, 0)
    return Progress(done, total, dropped, effort_done, effort_total)


def _milestones(
    plan: PlanInput,
    project: ProjectConfig,
    known: Known,
    lines: list[TaskLine],
    estimates: Mapping[str, Effort | None],
) -> tuple[MilestoneRow, ...]:
    titles: list[str] = []
    due: dict[str, date] = {}
    plan_title = plan.document.title or plan.document.path.stem
    for section in plan.document.milestones:
        title = milestone_title(section.title, plan_title, project.milestone_template)
        if title is None:
            continue
        if title not in titles:
            titles.append(title)
        text = due_date_text(section.title)
        if text is not None and title not in due:
            due[title] = date.fromisoformat(text)
    if not titles:
        return ()
    on_tracker = {m.title: m for m in known.remote.milestones}
    rows: list[MilestoneRow] = []
    for title in titles:
        tasks = [t for t in lines if t.milestone == title]
        if not tasks:
            continue
        progress = _progress(tasks, estimates)
        remote = on_tracker.get(title)
        due_on = due.get(title) or (remote.due_on if remote is not None else None)
        overdue = due_on is not None and due_on < known.today and progress.done < progress.total
        rows.append(MilestoneRow(title, progress, due_on, overdue, remote.url if remote else None))
    outside = [t for t in lines if t.milestone is None]
    if outside:
        rows.append(MilestoneRow(NO_MILESTONE, _progress(outside, estimates)))
    return tuple(rows)


def _untracked(lines: list[TaskLine], known: Known) -> tuple[UntrackedIssue, ...]:
    titles = {t.milestone for t in lines if t.milestone is not None}
    claimed = set(known.claimed) | {link.number for link in known.links.values()}
    return tuple(
        UntrackedIssue(
            issue.number,
            issue.title,
            issue.url,
            issue.state is IssueState.OPEN,
            issue.milestone_title or "",
        )
        for number, issue in sorted(known.remote.issues.items())
        if issue.milestone_title in titles and number not in claimed
    )


def _drift(plan: PlanInput, lines: list[TaskLine], known: Known) -> tuple[Drift, ...]:
    by_key = {t.key: t for t in lines}
    drift: list[Drift] = []
    for conflict in known.findings.conflicts:
        if conflict.task.planfile != plan.planfile:
            continue
        line = by_key.get(conflict.task.key) or TaskLine(
            conflict.task.key, conflict.task.key, TaskState.OPEN, 0
        )
        drift.append(
            Drift(
                DriftKind.CONFLICT,
                line,
                conflict.field,
                conflict.plan_value,
                conflict.tracker_value,
                conflict.resolution,
            )
        )
    for line in lines:
        issue = known.remote.issues.get(line.number) if line.number is not None else None
        if (
            issue is not None
            and issue.state is IssueState.CLOSED
            and issue.state_reason is CloseReason.NOT_PLANNED
        ):
            drift.append(Drift(DriftKind.NOT_PLANNED, line))
        elif line.unlinked is Unlinked.GONE:
            drift.append(Drift(DriftKind.GONE, line))
    return tuple(drift)

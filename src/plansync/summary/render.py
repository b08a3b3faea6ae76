"""The summary figures written out as markdown: the planfile's summary block, the progress line
of a tracker milestone and the body of a planfile's tracking issue. Pure functions, no I/O.

Everything shown comes from the figures, in the order of their tuples, so the same figures
always give the same text. The block holds no heading and no line starting with a task
checkbox, and every piece of tracker or plan text in it goes through `escape_text`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from plansync.model.sync import TaskState
from plansync.summary.data import (
    Drift,
    DriftKind,
    MilestoneRow,
    PlanFigures,
    Progress,
    TaskLine,
    Unlinked,
    UntrackedIssue,
)
from plansync.summary.text import bar, code_span, effort_text, escape_text, link_target

BLOCK_MARKERS = ("<!-- plansync:summary -->", "<!-- /plansync:summary -->")

# Longer lists of one kind show their first entries and a count of the others.
LIST_CAP = 10
# GitHub refuses issue bodies over 65,536 characters; the rest leaves room for plansync's
# marker and for a person's text around the body.
TRACKING_BODY_LIMIT = 60_000

_TITLE_LIMIT = 100
_DETAIL_LIMIT = 80
_VALUE_LIMIT = 60

# The header cells of the milestone table: a table with these is plansync's own.
MILESTONE_TABLE_HEADER = ("Milestone", "Done", "Progress", "%", "Estimate done / left", "Due")
_TABLE_HEADER = (
    "| " + " | ".join(MILESTONE_TABLE_HEADER) + " |",
    "|---|---:|---|---:|---|---|",
)
_PIE_SLICES = ((TaskState.DONE, "Done"), (TaskState.OPEN, "Open"), (TaskState.DROPPED, "Dropped"))
# Reasons listed task by task in the coverage part, in this order; criteria are only counted.
_LISTED_REASONS = (Unlinked.FAILED, Unlinked.GONE, Unlinked.PENDING, Unlinked.PULL)


# ----------------------------------------------------------------------------------------------
# Progress lines


def progress_text(progress: Progress, *, ascii_only: bool) -> str:
    """One line: `12 / 30 tasks done (40%) · 18 h of 45-75 h done · 1 dropped`; the effort
    part only when the tasks have estimates, the dropped part only when some are."""
    noun = "task" if progress.total == 1 else "tasks"
    parts = [f"{progress.done} / {progress.total} {noun} done ({progress.percent}%)"]
    if progress.effort_total is not None:
        done = effort_text(progress.effort_done) if progress.effort_done else "0 h"
        parts.append(f"{done} of {effort_text(progress.effort_total)} done")
    if progress.dropped > 0:
        parts.append(f"{progress.dropped} dropped")
    return (" - " if ascii_only else " · ").join(parts)


def milestone_line(progress: Progress) -> str:
    """The progress line plansync keeps in a tracker milestone's description."""
    return "**Progress:** " + progress_text(progress, ascii_only=False)


# ----------------------------------------------------------------------------------------------
# The summary block


def render_summary_block(figures: PlanFigures, *, mermaid: bool = False) -> str:
    """The text between plansync's summary markers, without them.

    Shape: `"\\n" + lines + "\\n\\n"`, with `\\n` line endings. Written after the begin
    marker's line, it gives one blank line after that marker and one before the end marker,
    so the markers never touch the summary's paragraphs or table. Pure ASCII when
    `figures.ascii_only`. A `mermaid` pie of the task states is added when asked for.
    """
    return "\n" + "\n".join(_summary_lines(figures, mermaid=mermaid)) + "\n\n"


def _summary_lines(figures: PlanFigures, *, mermaid: bool) -> list[str]:
    if shows_nothing(figures):
        return ["No tasks found in this plan."]
    ascii_only = figures.ascii_only
    parts = [
        ["**Progress:** " + progress_text(figures.overall, ascii_only=ascii_only)],
        _milestone_table(figures.milestones, ascii_only),
        _pie(figures.states) if mermaid else [],
        _coverage(figures, ascii_only),
        _untracked(figures.untracked, ascii_only),
        _drift(figures.drift, ascii_only),
    ]
    lines: list[str] = []
    for part in parts:
        if part:
            lines.extend([""] if lines else [])
            lines.extend(part)
    return lines


def shows_nothing(figures: PlanFigures) -> bool:
    """Whether the plan has nothing to show: no task, no milestone, no issue, nothing to do
    (its block would say `No tasks found in this plan.`)."""
    overall, coverage = figures.overall, figures.coverage
    return not (
        overall.total
        or overall.dropped
        or coverage.total
        or coverage.missing
        or figures.milestones
        or figures.tasks
        or figures.untracked
        or figures.drift
    )


def _milestone_table(rows: tuple[MilestoneRow, ...], ascii_only: bool) -> list[str]:
    if not rows:
        return []
    return [*_TABLE_HEADER, *(_milestone_row(row, ascii_only) for row in rows)]


def _milestone_row(row: MilestoneRow, ascii_only: bool) -> str:
    progress = row.progress
    title = _linked(escape_text(row.title, ascii_only=ascii_only, limit=_DETAIL_LIMIT), row.url)
    if progress.effort_total is None:
        estimate = "-"
    else:
        done = effort_text(progress.effort_done) if progress.effort_done else "0 h"
        left = progress.effort_left
        estimate = f"{done} / {effort_text(left) if left else '0 h'}"
    due = row.due_on.isoformat() if row.due_on else ""
    if row.overdue:
        due = f"{due} **overdue**".strip()
    cells = (
        title,
        f"{progress.done} / {progress.total}",
        f"`{bar(progress.percent, ascii_only=ascii_only)}`",
        f"{progress.percent}%",
        estimate,
        due or "-",
    )
    return "| " + " | ".join(cells) + " |"


def _pie(states: dict[TaskState, int]) -> list[str]:
    slices = [(label, states.get(state, 0)) for state, label in _PIE_SLICES]
    shown = [f'    "{label}" : {count}' for label, count in slices if count > 0]
    if not shown:
        return []
    return ["```mermaid", "pie title Task states", *shown, "```"]


def _coverage(figures: PlanFigures, ascii_only: bool) -> list[str]:
    coverage = figures.coverage
    noun = "task" if coverage.total == 1 else "tasks"
    head = f"**Coverage:** {coverage.linked} / {coverage.total} {noun} linked to an issue."
    items: list[str] = []
    for reason in _LISTED_REASONS:
        tasks = [t for t in coverage.missing if _reason_of(t) is reason]
        items.extend(_capped((_missing_line(t, ascii_only) for t in tasks), len(tasks)))
    criteria = sum(1 for t in coverage.missing if t.unlinked is Unlinked.EXCLUDED)
    if criteria:
        listed = "1 criterion is" if criteria == 1 else f"{criteria} criteria are"
        items.append(f"- {listed} listed but not synced (set `sync_criteria` to sync them)")
    return [head, "", *items] if items else [head]


def _reason_of(task: TaskLine) -> Unlinked:
    # A missing task whose reason was not recorded has simply not been synced yet.
    return task.unlinked or Unlinked.PENDING


def _missing_line(task: TaskLine, ascii_only: bool) -> str:
    label = _task_label(task, ascii_only)
    reason = _reason_of(task)
    if reason is Unlinked.FAILED:
        error = escape_text(task.detail, ascii_only=ascii_only, limit=_DETAIL_LIMIT)
        return f"- not linked, sync failed: {label}" + (f" ({error})" if error else "")
    return f"- not linked, {_why_unlinked(task, ascii_only)}: {label}"


def _why_unlinked(task: TaskLine, ascii_only: bool) -> str:
    reason = _reason_of(task)
    if reason is Unlinked.FAILED:
        error = escape_text(task.detail, ascii_only=ascii_only, limit=_DETAIL_LIMIT)
        return f"sync failed: {error}" if error else "sync failed"
    if reason is Unlinked.GONE:
        return _gone(task.detail, ascii_only)
    if reason is Unlinked.PULL:
        return "the direction is pull"
    if reason is Unlinked.EXCLUDED:
        return "criteria are not synced"
    return "not synced yet"


def _gone(number: str, ascii_only: bool) -> str:
    digits = number.strip().removeprefix("#")
    if not digits:
        return "its issue was deleted or moved"
    return f"its issue #{escape_text(digits, ascii_only=ascii_only, limit=20)} was deleted or moved"


def _untracked(issues: tuple[UntrackedIssue, ...], ascii_only: bool) -> list[str]:
    if not issues:
        return []
    head = f"**Untracked issues** in these milestones ({len(issues)}):"
    lines = (_untracked_line(issue, ascii_only) for issue in issues)
    return [head, "", *_capped(lines, len(issues))]


def _untracked_line(issue: UntrackedIssue, ascii_only: bool) -> str:
    title = escape_text(issue.title, ascii_only=ascii_only)
    where = escape_text(issue.milestone, ascii_only=ascii_only, limit=_DETAIL_LIMIT)
    state = "" if issue.open else ", closed"
    return f"- {_linked(f'#{issue.number}', issue.url)} {title} ({where}{state})"


def _drift(drift: tuple[Drift, ...], ascii_only: bool) -> list[str]:
    if not drift:
        return []
    lines = (_drift_line(d, ascii_only) for d in drift)
    return ["**Needs a person:**", "", *_capped(lines, len(drift))]


def _drift_line(drift: Drift, ascii_only: bool) -> str:
    task = drift.task
    label = _task_label(task, ascii_only)
    if drift.kind is DriftKind.CONFLICT:
        field = escape_text(drift.field, ascii_only=ascii_only, limit=_VALUE_LIMIT)
        plan = escape_text(drift.plan_value, ascii_only=ascii_only, limit=_VALUE_LIMIT)
        tracker = escape_text(drift.tracker_value, ascii_only=ascii_only, limit=_VALUE_LIMIT)
        line = f'- conflict on {field} of {label}: plan "{plan}", tracker "{tracker}"'
        resolution = escape_text(drift.resolution, ascii_only=ascii_only)
        return f"{line}; {resolution}" if resolution else line
    if drift.kind is DriftKind.NOT_PLANNED:
        if task.number is None:
            return f"- the issue of {label} was closed as not planned"
        return f"- {_linked(f'#{task.number}', task.url)} {label} was closed as not planned"
    # The line starts with what happened, not with the task's ID, like the coverage lines.
    number = str(task.number) if task.number is not None else task.detail
    return f"- {_gone(number, ascii_only)}: {label}"


# ----------------------------------------------------------------------------------------------
# The tracking issue


def tracking_body(figures: PlanFigures, *, mermaid: bool = False) -> str:
    """The tracking issue's body, without plansync's marker: the summary (in UTF-8, as
    trackers store it), then every task in plan order as a task list. The task list is cut,
    saying so, where the body would pass `TRACKING_BODY_LIMIT` characters."""
    unlimited = replace(figures, ascii_only=False)
    lines = _summary_lines(unlimited, mermaid=mermaid)
    if figures.tasks:
        lines.extend(["", "**Tasks:**", ""])
        size = sum(len(line) + 1 for line in lines)
        for index, task in enumerate(figures.tasks):
            line = _task_item(task)
            left = len(figures.tasks) - index
            cut = f"- ... and {left} more tasks, left out to keep this issue within its size limit"
            if size + len(line) + 1 + len(cut) + 1 > TRACKING_BODY_LIMIT:
                lines.append(cut)
                break
            lines.append(line)
            size += len(line) + 1
    return "\n".join(lines) + "\n"


def _task_item(task: TaskLine) -> str:
    box = "x" if task.state is TaskState.DONE else " "
    title = escape_text(task.title or task.key, ascii_only=False)
    task_id = f"[{escape_text(task.id, ascii_only=False, limit=60)}] " if task.id else ""
    if task.number is not None:
        text = f"#{task.number} {task_id}{title}"
        why = ""
    else:
        text = f"{task_id}{title}"
        why = f" (no issue: {_why_unlinked(task, ascii_only=False)})"
    if task.state is TaskState.DROPPED:
        text = f"~~{text}~~"
    return f"- [{box}] {text}{why}"


# ----------------------------------------------------------------------------------------------
# Pieces


def _task_label(task: TaskLine, ascii_only: bool) -> str:
    """`` `ID` title `` when the task has an ID, else its title (its key when untitled)."""
    title = escape_text(task.title or task.key, ascii_only=ascii_only, limit=_TITLE_LIMIT)
    if task.id:
        return f"{code_span(task.id, ascii_only=ascii_only)} {title}"
    return title


def _linked(text: str, url: str | None) -> str:
    target = link_target(url) if url else None
    return f"[{text}]({target})" if target else text


def _capped(lines: Iterable[str], count: int) -> list[str]:
    shown = [line for _, line in zip(range(LIST_CAP), lines, strict=False)]
    if count > LIST_CAP:
        shown.append(f"- ... and {count - LIST_CAP} more")
    return shown

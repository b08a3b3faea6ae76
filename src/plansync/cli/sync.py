"""`plansync sync`: one run of each project, shown as a table of actions with their reasons,
the diff each planfile gets, notices and conflicts, a one-line summary; or all of it as one
JSON object. A progress bar on stderr while a run makes many tracker writes, with the time
the write pacing needs for the rest."""

from __future__ import annotations

import difflib
import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from plansync.cli.common import CONFIG_HELP, err, fail, out
from plansync.cli.stopping import stop_on_signals
from plansync.config.load import load_config
from plansync.config.project import ProjectConfig
from plansync.errors import PlansyncError, RateLimitedError
from plansync.model.changeset import (
    Action,
    ActionResult,
    Changeset,
    CloseIssue,
    CreateIssue,
    CreateMilestone,
    CreateTrackingIssue,
    DescribeMilestone,
    EditPlan,
    EnsureLabels,
    LinkIssue,
    PlanEditKind,
    ReopenIssue,
    Status,
    UpdateIssue,
    UpdateMilestone,
    UpdateTrackingIssue,
    WriteSummary,
)
from plansync.sync.pacing import writes_eta
from plansync.sync.result import RunResult
from plansync.trackers.retry import duration_text

# Above this many tracker writes a progress bar shows how far the run is.
_PROGRESS_FROM = 5
# A wait for the pacing at least this long shows on the progress bar.
_SHOWN_WAIT = 5.0

# Exit codes. A run stopped at a rate limit did nothing wrong: it says when to run again.
EXIT_RATE_LIMITED = 3
EXIT_STOPPED = 130  # Ctrl-C / SIGTERM, as shells report a SIGINT
# Which code wins when projects end differently: a stop, then bad input, then failures.
_RANK = {0: 0, EXIT_RATE_LIMITED: 1, 1: 2, 2: 3, EXIT_STOPPED: 4}


def sync(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Sync only this project.")
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the actions and the diff of each plan file; write nothing (not to the "
            "tracker, the files or the state store).",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait",
            help="When the write pacing's budget is spent (GitHub: 500 writes an hour), wait "
            "for it however long that takes instead of stopping at the tracker's max_wait. "
            "Ctrl-C still stops the run within a second.",
        ),
    ] = False,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Sync plan files and tracker issues both ways, once.

    Each run first carries out the `/plan` commands of new issue comments on the plan files
    (and answers each comment once), so the issues follow them in the same run; with
    --dry-run it shows the pending commands and answers nobody.

    Then bring the summaries up to date: the block in each plan file, the progress line of
    each milestone and, when the project's summary settings ask for one, each plan's
    tracking issue.

    Writes are paced per tracker host (GitHub: 80 a minute, 500 an hour). When the hour's
    budget is spent and the next write would wait longer than the tracker's max_wait, the run
    stops cleanly: what it did is saved, and it says how many of its writes it made and when
    to run again (or pass --wait). Ctrl-C or SIGTERM stops it after the action in progress.

    Exit 0: everything applied. 1: an action failed (each is named with its reason), the
    tracker stayed unreachable, or another run holds the project. 2: configuration,
    authentication, unknown repository or an unreadable plan file. 3: stopped at a rate limit
    or the spent write budget, nothing else wrong: run again after the time it prints.
    130: stopped by Ctrl-C or SIGTERM.
    """
    from plansync.sync.engine import run_once

    try:
        cfg = load_config(config)
        projects = cfg.project(project)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    code = 0
    reports = []
    stop = threading.Event()
    with stop_on_signals(stop, told=_stopping):
        for number, entry in enumerate(projects):
            if stop.is_set():
                left = ", ".join(p.name for p in projects[number:])
                err.print(f"stopped; projects not run: {left}", soft_wrap=True)
                break
            try:
                with ProgressBar(not as_json, _eta_of(entry)) as progress:
                    # The engine opens the state store, and creates it only once the tracker
                    # answered: bad input leaves nothing behind.
                    result = run_once(
                        cfg,
                        entry,
                        dry_run=dry_run,
                        stop=stop,
                        on_changeset=progress.changeset,
                        progress=progress.advance,
                        wait_for_budget=wait,
                        on_wait=progress.waiting,
                    )
            except PlansyncError as exc:
                err.print(f"[bold red]error:[/] {entry.name}: {exc}", soft_wrap=True)
                code = _worse(code, EXIT_STOPPED if stop.is_set() else exc.exit_code)
                report: dict[str, Any] = {"project": entry.name, "error": str(exc)}
                if isinstance(exc, RateLimitedError) and exc.retry_at is not None:
                    report["retry_at"] = _iso(exc.retry_at)
                reports.append(report)
                continue
            code = _worse(code, EXIT_STOPPED if stop.is_set() else exit_code(result))
            if as_json:
                reports.append(result_to_json(result))
            else:
                print_run(out, result, show_diffs=dry_run)
    if as_json:
        print(json.dumps({"projects": reports}, indent=2, ensure_ascii=False))
    raise typer.Exit(code)


def exit_code(result: RunResult) -> int:
    """1 when an action failed, 3 when only a rate limit halted the writes, else 0."""
    if result.failed_otherwise:
        return 1
    return EXIT_RATE_LIMITED if result.rate_limit is not None else 0


def _worse(code: int, other: int) -> int:
    return max(code, other, key=lambda c: _RANK.get(c, 2))


def _stopping(signal_name: str) -> None:
    err.print(
        f"{signal_name}: stopping after the action in progress (again to quit at once)",
        highlight=False,
    )


def _eta_of(project: ProjectConfig) -> Callable[[int], float | None]:
    return lambda writes: writes_eta(project, writes)


def eta_text(seconds: float | None) -> str:
    """The progress bar's estimate: what the pacing needs for the writes left."""
    if seconds is None:
        return ""
    return f"about {duration_text(seconds)} left" if seconds >= 1 else "less than 1 s left"


# Seconds between two updates of the progress bar's ETA.
_ETA_EVERY = 1.0


class ProgressBar:
    """A progress bar on stderr for runs with more than a handful of tracker writes: how many
    are made, how long the pacing needs for the rest (`eta`, given the writes left), and a
    long wait for the pacing's budget while it lasts."""

    def __init__(self, enabled: bool, eta: Callable[[int], float | None]) -> None:
        self.enabled = enabled and err.is_terminal
        self.eta = eta
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[eta]}"),
            console=err,
            transient=True,
        )
        self.task: TaskID | None = None
        self.total = 0
        self.done = 0
        self._eta_shown_at = float("-inf")

    def changeset(self, changeset: Changeset) -> None:
        if not self.enabled:
            return
        total = len(changeset.tracker_actions)
        if total > _PROGRESS_FROM:
            if self.task is None:
                self.bar.start()
            self.total, self.done = total, 0
            self.task = self.bar.add_task("syncing", total=total, eta=eta_text(self.eta(total)))

    def advance(self, action: object) -> None:
        if self.task is not None:
            self.done += 1
            self.bar.update(self.task, advance=1, description="syncing")
            now = time.monotonic()
            if now - self._eta_shown_at < _ETA_EVERY and self.done < self.total:
                return  # the pacing's ETA walks every write left: once a second is enough
            self._eta_shown_at = now
            seconds = self.eta(self.total - self.done)
            if seconds is None:  # not paced: the bar's own estimate from the speed so far
                shown = next(task for task in self.bar.tasks if task.id == self.task)
                seconds = shown.time_remaining
            self.bar.update(self.task, eta=eta_text(seconds))

    def waiting(self, seconds: float, until: datetime) -> None:
        """A write waits for the pacing: a long wait shows until when."""
        if self.task is not None and seconds >= _SHOWN_WAIT:
            local = until.astimezone()
            self.bar.update(
                self.task,
                description=f"waiting for the write budget until {local:%H:%M:%S}",
            )

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.bar.stop()


def describe(action: Action) -> tuple[str, str]:
    """(what, on what) in a few words."""
    if isinstance(action, EnsureLabels):
        return "ensure labels", ", ".join(action.names)
    if isinstance(action, CreateMilestone):
        due = f" (due {action.due_on})" if action.due_on else ""
        return "create milestone", f"{action.title}{due}"
    if isinstance(action, UpdateMilestone):
        return "update milestone", f"{action.title}: due {action.due_on}"
    if isinstance(action, CreateIssue):
        return "create issue", f"{action.tracker_title}  ({action.task.planfile})"
    if isinstance(action, LinkIssue):
        return "link", f"{action.task} -> #{action.number}"
    if isinstance(action, UpdateIssue):
        return f"update #{action.number}", f"{', '.join(action.changed)}  ({action.task.planfile})"
    if isinstance(action, CloseIssue):
        how = "close as not planned" if action.not_planned else "close"
        return f"{how} #{action.number}", str(action.task)
    if isinstance(action, ReopenIssue):
        return f"reopen #{action.number}", str(action.task)
    if isinstance(action, EditPlan):
        return f"plan: {action.kind}", str(action.task)  # the new title is in the reason
    if isinstance(action, WriteSummary):
        return "plan: summary", action.planfile
    if isinstance(action, DescribeMilestone):
        return "milestone progress", action.title
    if isinstance(action, CreateTrackingIssue):
        return "create tracking issue", f"{action.title}  ({action.planfile})"
    if isinstance(action, UpdateTrackingIssue):
        return f"update tracking #{action.number}", action.planfile
    raise TypeError(f"unknown action {action!r}")


def why(action: Action) -> str:
    return action.why


def unified_diff(planfile: str, before: bytes, after: bytes) -> str:
    return "".join(
        difflib.unified_diff(
            before.decode("utf-8", "replace").splitlines(keepends=True),
            after.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"a/{planfile}",
            tofile=f"b/{planfile}",
        )
    )


def print_run(console: Console, result: RunResult, show_diffs: bool) -> None:
    statuses = {id(r.action): r for r in result.results}
    if result.actions:
        table = Table(
            title=f"{result.project}: {'would do' if result.dry_run else 'done'}",
            title_justify="left",
        )
        table.add_column("action")
        table.add_column("target", overflow="fold")
        table.add_column("why", overflow="fold")
        if not result.dry_run:
            table.add_column("result", overflow="fold")
        links: dict[str, int] = {}
        for action in result.actions:
            if isinstance(action, EditPlan) and action.kind is PlanEditKind.LINK:
                links[action.task.planfile] = links.get(action.task.planfile, 0) + 1
                continue  # one row per file below: a first sync links every task
            what, target = describe(action)
            row = [escape(what), escape(target), escape(why(action))]
            if not result.dry_run:
                row.append(_result_text(statuses.get(id(action))))
            table.add_row(*row)
        for planfile, count in links.items():
            tasks = "1 task" if count == 1 else f"{count} tasks"
            row = ["plan: issue links", escape(planfile), f"{tasks} got their issue's link"]
            if not result.dry_run:
                row.append("")
            table.add_row(*row)
        console.print(table)
    if show_diffs:
        for planfile, (before, after) in result.diffs.items():
            console.print(f"[bold]{escape(planfile)}[/] would change:")
            diff = unified_diff(planfile, before, after)
            console.print(escape(diff), end="", soft_wrap=True, highlight=False)
    for conflict in result.conflicts:
        console.print(
            f"[yellow]conflict[/] {escape(str(conflict.task))}: {conflict.field} changed on "
            f"both sides (plan: {escape(conflict.plan_value)!r}, tracker: "
            f"{escape(conflict.tracker_value)!r}); {conflict.resolution}",
            soft_wrap=True,
        )
    for notice in result.notices:
        where = f"{notice.task}: " if notice.task else ""
        console.print(f"[cyan]note[/] {escape(where + notice.message)}", soft_wrap=True)
    for failure in result.failed:
        what, target = describe(failure.action)
        console.print(
            f"[bold red]failed[/] {escape(what)} {escape(target)}: {escape(failure.detail)}",
            soft_wrap=True,
        )
    console.print(result.summary_line(), soft_wrap=True, highlight=False)
    if result.rate_limit is not None:
        console.print(rate_limit_text(result), soft_wrap=True, highlight=False)
    elif result.stopped and result.writes_planned > result.writes_done:
        console.print(
            f"{result.project}: stopped on request: made {result.writes_done} of its "
            f"{result.writes_planned} tracker writes; everything made is saved. Run again "
            "to finish.",
            soft_wrap=True,
            highlight=False,
        )


def rate_limit_text(result: RunResult) -> str:
    """How far a run halted by a rate limit got, and when to run it again."""
    made = f"made {result.writes_done} of its {result.writes_planned} tracker writes"
    when = "later"
    if result.retry_at is not None:
        local = result.retry_at.astimezone()
        when = f"after {local:%Y-%m-%d %H:%M:%S %Z} ({result.retry_at:%H:%M:%S} UTC)"
    return (
        f"{result.project}: stopped at the rate limit: {made}; everything made is saved. "
        f"Run again {when} to finish, or with --wait to wait for it."
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _result_text(result: ActionResult | None) -> str:
    if result is None:
        return "[dim]not reached[/]"
    colour = {Status.APPLIED: "green", Status.SKIPPED: "yellow", Status.FAILED: "red"}
    shown = result.detail if not isinstance(result.action, EditPlan) else ""
    detail = f" {escape(shown)}" if shown else ""
    return f"[{colour[result.status]}]{result.status}[/]{detail}"


def result_to_json(result: RunResult) -> dict[str, Any]:
    statuses = {id(r.action): r for r in result.results}
    actions = []
    for action in result.actions:
        what, target = describe(action)
        entry: dict[str, Any] = {"action": what, "target": target, "why": why(action)}
        outcome = statuses.get(id(action))
        if outcome is not None:
            entry["status"] = outcome.status.value
            entry["detail"] = outcome.detail
        actions.append(entry)
    return {
        "project": result.project,
        "dry_run": result.dry_run,
        "ok": result.ok,
        "counts": result.counts(),
        "requests": result.requests,
        "stopped": result.stopped,
        "writes": {
            "done": result.writes_done,
            "planned": result.writes_planned,
            "eta_seconds": result.eta_seconds,
            "retry_at": _iso(result.retry_at) if result.retry_at is not None else None,
            "retry_at_local": (
                result.retry_at.astimezone().isoformat() if result.retry_at is not None else None
            ),
            "rate_limit": result.rate_limit,
        },
        "actions": actions,
        "conflicts": [
            {
                "task": str(c.task),
                "field": c.field,
                "plan": c.plan_value,
                "tracker": c.tracker_value,
                "resolution": c.resolution,
            }
            for c in result.conflicts
        ],
        "notices": [
            {"task": str(n.task) if n.task else None, "issue": n.number, "message": n.message}
            for n in result.notices
        ],
        "diffs": {
            planfile: unified_diff(planfile, before, after)
            for planfile, (before, after) in result.diffs.items()
        },
    }

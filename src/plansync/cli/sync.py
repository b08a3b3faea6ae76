"""`plansync sync`: one run of each project, shown as a table of actions with their reasons,
the diff each planfile gets, notices and conflicts, a one-line summary; or all of it as one
JSON object. A progress bar on stderr while a run makes many tracker writes."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, TaskID
from rich.table import Table

from plansync.cli.common import CONFIG_HELP, err, fail, out
from plansync.config.load import load_config
from plansync.errors import PlansyncError
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
from plansync.sync.result import RunResult

# Above this many tracker writes a progress bar shows how far the run is.
_PROGRESS_FROM = 5


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
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Sync plan files and tracker issues both ways, once.

    Then bring the summaries up to date: the block in each plan file, the progress line of
    each milestone and, when configured, each plan's tracking issue ([projects.summary]).

    Exit 0: everything applied. 1: an action failed (each is named with its reason), the
    tracker stayed unreachable or asked to wait too long, or another run holds the project.
    2: configuration, authentication, unknown repository or an unreadable plan file.
    """
    from plansync.sync.engine import run_once

    try:
        cfg = load_config(config)
        projects = cfg.project(project)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    code = 0
    reports = []
    for entry in projects:
        try:
            with ProgressBar(enabled=not as_json) as progress:
                # The engine opens the state store, and creates it only once the tracker
                # answered: bad input leaves nothing behind.
                result = run_once(
                    cfg,
                    entry,
                    dry_run=dry_run,
                    on_changeset=progress.changeset,
                    progress=progress.advance,
                )
        except PlansyncError as exc:
            err.print(f"[bold red]error:[/] {entry.name}: {exc}", soft_wrap=True)
            code = max(code, exc.exit_code)
            reports.append({"project": entry.name, "error": str(exc)})
            continue
        if not result.ok:
            code = max(code, 1)
        if as_json:
            reports.append(result_to_json(result))
        else:
            print_run(out, result, show_diffs=dry_run)
    if as_json:
        print(json.dumps({"projects": reports}, indent=2, ensure_ascii=False))
    raise typer.Exit(code)


class ProgressBar:
    """A progress bar on stderr for runs with more than a handful of tracker writes."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and err.is_terminal
        self.bar = Progress(console=err, transient=True)
        self.task: TaskID | None = None

    def changeset(self, changeset: Changeset) -> None:
        if not self.enabled:
            return
        total = len(changeset.tracker_actions)
        if total > _PROGRESS_FROM:
            if self.task is None:
                self.bar.start()
            self.task = self.bar.add_task("syncing", total=total)

    def advance(self, action: object) -> None:
        if self.task is not None:
            self.bar.advance(self.task)

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

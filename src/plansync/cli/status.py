"""`plansync status`: each project's summary figures from the state store and the planfiles,
without a call to the tracker, as Rich tables or as JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from plansync.cli.common import CONFIG_HELP, fail, out
from plansync.config.load import load_config
from plansync.errors import PlansyncError
from plansync.summary.data import PlanFigures, Progress, Unlinked
from plansync.summary.text import effort_text

if TYPE_CHECKING:
    # The state store and the engine load only when the command runs.
    from plansync.sync.status import ProjectStatus

_WHY = {
    Unlinked.PULL: "the direction is pull",
    Unlinked.FAILED: "sync failed",
    Unlinked.EXCLUDED: "criterion, not synced",
    Unlinked.GONE: "issue deleted or moved",
    Unlinked.PENDING: "not synced yet",
}


def status(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Show only this project.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Show each plan's progress and coverage as the last sync left them.

    Reads the plan files and the state store only: no call to the tracker. Exit codes: 0,
    or 2 for a bad configuration or an unreadable plan file.
    """
    from plansync.sync.status import project_status

    try:
        cfg = load_config(config)
        statuses = [project_status(cfg, entry, date.today()) for entry in cfg.project(project)]
    except PlansyncError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    if as_json:
        print(json.dumps(status_to_json(statuses), indent=2, ensure_ascii=False))
    else:
        print_status(out, statuses)


def _progress(progress: Progress) -> str:
    text = f"{progress.done} / {progress.total} done ({progress.percent}%)"
    if progress.effort_total is not None and progress.effort_done is not None:
        text += f", {effort_text(progress.effort_done)} of {effort_text(progress.effort_total)}"
    if progress.dropped:
        text += f", {progress.dropped} dropped"
    return text


def print_status(console: Console, statuses: list[ProjectStatus]) -> None:
    for status in statuses:
        when = (
            f"last sync {status.last_run.started_at:%Y-%m-%d %H:%M} UTC"
            if status.last_run is not None
            else "never synced"
        )
        console.print(f"[bold]{escape(status.project)}[/] ({when})")
        for figures in status.plans:
            _print_plan(console, figures)


def _print_plan(console: Console, figures: PlanFigures) -> None:
    console.print(
        f"  [bold]{escape(figures.planfile)}[/]: {escape(figures.title)}: "
        f"{_progress(figures.overall)}; {figures.coverage.linked} / "
        f"{figures.coverage.total} tasks linked"
    )
    if figures.milestones:
        table = Table(box=None, padding=(0, 2), show_edge=False)
        for column in ("milestone", "done", "%", "estimate done / left", "due"):
            table.add_column(column)
        for row in figures.milestones:
            progress = row.progress
            effort = (
                f"{effort_text(progress.effort_done)} / {effort_text(progress.effort_left)}"
                if progress.effort_done is not None and progress.effort_left is not None
                else "-"
            )
            due = str(row.due_on) if row.due_on else "-"
            if row.overdue:
                due += " [red]overdue[/]"
            table.add_row(
                escape(row.title),
                f"{progress.done} / {progress.total}",
                f"{progress.percent}%",
                effort,
                due,
            )
        console.print(table)
    for reason in Unlinked:
        count = sum(1 for t in figures.coverage.missing if t.unlinked is reason)
        if count:
            console.print(f"    not linked ({_WHY[reason]}): {count}")
    if figures.untracked:
        numbers = ", ".join(f"#{u.number}" for u in figures.untracked)
        console.print(f"    untracked issues in its milestones: {numbers}")
    for drift in figures.drift:
        task = drift.task.id or drift.task.key
        what = f"{drift.kind} {drift.field}".strip()
        console.print(f"    needs a person: {escape(what)}: {escape(task)}")


def status_to_json(statuses: list[ProjectStatus]) -> dict[str, Any]:
    from plansync.state import codec

    projects = []
    for status in statuses:
        plans = []
        for figures in status.plans:
            plain = codec.to_plain(figures)
            assert isinstance(plain, dict)
            plain["overall"] = {**_as_dict(plain["overall"]), "percent": figures.overall.percent}
            plans.append(plain)
        projects.append(
            {
                "project": status.project,
                "last_sync": (status.last_run.started_at.isoformat() if status.last_run else None),
                "plans": plans,
            }
        )
    return {"projects": projects}


def _as_dict(value: object) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value

"""`plansync check-access`: per project, who plansync acts as and what it may do there."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from plansync.cli.common import CONFIG_HELP, fail, out
from plansync.config.load import load_config
from plansync.errors import PlansyncError


def check_access(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Check only this project.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Say who plansync acts as on each project's tracker and what it may do there.

    For each project: the account, the permissions it has and lacks, the rate limit left, and
    whether each plan glob matches files (in the local folder or in the repository's branch).

    Writes nothing. Exit codes: 0 everything needed is there; 2 a permission is missing, a
    glob matches no file, or the tracker or the configuration could not be used.
    """
    from plansync.sync.access import project_access

    try:
        cfg = load_config(config)
        projects = cfg.project(project)
    except PlansyncError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    ok = True
    for entry in projects:
        found = project_access(cfg, entry)
        ok = ok and found.ok
        out.print(f"[bold]{escape(found.project)}[/bold]  {escape(found.tracker)}", highlight=False)
        report = found.report
        if report is not None:
            left = "unknown" if report.rate_limit_left is None else str(report.rate_limit_left)
            out.print(f"  acts as      {escape(report.actor)}", highlight=False)
            for text in report.held:
                out.print(f"  has          {escape(text)}", highlight=False)
            for text in report.lacking:
                out.print(f"  [red]lacks[/red]        {escape(text)}", highlight=False)
            out.print(f"  rate limit   {left} requests left", highlight=False)
            if report.expires_on is not None:
                out.print(f"  token        expires {report.expires_on}", highlight=False)
        for glob, count in found.globs.items():
            mark = "" if count else "[red]"
            out.print(
                f"  {mark}plans        {escape(glob)}: {count} files in {escape(found.where)}",
                highlight=False,
            )
        for problem in found.problems:
            out.print(f"  [red]problem[/red]      {escape(problem)}", highlight=False)
    if not ok:
        raise typer.Exit(2)

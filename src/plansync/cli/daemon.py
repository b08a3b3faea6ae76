"""`plansync daemon`: the options of the scheduled daemon; plansync.daemon.app runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plansync.cli.common import CONFIG_HELP, fail
from plansync.config.load import load_config
from plansync.errors import PlansyncError


def daemon(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Run only this project.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Sync every project on its interval until SIGTERM or Ctrl-C.

    Each project runs at once, then every `interval_minutes` (default 5). SIGTERM and Ctrl-C
    let the action in progress finish, keep the state and exit 0.
    """
    from plansync.daemon.app import serve

    try:
        cfg = load_config(config)
        projects = cfg.project(project)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    raise typer.Exit(serve(cfg, projects))

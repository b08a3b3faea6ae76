"""Command line: parse arguments, call the library, print."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

import typer

from plansync import __version__
from plansync.cli.check import check
from plansync.cli.common import CONFIG_HELP, fail
from plansync.cli.init import init
from plansync.cli.sandbox import sandbox
from plansync.cli.status import status
from plansync.cli.sync import sync
from plansync.config.load import load_config
from plansync.config.project import ProjectConfig
from plansync.errors import PlansyncError

app = typer.Typer(
    name="plansync",
    help="Keep markdown execution plans and GitHub / GitLab issues in step.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"plansync {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Keep markdown execution plans and GitHub / GitLab issues in step."""


app.command()(check)

app.command()(sync)


app.command()(status)


@app.command()
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
    import logging

    from plansync.cli.sync import summary_line
    from plansync.daemon import run_daemon
    from plansync.sync.engine import run_once

    try:
        cfg = load_config(config)
        projects = cfg.project(project)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    log = logging.getLogger("plansync.daemon")

    def run(entry: ProjectConfig, stop: threading.Event) -> None:
        # The run opens its own state store: projects run in parallel worker threads.
        result = run_once(cfg, entry, stop=stop)
        log.info("%s", summary_line(result))
        for failure in result.failed:
            log.warning("%s: failed: %s", entry.name, failure.detail)

    raise typer.Exit(run_daemon(projects, run, log=log))


app.command()(init)
app.command()(sandbox)


def main() -> None:
    app()

"""The `plansync` command: the typer app, its root options and its commands (one module each)."""

from __future__ import annotations

from typing import Annotated

import typer

from plansync import __version__
from plansync.cli.check import check
from plansync.cli.check_access import check_access
from plansync.cli.daemon import daemon
from plansync.cli.init import init
from plansync.cli.sandbox import sandbox
from plansync.cli.state import state_app
from plansync.cli.status import status
from plansync.cli.sync import sync

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


# `plansync --help` lists the commands in this order.
app.command()(check)
app.command()(sync)
app.command()(status)
app.command()(daemon)
app.command()(init)
app.command()(sandbox)
app.command("check-access")(check_access)
app.add_typer(state_app)


def main() -> None:
    app()

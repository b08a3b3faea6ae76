"""`plansync state migrate` and `plansync state copy FROM TO`: the state store's schema and
moving a store to another backend (a SQLite file into PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from plansync.cli.common import CONFIG_HELP, fail, out
from plansync.config.load import POSTGRES_URLS, check_postgres_url, load_config
from plansync.errors import ConfigError, PlansyncError

state_app = typer.Typer(
    name="state",
    help="The state store: bring its schema up to date, copy it to another database.",
    no_args_is_help=True,
)


@state_app.command()
def migrate(
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
) -> None:
    """Bring the configured state store's schema to this plansync's version.

    Every plansync command does this itself when it opens the store; run it on its own to
    upgrade a shared PostgreSQL database before the daemons (e.g. as a deployment step, as a
    user who may create tables). Creates the store when it does not exist yet. Exit codes: 0,
    or 2 when the store cannot be opened or upgraded.
    """
    from plansync.state.open import open_state
    from plansync.state.schema import LATEST_VERSION

    try:
        cfg = load_config(config)
        with open_state(cfg.state_url) as database:
            where = database.where
    except PlansyncError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    out.print(f"{where}: at schema version {LATEST_VERSION}, the latest this plansync knows.")


@state_app.command()
def copy(
    source: Annotated[
        str, typer.Argument(help="The store to copy: a SQLite file's path or URL, or a URL.")
    ],
    target: Annotated[
        str,
        typer.Argument(help="Where to copy it: postgresql://USER@HOST/DATABASE, or a path."),
    ],
    replace: Annotated[
        bool,
        typer.Option(
            "--replace", help="Delete what the target holds first (refused without this)."
        ),
    ] = False,
) -> None:
    """Copy every link, base value, cursor and run of one state store into another.

    For moving a SQLite file into PostgreSQL (postgresql://USER@HOST/DATABASE; the password
    from PGPASSWORD, ~/.pgpass or a service file). Both stores are brought to this plansync's
    schema first; the target is written in one transaction, all or nothing, and a target that
    holds anything is refused unless --replace. Stop the daemons using either store while it
    runs. Exit codes: 0, or 2 when a store cannot be opened or the target is not empty.
    """
    from plansync.state.copy import copy_state, state_url

    try:
        for url in (source, target):
            if url.startswith(POSTGRES_URLS):
                try:
                    check_postgres_url(url)
                except ValueError as exc:
                    raise ConfigError(f"{exc}.") from None
        report = copy_state(state_url(source), state_url(target), replace=replace)
    except PlansyncError as exc:
        raise fail(str(exc), exc.exit_code) from exc
    total = sum(report.rows.values())
    counts = ", ".join(f"{table} {rows}" for table, rows in sorted(report.rows.items()) if rows)
    out.print(f"copied {total} rows from {report.source} to {report.target}")
    if counts:
        out.print(f"  {counts}")

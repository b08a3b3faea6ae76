"""`plansync daemon`: the options of the scheduled daemon; plansync.daemon.app runs it."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from plansync.cli.common import CONFIG_HELP, fail
from plansync.config.load import load_config
from plansync.errors import PlansyncError

_LISTEN = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:\[\]]+)):(?P<port>\d{1,5})$")


class LogFormatOption(StrEnum):
    text = "text"
    json = "json"


def daemon(
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Run only this project.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", envvar="PLANSYNC_CONFIG", help=CONFIG_HELP)
    ] = None,
    listen: Annotated[
        str | None,
        typer.Option(
            "--listen",
            envvar="PLANSYNC_LISTEN",
            metavar="HOST:PORT",
            help="Serve webhooks (/webhook/github, /webhook/gitlab), /livez, /readyz, "
            "/healthz and /metrics here, e.g. 0.0.0.0:8080 (port 0: any free port).",
        ),
    ] = None,
    log_format: Annotated[
        LogFormatOption,
        typer.Option(
            "--log-format", envvar="PLANSYNC_LOG_FORMAT", help="Log lines as text or JSON."
        ),
    ] = LogFormatOption.text,
) -> None:
    """Sync every project on its interval until SIGTERM or Ctrl-C.

    Each project runs at once, then every `interval_minutes` (default 5). With --listen, a
    signed webhook delivery from GitHub or GitLab runs its repository's projects at once,
    and polling goes on as a safety net every `safety_net_minutes` of the config's daemon
    table (default 60). Webhook secrets come from PLANSYNC_GITHUB_WEBHOOK_SECRET and
    PLANSYNC_GITLAB_WEBHOOK_SECRET (and their _PREVIOUS variants while rotating). A project
    whose tracker asks to wait longer than the daemon table's `max_wait_seconds` (default 5)
    runs again by itself when the rate limit resets, its worker free meanwhile. SIGTERM and
    Ctrl-C let the action in progress finish, close the HTTP service, keep the state and
    exit 0.
    """
    from plansync.daemon.app import serve

    address = None
    if listen is not None:
        address = parse_listen(listen)
        if address is None:
            raise fail(
                f"--listen {listen!r}: expected HOST:PORT, e.g. 0.0.0.0:8080 or [::]:8080, "
                f"with a port from 0 to 65535."
            )
    try:
        cfg = load_config(config)
        projects = cfg.project(project)
        code = serve(cfg, projects, listen=address, log_format=log_format.value)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    raise typer.Exit(code)


def parse_listen(value: str) -> tuple[str, int] | None:
    """(host, port) of `HOST:PORT` or `[IPv6]:PORT`; None when it is neither."""
    match = _LISTEN.match(value.strip())
    if match is None or int(match["port"]) > 65535:
        return None
    return (match["v6"] or match["host"]), int(match["port"])

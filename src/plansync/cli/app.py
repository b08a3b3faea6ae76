"""Command line: parse arguments, call the library, print."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Annotated

import typer

from plansync import __version__
from plansync.cli.check import check
from plansync.cli.common import CONFIG_HELP, fail, out
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


@app.command()
def init(
    root: Annotated[
        Path, typer.Argument(help="Folder to look for plan files in (default: here).")
    ] = Path("."),
    config: Annotated[
        Path, typer.Option("--config", help="Where to write the config.")
    ] = Path("config/plansync.toml"),
    kind: Annotated[str, typer.Option(help="Tracker kind: github or gitlab.")] = "github",
    repo: Annotated[
        str | None, typer.Option(help="Repository (owner/name) or project (group/project).")
    ] = None,
) -> None:
    """Write a commented starter config for the plan files found under ROOT.

    Never writes over an existing file.
    """
    from plansync.config.starter import find_plans, starter_config, write_starter_config

    try:
        plans = find_plans(root)
        text = starter_config(root, plans, config_path=config, kind=kind, repo=repo)
        write_starter_config(config, text)
    except PlansyncError as exc:
        raise fail(str(exc)) from exc
    if plans:
        out.print(f"wrote {config}: {len(plans)} plan file(s):")
        for plan in plans:
            out.print(f"  {plan}")
    else:
        out.print(f"wrote {config}: no plan file with tasks found under {root}; list yours in "
                  f"`plans` there.")
    if repo is None:
        placeholder = "OWNER/REPO" if kind == "github" else "GROUP/PROJECT"
        token = "GITHUB_TOKEN" if kind == "github" else "GITLAB_TOKEN"
        out.print(
            f"Next: set `repo` in [projects.tracker] (now {placeholder}), export {token}, "
            f"then run: plansync sync --dry-run --config {config}",
            markup=False,
        )


FAULT_KINDS = ("500", "502", "429", "drop", "timeout")


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 picks a free one).")] = 8765,
    repo: Annotated[
        list[str] | None,
        typer.Option("--repo", help="Repository to create (owner/name); repeatable."),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="JSON file to load the state from and save it to."),
    ] = None,
    secondary_limit: Annotated[
        int | None,
        typer.Option(help="Answer 403 + Retry-After past this many creates a minute (GitHub's "
                     "secondary limit)."),
    ] = None,
    primary_limit: Annotated[
        int | None,
        typer.Option(help="Requests per window and user before the primary rate limit answers."),
    ] = None,
    fail_request: Annotated[
        int | None, typer.Option(help="Fail the Nth API request (1-based).")
    ] = None,
    fail_every: Annotated[int | None, typer.Option(help="Fail every Nth API request.")] = None,
    fail_with: Annotated[
        str, typer.Option(help="How a failed request fails: " + ", ".join(FAULT_KINDS) + ".")
    ] = "500",
    fail_methods: Annotated[
        str, typer.Option(help="Only count these methods, comma-separated (e.g. POST,PATCH).")
    ] = "",
    fail_after_write: Annotated[
        bool, typer.Option(help="Apply the write first, then fail the answer (an unclear failure).")
    ] = False,
) -> None:
    """Run the local sandbox tracker until Ctrl-C.

    GitHub REST under /api/v3, GitLab v4 under /api/v4, in the foreground. Faults and limits
    can also be set later through POST /_sandbox/faults.
    """
    from plansync.sandbox import SandboxServer
    from plansync.sandbox.limits import LimitConfig

    if fail_with not in FAULT_KINDS:
        raise fail(f"--fail-with {fail_with!r}: expected one of {', '.join(FAULT_KINDS)}.")
    try:
        server = SandboxServer(
            repos=tuple(repo or ("demo/plans",)),
            port=port,
            state_file=state,
            limits=LimitConfig(primary=primary_limit, secondary=secondary_limit),
        )
        if fail_request is not None or fail_every is not None:
            server.store.faults.fail(
                fail_with,
                nth=fail_request,
                every=fail_every,
                methods=[m.strip() for m in fail_methods.split(",") if m.strip()],
                when="after" if fail_after_write else "before",
            )
    except ValueError as exc:  # the sandbox's own messages name the flag's value
        raise fail(str(exc)) from exc
    try:
        server.start()
    except OSError as exc:
        raise fail(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); pick another --port."
        ) from exc
    out.print(f"sandbox listening on {server.url}")
    out.print(f"  GitHub API: {server.github_api_url}   (PyGithub base_url)")
    out.print(f"  GitLab API: {server.gitlab_url}/api/v4   (python-gitlab url: {server.url})")
    out.print(f"  state: {server.url}/_sandbox/state   requests: {server.url}/_sandbox/requests")
    out.print("Press Ctrl-C to stop.")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            server.wait(3600)
    server.stop()


def main() -> None:
    app()

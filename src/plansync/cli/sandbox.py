"""`plansync sandbox`: the local GitHub + GitLab sandbox in the foreground, with the faults and
limits its options ask for."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from plansync.cli.common import fail, out

if TYPE_CHECKING:
    # The sandbox loads only when the command runs.
    from plansync.sandbox.server import SandboxServer

FAULT_KINDS = ("500", "502", "429", "drop", "timeout")


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
        typer.Option(
            help="Answer 403 + Retry-After past this many creates a minute (GitHub's "
            "secondary limit)."
        ),
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
    from plansync.sandbox.limits import LimitConfig
    from plansync.sandbox.server import SandboxServer

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
            _set_faults(server, fail_with, fail_request, fail_every, fail_methods, fail_after_write)
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


def _set_faults(
    server: SandboxServer,
    kind: str,
    nth: int | None,
    every: int | None,
    methods: str,
    after_write: bool,
) -> None:
    """Fail the Nth request, or every Nth, of the given methods (all when none is given), the
    way `kind` says; with `after_write`, once the write is applied. Raises ValueError for a
    value the sandbox refuses."""
    server.store.faults.fail(
        kind,
        nth=nth,
        every=every,
        methods=[m.strip() for m in methods.split(",") if m.strip()],
        when="after" if after_write else "before",
    )

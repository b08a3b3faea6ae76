"""Builders the tests share: tracker issues, project configs, the lines an edit changed, and
a PyGithub client of the sandbox.

Every test folder imports it as `builders` (pyproject.toml puts tests/ on pytest's pythonpath):

    from builders import project, remote_issue
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from github import Auth, Github

from plansync.config.project import ProjectConfig
from plansync.model.remote import CloseReason, IssueState, RemoteIssue
from plansync.planfile.lines import split_ending, split_lines, strip_bom
from plansync.sandbox.server import SandboxServer

WHEN = datetime(2026, 1, 1, tzinfo=UTC)
REPO_URL = "https://github.com/demo/plans"


def remote_issue(
    number: int,
    title: str,
    *,
    repo_url: str = REPO_URL,
    id_base: int = 1000,
    body: str = "",
    state: IssueState | None = None,
    state_reason: CloseReason | None = None,
    updated_at: datetime = WHEN,
    created_at: datetime | None = None,
    labels: tuple[str, ...] = (),
    milestone_number: int | None = None,
    milestone_title: str | None = None,
    assignees: tuple[str, ...] = (),
    estimate_minutes: int | None = None,
) -> RemoteIssue:
    """Issue `number` of the repository at `repo_url`, as a tracker returns it.

    Its id is `id_base + number` and its URL `{repo_url}/issues/{number}`. `state` defaults to
    closed when there is a `state_reason`, else open; `created_at` defaults to `updated_at`.
    """
    if state is None:
        state = IssueState.CLOSED if state_reason else IssueState.OPEN
    return RemoteIssue(
        number=number,
        id=id_base + number,
        url=f"{repo_url}/issues/{number}",
        title=title,
        body=body,
        state=state,
        updated_at=updated_at,
        created_at=updated_at if created_at is None else created_at,
        state_reason=state_reason,
        labels=labels,
        milestone_number=milestone_number,
        milestone_title=milestone_title,
        assignees=assignees,
        estimate_minutes=estimate_minutes,
    )


def project(**changes: Any) -> ProjectConfig:
    """Project `demo`: the GitHub repository demo/plans, plans under plans/; `changes` replace
    top-level settings."""
    settings: dict[str, Any] = {
        "name": "demo",
        "tracker": {"kind": "github", "repo": "demo/plans"},
        "plans": ["plans/*.md"],
    }
    return ProjectConfig.model_validate({**settings, **changes})


def changed_line_numbers(before: bytes, after: bytes, *, same_endings: bool = False) -> list[int]:
    """1-based numbers of the lines that differ, read as plansync splits lines; the BOM and
    the line count must not change, nor, with `same_endings`, any line's ending."""
    bom_before, body_before = strip_bom(before)
    bom_after, body_after = strip_bom(after)
    assert bom_before == bom_after
    old, new = split_lines(body_before), split_lines(body_after)
    assert len(old) == len(new)
    if same_endings:
        for a, b in zip(old, new, strict=True):
            assert split_ending(a)[1] == split_ending(b)[1]
    return [n for n, (a, b) in enumerate(zip(old, new, strict=True), start=1) if a != b]


def changed_line_pairs(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    """The (old, new) pairs of lines, endings included, that differ between two versions of
    a planfile with the same number of lines (plansync's edits never add or remove one)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new), f"{len(old)} lines became {len(new)}"
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def sandbox_github(
    sandbox: SandboxServer, token: str = "sandbox-token", per_page: int = 30
) -> Github:
    """A PyGithub client of the sandbox's GitHub API: no retries and no waits between calls."""
    return Github(
        base_url=sandbox.github_api_url,
        auth=Auth.Token(token),
        retry=None,
        per_page=per_page,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )


def scheduled_project(name: str, interval_minutes: float = 60) -> ProjectConfig:
    """A GitHub project synced every `interval_minutes`, for the daemon's scheduler."""
    return ProjectConfig.model_validate(
        {
            "name": name,
            "tracker": {"kind": "github", "repo": f"acme/{name}"},
            "plans": ["plans/*.md"],
            "interval_minutes": interval_minutes,
        }
    )


def wait_until(condition: Callable[[], bool], what: str = "it", timeout: float = 10.0) -> None:
    """Poll `condition` every 10 ms; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)

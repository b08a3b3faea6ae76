"""`plansync sandbox` as a person runs it: a foreground process the real clients can talk to."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from github import Auth, Github, GithubException

PLANSYNC = Path(sys.executable).with_name("plansync")


@pytest.fixture
def sandbox_process(request: pytest.FixtureRequest) -> Iterator[str]:
    args = [str(PLANSYNC), "sandbox", "--port", "0", *request.param]
    process = subprocess.Popen(
        args,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", first)
        assert match, f"unexpected first line: {first!r}"
        yield match.group(1)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        finally:
            process.kill()


@pytest.mark.parametrize(
    "sandbox_process",
    [["--repo", "acme/app", "--fail-request", "2", "--fail-with", "502"]],
    indirect=True,
)
def test_serves_the_named_repo_and_fails_the_asked_request(sandbox_process: str) -> None:
    github = Github(base_url=f"{sandbox_process}/api/v3", auth=Auth.Token("t"), retry=None)
    repo = github.get_repo("acme/app")  # request 1
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="lost")  # request 2: the injected 502
    assert caught.value.status == 502
    assert repo.create_issue(title="kept").number == 1
    with pytest.raises(GithubException) as missing:
        github.get_repo("demo/plans")  # only the named repository exists
    assert missing.value.status == 404

    with urllib.request.urlopen(f"{sandbox_process}/_sandbox/requests") as answer:
        log = json.load(answer)
    assert log["by_status"] == {"200": 1, "502": 1, "201": 1, "404": 1}


@pytest.mark.parametrize("sandbox_process", [["--secondary-limit", "1"]], indirect=True)
def test_secondary_limit_flag(sandbox_process: str) -> None:
    github = Github(base_url=f"{sandbox_process}/api/v3", auth=Auth.Token("t"), retry=None)
    repo = github.get_repo("demo/plans")
    repo.create_issue(title="one")
    with pytest.raises(GithubException) as caught:
        repo.create_issue(title="two")
    assert caught.value.status == 403
    assert "secondary rate limit" in str(caught.value.data)
    assert caught.value.headers is not None
    assert int(caught.value.headers["retry-after"]) > 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--fail-every", "2", "--fail-with", "503"], "--fail-with '503'"),
        (["--repo", "noslash"], "'noslash' must look like 'owner/name'"),
        (["--fail-request", "0"], "must be >= 1"),
        (["--secondary-limit", "-1"], "secondary"),
    ],
)
def test_bad_flags_are_one_clear_error(flags: list[str], message: str) -> None:
    result = subprocess.run(
        [str(PLANSYNC), "sandbox", "--port", "0", *flags],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unreadable_state_file_is_one_clear_error(tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_text("not json", encoding="utf-8")
    result = subprocess.run(
        [str(PLANSYNC), "sandbox", "--port", "0", "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert str(state) in result.stderr
    assert state.read_text(encoding="utf-8") == "not json", "a bad state file is never overwritten"

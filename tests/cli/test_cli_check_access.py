"""`plansync check-access` against the sandbox, and the start-of-run warning about a GitLab
token close to its expiry."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.sandbox.server import SandboxServer

TOKEN_ENV = "PLANSYNC_CLI_TOKEN"
REPOS = {"github": "demo/plans", "gitlab": "group/sub/project"}
PLAN = b"# Plan\n\n## Phase 1\n\n- [ ] Write the parser\n"
runner = CliRunner()


def write_config(root: Path, sandbox: SandboxServer, kind: str, source: str = "") -> Path:
    if kind == "github":
        where = f'base_url = "{sandbox.github_api_url}"\n'
    else:
        where = f'url = "{sandbox.gitlab_url}"\nnotes_pacing = {{ enabled = false }}\n'
    config = root / "plansync.toml"
    config.write_text(
        '[[projects]]\nname = "demo"\nplans = ["plans/*.md"]\n'
        f"{source}"
        f'[projects.tracker]\nkind = "{kind}"\nrepo = "{REPOS[kind]}"\n'
        f'token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n{where}',
        encoding="utf-8",
    )
    return config


def check_access(config: Path, token: str = "test-token") -> tuple[int, str]:
    result = runner.invoke(app, ["check-access", "--config", str(config)], env={TOKEN_ENV: token})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout


@pytest.mark.parametrize("kind", ["github", "gitlab"])
class TestCheckAccess:
    def test_a_project_with_all_it_needs_exits_0(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        (tmp_path / "plans").mkdir()
        (tmp_path / "plans" / "a.md").write_bytes(PLAN)
        code, out = check_access(write_config(tmp_path, sandbox, kind))
        assert code == 0, out
        assert "acts as      plansync-bot" in out
        assert "lacks" not in out
        assert "plans/*.md: 1 files in" in out
        assert "requests left" in out

    def test_a_reader_lacks_write_and_a_glob_matching_nothing_exits_2(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        sandbox.store.set_permission(REPOS[kind], "reader", "read")
        code, out = check_access(write_config(tmp_path, sandbox, kind), token="as:reader")
        assert code == 2
        assert "acts as      reader" in out
        assert "lacks" in out
        assert "plans/*.md: 0 files in" in out

    def test_repository_globs_are_matched_against_the_branch(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        sandbox.store.put_file(REPOS[kind], "plans/a.md", PLAN)
        sandbox.store.put_file(REPOS[kind], "plans/b.md", PLAN)
        source = '[projects.plans_source]\nkind = "repository"\n'
        code, out = check_access(write_config(tmp_path, sandbox, kind, source))
        assert code == 0, out
        assert "plans/*.md: 2 files in branch main of the repository" in out


class TestGitLabTokenExpiry:
    def test_a_run_warns_when_the_token_expires_within_14_days(
        self, sandbox: SandboxServer, tmp_path: Path
    ) -> None:
        (tmp_path / "plans").mkdir()
        (tmp_path / "plans" / "a.md").write_bytes(PLAN)
        config = write_config(tmp_path, sandbox, "gitlab")
        sandbox.store.token_expiry["test-token"] = date.today() + timedelta(days=5)
        result = runner.invoke(
            app, ["sync", "--config", str(config)], env={TOKEN_ENV: "test-token"}
        )
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "expires in 5 days" in result.stdout + result.stderr
        code, out = check_access(config)
        assert code == 0
        assert f"token        expires {date.today() + timedelta(days=5)}" in out

    def test_no_warning_for_a_token_with_time_left(
        self, sandbox: SandboxServer, tmp_path: Path
    ) -> None:
        (tmp_path / "plans").mkdir()
        (tmp_path / "plans" / "a.md").write_bytes(PLAN)
        config = write_config(tmp_path, sandbox, "gitlab")
        sandbox.store.token_expiry["test-token"] = date.today() + timedelta(days=60)
        result = runner.invoke(
            app, ["sync", "--config", str(config)], env={TOKEN_ENV: "test-token"}
        )
        assert result.exit_code == 0
        assert "expires" not in result.stdout + result.stderr

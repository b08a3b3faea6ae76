"""`plansync sync`, `status` and a second run at once, as a person runs them, with the state
store in PostgreSQL: a dry run makes no tables, a sync makes them and its links, the next sync
writes nothing, and a run that finds the project's lock taken stops with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.config.load import load_config
from plansync.sandbox.server import SandboxServer
from plansync.state.open import state_exists
from plansync.state.postgres import PostgresDatabase

TOKEN_ENV = "PLANSYNC_PG_CLI_TOKEN"
REPO = "demo/plans"
PLAN = """# Rollout ✅

## Week 1: Beta → testers

- [ ] **RLT-1**: Ship the beta build
- [x] **RLT-2**: Pick the testers
""".encode()
runner = CliRunner()


def _setup(root: Path, sandbox: SandboxServer, url: str) -> Path:
    (root / "rollout.md").write_bytes(PLAN)
    config = root / "plansync.toml"
    config.write_text(
        f'state = "{url}"\n'
        '[[projects]]\nname = "rollout"\nplans = ["*.md"]\n'
        f'[projects.tracker]\nkind = "github"\nrepo = "{REPO}"\n'
        f'token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n'
        f'base_url = "{sandbox.github_api_url}"\n',
        encoding="utf-8",
    )
    return config


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={TOKEN_ENV: "test-token"})
    return result.exit_code, result.stdout, result.stderr


def _writes(sandbox: SandboxServer) -> int:
    return sum(n for method, n in sandbox.store.requests.by_method().items() if method != "GET")


def test_sync_and_status_with_the_store_in_postgresql(
    tmp_path: Path, sandbox: SandboxServer, postgres_url: str
) -> None:
    config = str(_setup(tmp_path, sandbox, postgres_url))

    code, _, err = _run("sync", "--dry-run", "--config", config)
    assert (code, err) == (0, "")
    assert not state_exists(postgres_url)  # a dry run makes no tables
    assert _writes(sandbox) == 0

    code, _, err = _run("sync", "--config", config)
    assert (code, err) == (0, "")
    assert len(sandbox.store.issues(REPO, include_pull_requests=False)) == 2
    with psycopg.connect(postgres_url) as raw:
        row = raw.execute("SELECT count(*) FROM plansync.links").fetchone()
    assert row == (2,)
    plan = (tmp_path / "rollout.md").read_bytes()

    writes = _writes(sandbox)
    code, _, _ = _run("sync", "--config", config)
    assert code == 0
    assert _writes(sandbox) == writes
    assert (tmp_path / "rollout.md").read_bytes() == plan

    code, out, _ = _run("status", "--json", "--config", config)
    assert code == 0
    [status] = json.loads(out)["projects"]
    assert status["last_sync"] is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plansync.toml", "rollout.md"]


def test_a_run_that_finds_the_project_locked_elsewhere_stops_with_exit_1(
    tmp_path: Path, sandbox: SandboxServer, postgres_url: str
) -> None:
    config = _setup(tmp_path, sandbox, postgres_url)
    project = load_config(config).projects[0]
    with PostgresDatabase(postgres_url) as other, other.store(project.name, project.scope).lock():
        code, _, err = _run("sync", "--config", str(config))
    assert code == 1
    assert "Project rollout is being synced by another run" in " ".join(err.split())
    assert _writes(sandbox) == 0
    assert (tmp_path / "rollout.md").read_bytes() == PLAN

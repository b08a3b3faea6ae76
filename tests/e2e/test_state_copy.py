"""A project synced with its SQLite store, the store copied into PostgreSQL with `plansync state
copy`, the config pointed there: the next sync finds every link and writes nothing, neither to
the tracker nor to the plan, and later changes sync on from the copy."""

from __future__ import annotations

from collections.abc import Callable

from harness import ALL_SUMMARIES, SyncHarness
from typer.testing import CliRunner

from plansync.cli.app import app
from postgres_server import PostgresServer

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
PLAN = """# Launch plan ✅

## Phase 1: Foundations → beta

| ID | Task | Estimate | Status |
|----|------|----------|--------|
| LCH-1 | Draft the schema | 1h | |
| LCH-2 | Write the importer — v2 | 2h | |

## Phase 2: Ship 🚀

- [ ] **LCH-3**: Tag the release (depends on LCH-2)
- [x] **LCH-4**: Pick a name
""".encode()
KEYS = ("LCH-1", "LCH-2", "LCH-3", "LCH-4")


def test_a_sqlite_store_copied_into_postgresql_syncs_on_without_a_write(
    make_harness: MakeHarness, postgres_server: PostgresServer
) -> None:
    harness = make_harness({NAME: PLAN}, summary_toml=ALL_SUMMARIES)
    first = harness.sync()
    assert first.ok, first.failed
    assert harness.sync().ok  # settled: the next run has nothing to do
    with harness.state() as store:
        links = store.links()
        milestone_links = store.milestone_links()
        blocks = store.written_blocks()
    assert sorted(task.key for task in links) == sorted(KEYS)

    url = postgres_server.new_database()
    copied = CliRunner().invoke(app, ["state", "copy", str(harness.state_path), url])
    assert copied.exit_code == 0, copied.stderr
    harness.state_setting = url
    harness.reconfigure(summary_toml=ALL_SUMMARIES)
    assert harness.config().state_url == url

    issues = {issue.number: issue.title for issue in harness.issues()}
    plan = harness.plan(NAME)
    writes = harness.writes()
    result = harness.sync()
    assert result.ok, result.failed
    assert result.actions == []
    assert harness.writes() == writes, "the first sync from the copy wrote to the tracker"
    assert harness.plan(NAME) == plan
    assert {issue.number: issue.title for issue in harness.issues()} == issues
    assert all(len(numbers) == 1 for numbers in harness.issues_by_task().values())
    with harness.state() as store:
        assert store.links() == links
        assert store.milestone_links() == milestone_links
        assert store.written_blocks() == blocks

    # The copy is live: a close on the tracker ticks its task through the PostgreSQL store.
    number = next(link.number for task, link in links.items() if task.key == "LCH-1")
    harness.store.close_issue(harness.repo, number)
    ticked = harness.sync()
    assert ticked.ok, ticked.failed
    assert _row(harness.plan(NAME), b"| LCH-1 |") != _row(plan, b"| LCH-1 |")
    assert _row(harness.plan(NAME), b"| LCH-2 |") == _row(plan, b"| LCH-2 |")
    again = harness.writes()
    assert harness.sync().actions == []
    assert harness.writes() == again


def _row(data: bytes, start: bytes) -> bytes:
    [line] = [line for line in data.splitlines() if line.startswith(start)]
    return line

"""`plansync sync` as a person runs it against the sandbox: exit codes, the summary line, the
dry run's table and diff, --json, and one clear paragraph on stderr for every bad input, with
nothing written anywhere."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app
from plansync.config.load import load_config
from plansync.sandbox.server import SandboxServer
from plansync.state.open import open_state, state_exists

TOKEN_ENV = "PLANSYNC_CLI_TOKEN"
REPOS = {"github": "demo/plans", "gitlab": "group/sub/project"}
MISSING = {"github": "demo/missing", "gitlab": "group/sub/missing"}
PLAN = b"""# Team Plan

## Phase 1: Build

| ID | Task | Estimate | Status |
|----|------|----------|--------|
| TM-001 | Draft the schema | 1h | |
| TM-002 | Write the importer | 2h | |
| TM-003 | Review the importer | 30min | |

## Phase 2: Ship

- [ ] **TM-101**: Tag the release
- [ ] **TM-102**: Announce it
- [ ] Archive the old board
"""
TASKS = 6
runner = CliRunner()


@dataclass
class Project:
    """A folder with planfiles and a config syncing them with one sandbox repository."""

    root: Path
    sandbox: SandboxServer
    kind: str

    @property
    def config(self) -> Path:
        return self.root / "plansync.toml"

    @property
    def repo(self) -> str:
        return REPOS[self.kind]

    def write_config(self, *, repo: str | None = None, project: str = "") -> None:
        if self.kind == "github":
            where = f'base_url = "{self.sandbox.github_api_url}"\n'
        else:
            where = f'url = "{self.sandbox.gitlab_url}"\nnotes_pacing = {{ enabled = false }}\n'
        self.config.write_text(
            '[[projects]]\nname = "demo"\nplans = ["*.md"]\n'
            f"{project}"
            f'[projects.tracker]\nkind = "{self.kind}"\nrepo = "{repo or self.repo}"\n'
            f'token_env = "{TOKEN_ENV}"\npacing = {{ enabled = false }}\n{where}',
            encoding="utf-8",
        )

    def plan(self, name: str = "team.md") -> bytes:
        return (self.root / name).read_bytes()

    def sync(self, *args: str, token: str | None = "test-token") -> Run:
        env = {TOKEN_ENV: token} if token is not None else {}
        result = runner.invoke(app, ["sync", "--config", str(self.config), *args], env=env)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"plansync sync raised {result.exception!r}"
        )
        return Run(result.exit_code, result.stdout, result.stderr)

    def writes(self) -> int:
        log = self.sandbox.store.requests
        return sum(n for method, n in log.by_method().items() if method != "GET")

    def left_nothing(self) -> bool:
        """No state store, lock or anything else beside the plan and the config."""
        return sorted(p.name for p in self.root.iterdir()) == sorted(
            [self.config.name, *(p.name for p in self.root.glob("*.md"))]
        )

    def state(self) -> tuple[object, ...]:
        """What the state store remembers of the project: links, cursors, cached issues."""
        config = load_config(self.config)
        project = config.projects[0]
        with open_state(config.state_url) as database:
            store = database.store(project.name, project.scope)
            return (
                store.links(),
                store.cursor("issues"),
                store.cursor("milestones"),
                store.cached_issues(),
            )


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def one_paragraph_error(err: str, *names: str) -> None:
    """stderr is one paragraph starting `error:`, naming each of `names`, with no traceback."""
    text = err.strip()
    assert text.startswith("error:"), err
    assert "\n\n" not in text, err
    assert "Traceback" not in text, err
    for name in names:
        assert name in text, f"{name!r} is not named in: {err}"


@pytest.fixture(params=["github", "gitlab"])
def project(request: pytest.FixtureRequest, sandbox: SandboxServer, tmp_path: Path) -> Project:
    made = Project(tmp_path / "work", sandbox, str(request.param))
    made.root.mkdir()
    (made.root / "team.md").write_bytes(PLAN)
    made.write_config()
    return made


@pytest.fixture
def synced(project: Project) -> Project:
    run = project.sync()
    assert run.code == 0, run
    return project


class TestSync:
    def test_first_sync_exits_0_with_the_summary_line(self, project: Project) -> None:
        run = project.sync()

        assert run.code == 0, run
        assert run.err == ""
        summary = run.out.strip().splitlines()[-1]
        assert re.fullmatch(
            rf"demo: done: {TASKS} created, 0 updated, 0 closed, 0 reopened, 0 ticked, "
            rf"0 conflicts, 0 failed, {TASKS} linked, [1-9]\d* summaries; \d+ requests",
            summary,
        ), summary
        assert len(project.sandbox.store.issues(project.repo)) == TASKS
        assert b"| TM-001 | Draft the schema (#1) | 1h | |" in project.plan()

    def test_a_second_sync_changes_nothing(self, synced: Project) -> None:
        plan, writes = synced.plan(), synced.writes()
        run = synced.sync()

        assert run.code == 0, run
        assert synced.plan() == plan
        assert synced.writes() == writes
        assert "0 created, 0 updated, 0 closed" in run.out

    def test_json_is_one_object(self, project: Project) -> None:
        run = project.sync("--json")

        assert run.code == 0, run
        data = json.loads(run.out)
        assert [p["project"] for p in data["projects"]] == ["demo"]
        (report,) = data["projects"]
        assert report["ok"] is True
        assert report["dry_run"] is False
        assert report["counts"]["created"] == TASKS
        creates = [a for a in report["actions"] if a["action"] == "create issue"]
        assert len(creates) == TASKS
        assert {a["status"] for a in creates} == {"applied"}

    def test_project_option_picks_the_project(self, project: Project) -> None:
        run = project.sync("--project", "demo")

        assert run.code == 0, run
        assert "demo: done:" in run.out


class TestDryRun:
    def test_prints_the_actions_and_the_diff_and_writes_nothing(self, synced: Project) -> None:
        (number,) = [
            i.number
            for i in synced.sandbox.store.issues(synced.repo)
            if i.title.startswith("[TM-002]")
        ]
        synced.sandbox.store.close_issue(synced.repo, number, "completed")
        plan_path = synced.root / "team.md"
        before, mtime = plan_path.read_bytes(), plan_path.stat().st_mtime_ns
        state = synced.state()
        writes = synced.writes()

        run = synced.sync("--dry-run")

        assert run.code == 0, run
        assert "would do" in run.out
        assert "plan: tick" in run.out
        assert "team.md#TM-002" in run.out
        assert f"-| TM-002 | Write the importer (#{number}) | 2h | |" in run.out
        assert f"+| TM-002 | Write the importer (#{number}) | 2h | Done |" in run.out
        assert re.search(r"dry run, would do: .*1 ticked", run.out)
        assert plan_path.read_bytes() == before
        assert plan_path.stat().st_mtime_ns == mtime
        assert synced.writes() == writes
        assert synced.state() == state

        # The real run then does what the dry run showed.
        assert synced.sync().code == 0
        assert f"| TM-002 | Write the importer (#{number}) | 2h | Done |".encode() in synced.plan()

    def test_first_dry_run_creates_no_state_file_and_no_issue(self, project: Project) -> None:
        run = project.sync("--dry-run")

        assert run.code == 0, run
        assert run.out.count("create issue") == TASKS
        assert project.plan() == PLAN
        assert project.writes() == 0
        assert not state_exists(load_config(project.config).state_url)
        assert project.sandbox.store.issues(project.repo) == []


class TestBadInput:
    """Exit 2, one paragraph on stderr naming what is wrong, and nothing written."""

    def test_unknown_project(self, project: Project) -> None:
        run = project.sync("--project", "nope")

        assert run.code == 2, run
        one_paragraph_error(run.err, "'nope'", "demo")
        assert project.sandbox.store.requests.entries == []

    def test_unknown_repository(self, project: Project) -> None:
        project.write_config(repo=MISSING[project.kind])
        run = project.sync()

        assert run.code == 2, run
        one_paragraph_error(run.err, MISSING[project.kind], "404")
        assert project.writes() == 0
        assert project.plan() == PLAN
        assert project.left_nothing()

    def test_refused_token(self, project: Project) -> None:
        run = project.sync(token="bad-token")

        assert run.code == 2, run
        one_paragraph_error(run.err, project.repo, "401")
        assert "bad-token" not in run.err + run.out
        assert project.writes() == 0
        assert project.plan() == PLAN
        assert project.left_nothing()

    def test_a_refused_token_names_the_variable_it_came_from(self, project: Project) -> None:
        """The config reads the token from PLANSYNC_CLI_TOKEN: that is what to fix."""
        run = project.sync(token="bad-token")

        assert run.code == 2, run
        one_paragraph_error(run.err, TOKEN_ENV)

    def test_token_variable_unset(self, project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv(TOKEN_ENV, raising=False)
        run = project.sync(token=None)

        assert run.code == 2, run
        one_paragraph_error(run.err, TOKEN_ENV, project.repo)
        assert project.sandbox.store.requests.entries == []
        assert project.plan() == PLAN

    def test_a_plan_that_cannot_be_opened(self, project: Project) -> None:
        (project.root / "gone.md").symlink_to(project.root / "nowhere.md")
        run = project.sync()

        assert run.code == 2, run
        one_paragraph_error(run.err, "gone.md")
        assert project.sandbox.store.requests.entries == []
        assert project.plan() == PLAN

    def test_unreadable_planfile(self, project: Project) -> None:
        (project.root / "broken.md").write_bytes(b"# Broken\n\n- [ ] caf\xe9 \xff\n")
        run = project.sync()

        assert run.code == 2, run
        one_paragraph_error(run.err, "broken.md", "line 3")
        assert project.sandbox.store.requests.entries == []  # the tracker was not touched
        assert project.plan() == PLAN

    @pytest.mark.parametrize(
        ("setting", "named"),
        [
            ('direction = "sideways"\n', "projects[0].direction"),
            ('colour = "red"\n', "projects[0].colour"),
        ],
        ids=["bad-direction", "unknown-key"],
    )
    def test_invalid_config(self, project: Project, setting: str, named: str) -> None:
        project.write_config(project=setting)
        run = project.sync()

        assert run.code == 2, run
        one_paragraph_error(run.err, str(project.config), named)
        assert project.sandbox.store.requests.entries == []
        assert project.plan() == PLAN


class TestFailingAction:
    def test_exit_1_naming_the_action_and_the_others_applied(self, project: Project) -> None:
        # TM-002's owner maps to alice, then to a user with no role on the repository: both
        # trackers refuse to assign them, so that one update fails and the close goes ahead.
        owned = PLAN.replace(
            b"| Status |\n|----|------|----------|--------|",
            b"| Status | Owner |\n|----|------|----------|--------|-------|",
        ).replace(
            b"| TM-002 | Write the importer | 2h | |",
            b"| TM-002 | Write the importer | 2h | | ghost |",
        )
        (project.root / "team.md").write_bytes(owned)
        project.sandbox.store.set_permission(project.repo, "alice", "write")
        project.write_config(project='people = { ghost = "alice" }\n')
        assert project.sync().code == 0
        project.write_config(project='people = { ghost = "ghost" }\n')
        ticked = project.plan().replace(b"- [ ] **TM-101**", b"- [x] **TM-101**")
        (project.root / "team.md").write_bytes(ticked)
        run = project.sync()

        assert run.code == 1, run
        failed = [line for line in run.out.splitlines() if line.startswith("failed")]
        assert len(failed) == 1, run.out
        assert "update #2" in failed[0]
        assert "ghost" in failed[0] or "assignees" in failed[0]
        assert re.search(r"1 closed, .*1 failed", run.out)
        assert project.sandbox.store.issue(project.repo, 4).state == "closed"


class TestStatus:
    """`plansync status`: the figures of the last sync, from the state store and the plans,
    without a call to the tracker."""

    def status(self, project: Project, *args: str) -> Run:
        result = runner.invoke(app, ["status", "--config", str(project.config), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return Run(result.exit_code, result.stdout, result.stderr)

    def test_before_any_sync_every_task_is_not_synced_yet_and_nothing_is_created(
        self, project: Project
    ) -> None:
        run = self.status(project, "--json")
        assert run.code == 0, run
        (demo,) = json.loads(run.out)["projects"]
        assert demo["last_sync"] is None
        (plan,) = demo["plans"]
        assert plan["coverage"]["linked"] == 0
        assert {t["unlinked"] for t in plan["coverage"]["missing"]} == {"pending"}
        assert project.left_nothing()

    def test_after_a_sync_it_shows_the_blocks_figures_without_asking_the_tracker(
        self, synced: Project
    ) -> None:
        synced.sandbox.store.requests.clear()
        run = self.status(synced, "--json")
        assert run.code == 0, run
        assert synced.sandbox.store.requests.entries == []
        (demo,) = json.loads(run.out)["projects"]
        assert demo["last_sync"] is not None
        (plan,) = demo["plans"]
        assert plan["planfile"] == "team.md"
        assert plan["overall"]["done"] == 0
        assert plan["overall"]["total"] == TASKS
        assert plan["overall"]["percent"] == 0
        assert plan["coverage"]["linked"] == TASKS
        assert [m["title"] for m in plan["milestones"]] == ["Phase 1: Build", "Phase 2: Ship"]
        block = synced.plan().decode()
        assert f"**Coverage:** {TASKS} / {TASKS} tasks linked to an issue." in block

        table = self.status(synced)
        assert table.code == 0, table
        assert "team.md: Team Plan: 0 / 6 done (0%)" in table.out
        assert "Phase 1: Build" in table.out
        assert "6 / 6 tasks linked" in table.out

    def test_an_unknown_project_is_one_clear_error(self, project: Project) -> None:
        run = self.status(project, "--project", "nope")
        assert run.code == 2
        one_paragraph_error(run.err, "nope")


def test_sync_help_says_runs_carry_out_comment_commands() -> None:
    result = runner.invoke(app, ["sync", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "carries out the `/plan` commands of new issue comments" in text
    assert "answers nobody" in text

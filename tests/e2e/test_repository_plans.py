"""Planfiles read from and written to the tracker's repository (`plans_source.kind =
"repository"`), against the sandbox's GitHub and GitLab through the real clients.

The reference is the same story synced from a local folder: after every run the repository's
file holds exactly the bytes the local file holds, and each run that changed a plan made one
commit, whose message starts with `plansync:`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from harness import ALL_SUMMARIES, SteppingClock, SyncHarness

from plansync.errors import ConfigError
from plansync.sandbox.server import SandboxServer
from plansync.sync.result import RunResult

NAME = "plans/plan.md"
PLAN = """# Demo plan 🚀

**Owner:** Dev 1

## Phase 1: Foundations

- [ ] Write the parser → v1
- [ ] Write the editor
- [x] Pick a name

## Phase 2: Delivery

| ID | Task | Estimate | Status | Issue |
|----|------|----------|--------|-------|
| T1 | Ship the CLI | 90min | Todo | |
| T2 | Write the docs | 2h | Todo | |
""".replace("\n", "\r\n").encode("utf-8")
PARSER = "phase-1-foundations/write-the-parser-v1"
REPOSITORY = '[projects.plans_source]\nkind = "repository"\nwrite = "{write}"\n'


def repository_harness(
    tmp_path: Path, sandbox: SandboxServer, kind: str, write: str = "commit", **options: str
) -> SyncHarness:
    harness = SyncHarness.create(
        tmp_path / "repository",
        sandbox,
        kind,
        {},
        project_toml=REPOSITORY.format(write=write),
        **options,
    )
    sandbox.store.put_file(harness.repo, NAME, PLAN, user="alice")
    sandbox.store.put_file(harness.repo, "README.md", b"not a plan\n", user="alice")
    return harness


def repo_plan(harness: SyncHarness, branch: str | None = None) -> bytes:
    repo = harness.store.repo(harness.repo)
    if branch is None:
        return harness.store.file(harness.repo, NAME).content
    return repo.git.blobs[(repo.git.files_at(branch) or {})[NAME]]


def commit_messages(harness: SyncHarness, branch: str = "main") -> list[str]:
    """The branch's commits, newest first, following first parents."""
    git = harness.store.repo(harness.repo).git
    commit = git.resolve(branch)
    messages = []
    while commit is not None:
        messages.append(commit.message)
        commit = git.commits.get(commit.parents[0]) if commit.parents else None
    return messages


Story = Callable[[SyncHarness, Callable[[], bytes], Callable[[bytes], None]], list[RunResult]]


def story(
    harness: SyncHarness, read: Callable[[], bytes], write: Callable[[bytes], None]
) -> list[RunResult]:
    """First sync; an issue closed and a task ticked; an issue retitled; a quiet run."""
    results = [harness.sync()]
    store, repo = harness.store, harness.repo
    parser = harness.number(NAME, PARSER)
    store.close_issue(repo, parser, user="alice")
    write(read().replace(b"- [ ] Write the editor", b"- [x] Write the editor"))
    results.append(harness.sync())
    t1 = harness.number(NAME, "T1")
    store.update_issue(repo, t1, title="Ship the command line", user="alice")
    results.append(harness.sync())
    results.append(harness.sync())
    return results


def local_bytes(tmp_path: Path, sandbox: SandboxServer, kind: str) -> list[bytes]:
    """The story from a local folder: the planfile's bytes after each run."""
    sandbox.reset()
    sandbox.store.set_clock(SteppingClock())
    harness = SyncHarness.create(
        tmp_path / "local", sandbox, kind, {NAME: PLAN}, summary_toml=ALL_SUMMARIES
    )
    after: list[bytes] = []

    def write(data: bytes) -> None:
        harness.write_plan(NAME, data)

    def read() -> bytes:
        return harness.plan(NAME)

    results = []
    original = harness.sync
    harness.sync = lambda **kw: _record(original(**kw), after, read)  # type: ignore[method-assign]
    results = story(harness, read, write)
    assert all(r.ok for r in results), [r.failed for r in results]
    sandbox.reset()
    sandbox.store.set_clock(SteppingClock())
    return after


def _record(result: RunResult, after: list[bytes], read: Callable[[], bytes]) -> RunResult:
    after.append(read())
    return result


class TestRepositoryMatchesLocal:
    def test_each_run_leaves_the_local_runs_bytes_in_one_commit(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        expected = local_bytes(tmp_path, sandbox, kind)
        harness = repository_harness(tmp_path, sandbox, kind, summary_toml=ALL_SUMMARIES)
        after: list[bytes] = []
        commits: list[int] = []

        def read() -> bytes:
            return repo_plan(harness)

        def write(data: bytes) -> None:
            harness.store.put_file(harness.repo, NAME, data, user="alice")

        original = harness.sync

        def sync(**options: object) -> RunResult:
            before = len(commit_messages(harness))
            result = original(**options)  # type: ignore[arg-type]
            after.append(read())
            commits.append(len(commit_messages(harness)) - before)
            return result

        harness.sync = sync  # type: ignore[method-assign]
        results = story(harness, read, write)
        assert all(r.ok for r in results), [r.failed for r in results]
        assert after == expected
        assert commits == [1, 1, 1, 0], commit_messages(harness)  # the quiet run commits nothing
        own = [m for m in commit_messages(harness) if m.startswith("plansync:")]
        assert len(own) == 3
        assert all(m.endswith("[skip ci]") for m in own)
        assert own[1] == "plansync: 1 task ticked, summaries [skip ci]", own
        assert harness.store.file(harness.repo, "README.md").content == b"not a plan\n"

    def test_a_dry_run_shows_the_edits_and_pushes_nothing(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        harness = repository_harness(tmp_path, sandbox, kind, summary_toml=ALL_SUMMARIES)
        before = commit_messages(harness)
        result = harness.sync(dry_run=True)
        assert result.ok
        assert NAME in result.diffs
        assert result.diffs[NAME][0] == PLAN
        assert commit_messages(harness) == before
        assert repo_plan(harness) == PLAN
        assert harness.issues() == []


class TestQuietRun:
    def test_an_unchanged_github_branch_costs_one_304(
        self, sandbox: SandboxServer, tmp_path: Path
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, "github")
        assert harness.sync().ok
        assert harness.sync().ok
        log = sandbox.store.requests
        log.clear()
        result = harness.sync()
        assert result.ok
        assert not result.actions
        statuses = [entry.status for entry in log.entries]
        # The branch, issues, milestones and comments.
        assert statuses == [304, 304, 304, 304], log.entries

    def test_an_unchanged_gitlab_branch_reads_its_head_only(
        self, sandbox: SandboxServer, tmp_path: Path
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, "gitlab")
        assert harness.sync().ok
        assert harness.sync().ok
        log = sandbox.store.requests
        log.clear()
        assert harness.sync().ok
        paths = [entry.path for entry in log.entries]
        assert not any("/repository/tree" in p or "/repository/files" in p for p in paths)
        assert sum("/repository/branches/" in p for p in paths) == 1


class TestConcurrentPush:
    def test_a_push_between_read_and_commit_survives_and_ours_goes_on_top(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str, hook_writes: Callable[..., object]
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, kind)
        assert harness.sync().ok
        parser = harness.number(NAME, PARSER)
        harness.store.close_issue(harness.repo, parser, user="alice")
        theirs = repo_plan(harness).replace(b"Ship the CLI", b"Ship the CLI tool")

        def push_theirs(n: int, name: str) -> None:
            if name == "commit_files" and b"CLI tool" not in repo_plan(harness):
                harness.store.put_file(harness.repo, NAME, theirs, user="alice")

        tracker = hook_writes(harness.tracker(), before=push_theirs)
        result = harness.sync(tracker=tracker)  # type: ignore[arg-type]
        assert result.ok, result.failed
        data = repo_plan(harness)
        assert b"Ship the CLI tool" in data  # their commit survived
        assert b"- [x] Write the parser" in data  # ours was made again on top
        messages = commit_messages(harness)
        assert messages[0].startswith("plansync:")
        assert messages[1] == ""
        assert harness.sync().ok
        assert repo_plan(harness) == data


class TestProtectedBranch:
    @pytest.mark.parametrize("write", ["auto", "pull-request"])
    def test_the_edits_go_to_one_pull_request_updated_by_later_runs(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str, write: str
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, kind, write=write)
        if write == "auto":
            harness.store.protect_branch(harness.repo, "main")
        first = harness.sync()
        assert first.ok, first.failed
        assert repo_plan(harness) == PLAN  # main untouched
        pulls = harness.store.repo(harness.repo).pulls
        assert len(pulls) == 1
        pull = next(iter(pulls.values()))
        assert (pull.head, pull.base) == ("plansync/main", "main")
        said = [n.message for n in first.notices if "refuses" in n.message]
        assert len(said) == (1 if write == "auto" else 0)
        linked = repo_plan(harness, "plansync/main")
        assert linked != PLAN
        harness.store.close_issue(harness.repo, harness.number(NAME, PARSER), user="alice")
        second = harness.sync()
        assert second.ok, second.failed
        assert not [n for n in second.notices if "refuses" in n.message]
        assert len(harness.store.repo(harness.repo).pulls) == 1
        assert b"- [x] Write the parser" in repo_plan(harness, "plansync/main")
        assert commit_messages(harness, "plansync/main")[0].startswith("plansync:")
        assert not harness.sync().actions  # the proposal is what the plan holds for it


class TestRefusedCommit:
    def test_edits_a_protected_branch_refuses_wait_and_nothing_is_undone(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, kind, write="commit")
        assert harness.sync().ok
        parser = harness.number(NAME, PARSER)
        harness.store.protect_branch(harness.repo, "main")
        harness.store.close_issue(harness.repo, parser, user="alice")
        refused = harness.sync()
        assert not refused.ok
        assert all("not pushed" in r.detail for r in refused.failed)
        again = harness.sync()  # the tick is still to push: the issue is not reopened
        assert harness.issue(parser).state == "closed"
        assert not [a for a in again.actions if "Reopen" in type(a).__name__]
        harness.store.protect_branch(harness.repo, "main", protected=False)
        assert harness.sync().ok
        assert b"- [x] Write the parser" in repo_plan(harness)
        assert harness.issue(parser).state == "closed"
        assert not harness.store.repo(harness.repo).pulls


class TestStatus:
    def test_status_reads_the_working_copy_without_a_request(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str
    ) -> None:
        from plansync.sync.status import project_status

        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, kind)
        config = harness.config()
        with pytest.raises(ConfigError, match="no run has read them yet"):
            project_status(config, config.projects[0], date.today())
        assert harness.sync().ok
        sandbox.store.requests.clear()
        found = project_status(config, config.projects[0], date.today())
        assert sandbox.store.requests.entries == []
        [figures] = [f for f in found.plans if f.planfile == NAME]
        assert (figures.overall.done, figures.overall.total) == (1, 5)


class TestSeveralFiles:
    def test_two_plans_go_in_one_commit_on_top_of_a_push_of_another_file(
        self, sandbox: SandboxServer, tmp_path: Path, kind: str, hook_writes: Callable[..., object]
    ) -> None:
        sandbox.store.set_clock(SteppingClock())
        harness = repository_harness(tmp_path, sandbox, kind)
        other = "plans/other.md"
        harness.store.put_file(harness.repo, other, b"# Other\n\n- [ ] Write the tests\n")
        assert harness.sync().ok
        for name, key in ((NAME, PARSER), (other, "write-the-tests")):
            harness.store.close_issue(harness.repo, harness.number(name, key), user="alice")

        def push_other_file(n: int, name: str) -> None:
            if (
                name == "commit_files"
                and b"moved" not in harness.store.file(harness.repo, "README.md").content
            ):
                harness.store.put_file(harness.repo, "README.md", b"moved\n", user="bob")

        before = len(commit_messages(harness))
        tracker = hook_writes(harness.tracker(), before=push_other_file)
        result = harness.sync(tracker=tracker)  # type: ignore[arg-type]
        assert result.ok, result.failed
        assert harness.store.file(harness.repo, "README.md").content == b"moved\n"
        assert b"- [x] Write the parser" in repo_plan(harness)
        assert b"- [x] Write the tests" in harness.store.file(harness.repo, other).content
        messages = commit_messages(harness)
        assert len(messages) - before == 2  # bob's and plansync's one
        assert messages[0] == "plansync: 2 tasks ticked [skip ci]"

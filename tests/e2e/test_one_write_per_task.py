"""A first sync makes one write per new task: each issue is created with its labels (estimate
and priority included), milestone, assignees and a body that links its dependencies, in one
request; the only other writes are the milestones and labels those issues need. Counted in
the sandbox's request log, on GitHub and GitLab.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from harness import SyncHarness

from plansync.model.changeset import CreateIssue, Status

PLAN = "plan.md"
MakeHarness = Callable[..., SyncHarness]

# Dependencies written after the tasks that need them, so a create in document order could not
# link them: the run creates each dependency first.
TASKS = """# Launch 🚀

## Phase 1: Build → ship

- [ ] API-3: Publish the docs (1h) (P2)
  - Owner: @ann
  - Depends on: API-2
- [ ] API-2: Wire the endpoint (3h) (P1)
  - Owner: @ann
  - Depends on: API-1
- [ ] API-1: Sketch the schema (90min) (P0)
  - Owner: @bob

## Phase 2: Polish

| ID | Task | Estimate | Priority | Owner |
|----|------|----------|----------|-------|
| UI-2 | Dark mode ✨ | 2h | P3 | @bob |
| UI-1 | Theme tokens | 30min | P1 | @ann |
"""
PEOPLE = '[projects.people]\nann = "alice"\nbob = "bobby"\n'


def _issue_writes(harness: SyncHarness) -> Counter[str]:
    """The write requests the sandbox logged, by kind: issue creates, issue changes, other."""
    kinds: Counter[str] = Counter()
    for entry in harness.store.requests.entries:
        if entry.method == "GET":
            continue
        path = entry.path.split("?")[0]
        if path.endswith("/issues") and entry.method == "POST":
            kinds["create issue"] += 1
        elif "/issues/" in path:
            kinds[f"{entry.method} {path.split('/issues/')[1]}"] += 1
        elif path.endswith("/milestones"):
            kinds["create milestone"] += 1
        elif path.endswith("/labels"):
            kinds["create label"] += 1
        else:
            kinds[f"{entry.method} {path}"] += 1
    return kinds


class TestAFirstSyncWritesEachIssueOnce:
    def test_one_create_per_task_and_nothing_after(self, make_harness: MakeHarness) -> None:
        harness = make_harness({PLAN: TASKS.encode()}, project_toml=PEOPLE)
        for login in ("alice", "bobby"):
            harness.store.set_permission(harness.repo, login, "write")

        first = harness.sync()

        assert first.ok, [r.detail for r in first.failed]
        creates = [r for r in first.results if isinstance(r.action, CreateIssue)]
        assert [r.status for r in creates] == [Status.APPLIED] * 5
        writes = _issue_writes(harness)
        assert writes["create issue"] == 5, writes
        assert writes["create milestone"] == 2, writes
        # Nothing but creates: no issue is patched, labelled or estimated after it was made.
        others = {k: n for k, n in writes.items() if not k.startswith("create ")}
        assert others == {}, writes

        numbers = {key.split("#")[1]: n[0] for key, n in harness.issues_by_task().items()}
        api2 = harness.issue(numbers["API-2"])
        assert f"#{numbers['API-1']}" in api2.body
        assert api2.assignees == ["alice"]
        assert api2.milestone is not None
        assert f"#{numbers['API-2']}" in harness.issue(numbers["API-3"]).body
        assert harness.issue(numbers["UI-1"]).assignees == ["alice"]
        api1 = harness.tracker().get_issue(numbers["API-1"])
        assert api1 is not None
        assert api1.estimate_minutes == 90
        assert "priority: blocker" in api1.labels  # P0

        harness.store.requests.clear()
        quiet = harness.sync()
        assert quiet.ok
        assert harness.writes() == 0


CYCLE = """# Cycle

## Phase 1: Loop

- [ ] CYC-1: One half (1h)
  - Depends on: CYC-2
- [ ] CYC-2: Other half (1h)
  - Depends on: CYC-1
- [ ] CYC-3: Outside the loop (1h)
  - Depends on: CYC-2
"""


class TestADependencyCycle:
    def test_the_task_that_closes_it_gets_its_link_in_a_second_pass(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: CYCLE.encode()})

        first = harness.sync()

        assert first.ok, [r.detail for r in first.failed]
        writes = _issue_writes(harness)
        assert writes["create issue"] == 3, writes
        # The one task of the cycle created before its dependency existed: one body update.
        patches = {k: n for k, n in writes.items() if not k.startswith("create ")}
        assert sum(patches.values()) == 1, writes
        numbers = {key.split("#")[1]: n[0] for key, n in harness.issues_by_task().items()}
        assert f"#{numbers['CYC-2']}" in harness.issue(numbers["CYC-1"]).body
        assert f"#{numbers['CYC-1']}" in harness.issue(numbers["CYC-2"]).body
        assert f"#{numbers['CYC-2']}" in harness.issue(numbers["CYC-3"]).body
        harness.store.requests.clear()
        assert harness.sync().ok
        assert harness.writes() == 0

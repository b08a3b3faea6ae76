"""Quiet stays quiet at any size: with more milestones and issues than one page holds, a run
with nothing to do costs one conditional read a page of milestones plus one each for issues
and comments, all answered 304 (GitHub); a run that makes k changes costs k writes and at most
3 reads answered 200, and the run after it is quiet again. Counted in the sandbox's request
log, through the real clients.

GitLab's REST API sends ETags but does not answer `If-None-Match` with 304 (its conditional
caching covers only some of its own web endpoints), and its milestone list is read whole: there
a quiet run costs one read for issues (filtered by `updated_after`), one a page of milestones and
one for notes, whatever the number of issues, and a change costs its writes and the same reads
again after them.
"""

from __future__ import annotations

from datetime import datetime

from harness import SteppingClock, SyncHarness

from conftest import MakeHarness
from plansync.sandbox.requestlog import LoggedRequest

PLAN = "plan.md"
TASKS = 30
OTHER_ISSUES = 240  # beside the plan's: three pages of issues in all
OTHER_MILESTONES = 130  # beside the plan's two: two pages of milestones


class PacedClock(SteppingClock):
    """The sandbox's time moving 300 ms a reading: a run's writes spread over seconds, as
    paced writes are, rather than all landing within one (GitHub's `since` counts seconds)."""

    STEP = 0.3


def _plan() -> bytes:
    lines = ["# Release 🚀", "", "## Phase 1: Build → ship", ""]
    lines += [f"- [ ] REL-{n}: Step {n} → done (1h)" for n in range(1, TASKS + 1)]
    lines += ["", "## Phase 2: Polish", "", "- [ ] POL-1: Tidy up ✨"]
    return ("\n".join(lines) + "\n").encode()


def _crowded(make_harness: MakeHarness) -> SyncHarness:
    """A repository with many issues and milestones besides the plan's, synced once."""
    harness = make_harness({PLAN: _plan()})
    store = harness.store
    clock = PacedClock(datetime(2025, 3, 1, tzinfo=SteppingClock.DEFAULT_START.tzinfo))
    store.set_clock(clock)
    for n in range(OTHER_MILESTONES):
        store.create_milestone(harness.repo, f"Sprint {n}")
    for n in range(OTHER_ISSUES):
        store.create_issue(harness.repo, f"Someone else's issue {n}")
    first = harness.sync()
    assert first.ok, [r.detail for r in first.failed]
    clock.advance(3600)
    return harness


def _reads(entries: list[LoggedRequest]) -> list[LoggedRequest]:
    """The reads answered with a body (not 304)."""
    return [e for e in entries if e.method == "GET" and e.status != 304]


def _writes(entries: list[LoggedRequest]) -> list[LoggedRequest]:
    return [e for e in entries if e.method != "GET"]


def _pages(total: int) -> int:
    return -(-total // 100)


class TestAQuietRun:
    def test_costs_conditional_reads_only(self, make_harness: MakeHarness, kind: str) -> None:
        harness = _crowded(make_harness)
        log = harness.store.requests
        assert len(harness.issues()) == OTHER_ISSUES + TASKS + 1
        milestones = len(harness.store.milestones(harness.repo))
        assert milestones == OTHER_MILESTONES + 2
        assert harness.sync().ok  # settles what the first run's writes left to read
        log.clear()

        quiet = harness.sync()

        assert quiet.ok
        assert quiet.actions == []
        assert _writes(log.entries) == []
        milestone_reads = [e for e in log.entries if "/milestones" in e.path]
        assert len(milestone_reads) == _pages(milestones)
        assert len(log.entries) == _pages(milestones) + 2  # + issues, comments
        if kind == "github":
            assert log.by_status() == {"304": len(log.entries)}


class TestKChanges:
    def test_cost_k_writes_and_at_most_three_reads_then_quiet(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = _crowded(make_harness)
        log = harness.store.requests
        assert harness.sync().ok
        # Three changes in the plan: two tasks ticked, one renamed.
        harness.edit_plan(PLAN, b"- [ ] REL-3:", b"- [x] REL-3:")
        harness.edit_plan(PLAN, b"- [ ] REL-17:", b"- [x] REL-17:")
        harness.edit_plan(PLAN, b"Step 25 \xe2\x86\x92 done", b"Step 25 \xe2\x86\x92 shipped")
        log.clear()

        changed = harness.sync()

        assert changed.ok, [r.detail for r in changed.failed]
        assert len(_writes(log.entries)) == 3, _writes(log.entries)
        if kind == "github":
            assert len(_reads(log.entries)) <= 3, [(e.status, e.path) for e in log.entries]
        log.clear()

        after = harness.sync()

        assert after.ok
        assert after.actions == []
        assert _writes(log.entries) == []
        if kind == "github":
            assert log.by_status() == {"304": len(log.entries)}

    def test_an_estimate_change_reads_no_issue_it_has_just_written(
        self, make_harness: MakeHarness, kind: str
    ) -> None:
        harness = _crowded(make_harness)
        log = harness.store.requests
        assert harness.sync().ok
        harness.edit_plan(PLAN, b"Step 9 \xe2\x86\x92 done (1h)", b"Step 9 \xe2\x86\x92 done (3h)")
        number = harness.number(PLAN, "REL-9")
        log.clear()

        changed = harness.sync()

        assert changed.ok, [r.detail for r in changed.failed]
        single = [e for e in log.entries if e.method == "GET" and e.path.endswith(f"/{number}")]
        assert single == []
        if kind == "github":
            assert len(_reads(log.entries)) <= 3, [(e.status, e.path) for e in log.entries]
            log.clear()
            assert harness.sync().actions == []
            assert log.by_status() == {"304": len(log.entries)}

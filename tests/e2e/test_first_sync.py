"""The first sync of each shared plan, and the quiet second one, on GitHub and GitLab, with
every summary on.

A first sync makes exactly one issue per synced task (criteria excluded), the plan's milestones
and its tracking issue, and changes the planfile by the issue references and the summary block
only: every other line keeps its bytes, and the reader reads every task as before, now carrying
its issue's reference. A second sync with no change writes nothing anywhere; on GitHub it costs
at most 3 requests, all answered 304.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import ALL_SUMMARIES, SyncHarness

from plansync.model.changeset import Status
from plansync.model.plan import PlanDocument, Task
from plansync.planfile.lines import split_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sandbox.server import SandboxServer
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END
from plansync.sync.desired import tracker_title
from plansync.sync.result import RunResult
from plansync.trackers.markers import find_tracking_marker

MakeHarness = Callable[..., SyncHarness]

# Plan 000's table and milestone headings reference issues #1..#68 of its own repository.
PLAN_000_ISSUES = 68


@dataclass(frozen=True)
class SharedPlan:
    number: str
    synced: int  # tasks plansync syncs: the plan's tasks without its criteria
    milestones: tuple[str, ...]
    linked: int = 0  # tasks that link to an issue the plan references instead of a new one
    variant: str = ""  # how the bytes are changed first: "" (as shared), "crlf", "crlf+bom"


SHARED_PLANS = [
    SharedPlan(
        "000",
        30,
        (
            "Milestone 1: Critical Foundation",
            "Milestone 2: Protocol Implementations",
            "Milestone 3: Production Readiness",
            "Milestone 4: Future Enhancements",
        ),
        linked=26,
    ),
    SharedPlan("001", 16, ()),
    SharedPlan(
        "002",
        16,
        (
            "PHASE 1: EMERGENCY IMPLEMENTATION (Weeks 1-3)",
            "Week 1: Core Implementation",
            "Week 2: Supporting Functions",
            "Week 3: Hardening",
            "PHASE 2: SECURITY IMPLEMENTATION (Weeks 4-6)",
            "PHASE 3: OPERATIONAL SETUP (Weeks 7-8)",
            "PHASE 4: DISTRIBUTED FEATURES (Weeks 9-16)",
        ),
    ),
    SharedPlan("003", 20, ()),
    SharedPlan(
        "004",
        87,
        (
            "Week 1: Foundation (Days 1-5)",
            "Week 2: Integration & CLI (Days 6-10)",
            "Week 3: Testing & Benchmarks (Days 11-15)",
            "Week 4: Examples & Documentation (Days 16-20)",
            "Week 5: Documentation & Polish (Days 21-25)",
            "Week 6: Optional Enhancements (Days 26-30)",
        ),
    ),
]
# The same plans with other line endings and a BOM: their bytes must be kept as well.
VARIANTS = [
    SharedPlan("002", 16, SHARED_PLANS[2].milestones, variant="crlf+bom"),
    SharedPlan("003", 20, (), variant="crlf"),
]
ALL_PLANS = [
    pytest.param(p, id=f"{p.number}-{p.variant}" if p.variant else p.number)
    for p in (*SHARED_PLANS, *VARIANTS)
]

# Issue-cell words that stand for "no issue": the editor replaces them with the reference.
PLACEHOLDERS = {"", "-", "--", "—", "–", "tbd", "tba", "n/a", "na", "none", "internal"}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def shared_bytes(shared_dir: Path, plan: SharedPlan) -> bytes:
    (path,) = (shared_dir / "plans").glob(f"{plan.number}_*.txt")
    data = path.read_bytes()
    if "crlf" in plan.variant:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in plan.variant:
        data = b"\xef\xbb\xbf" + data
    return data


def plan_name(plan: SharedPlan) -> str:
    return f"{plan.number}_plan.md"


def first_sync(
    make_harness: MakeHarness, sandbox: SandboxServer, shared_dir: Path, plan: SharedPlan
) -> tuple[SyncHarness, bytes]:
    """A harness holding the plan, after its first sync; and the plan's bytes before it."""
    original = shared_bytes(shared_dir, plan)
    harness = make_harness({plan_name(plan): original}, summary_toml=ALL_SUMMARIES)
    if plan.number == "000":
        for number in range(1, PLAN_000_ISSUES + 1):
            sandbox.store.create_issue(harness.repo, f"Issue {number} of the plan's repository")
    result = harness.sync()
    assert result.ok, result.failed
    assert all(r.status is Status.APPLIED for r in result.results), result.results
    return harness, original


def issues_of(harness: SyncHarness, name: str) -> dict[str, int]:
    """Task key -> the (first) issue carrying its marker."""
    return {
        key.removeprefix(f"{name}#"): numbers[0]
        for key, numbers in harness.issues_by_task().items()
    }


def read(data: bytes, name: str) -> PlanDocument:
    return parse_plan(data, Path(name), ReaderRules())


def synced(document: PlanDocument) -> list[Task]:
    return [t for t in document.tasks if not t.criterion]


# -- the planfile: references added, the summary block, nothing else ----------------------------


def split_summary(data: bytes) -> tuple[bytes, list[bytes]]:
    """The planfile without its summary block, and the block's lines (markers included). The
    blank line inserted after a new block goes too: in the shared plans a heading or a rule
    follows the title's metadata, so the insertion added one."""
    lines = split_lines(data)
    markers = (SUMMARY_BEGIN.encode(), SUMMARY_END.encode())
    marks = [i for i, line in enumerate(lines) if line.strip() in markers]
    assert len(marks) == 2, f"summary markers on lines {[i + 1 for i in marks]}"
    begin, end = marks
    assert lines[end + 1].strip() == b"", "no blank line after the block"
    return b"".join(lines[:begin] + lines[end + 2 :]), lines[begin : end + 1]


def _line(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape").rstrip("\r\n")


def _ending(data: bytes) -> bytes:
    return data[len(data.rstrip(b"\r\n")) :]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in UNESCAPED_PIPE.split(line)]


def adds_only(old: str, new: str, reference: str) -> bool:
    """Whether `new` is `old` with `reference` added the way the editor adds it: ` (#N)` after
    a list item's text, or in one table cell (a placeholder replaced, `, #N` or ` (#N)` added)."""
    suffix = f" ({reference})"
    at = new.find(suffix)
    while at >= 0:
        if new[:at] + new[at + len(suffix) :] == old:
            return True
        at = new.find(suffix, at + 1)
    before, after = _cells(old), _cells(new)
    if "|" not in old or len(before) != len(after):
        return False
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    if len(changed) != 1:
        return False
    (cell, now) = changed[0]
    if now == reference:
        return cell.strip("*_` ").lower() in PLACEHOLDERS
    return now in (f"{cell}, {reference}", f"{cell} ({reference})")


def reference_problems(
    before: bytes, after: bytes, name: str, issue_of: dict[str, int]
) -> list[str]:
    """Every way `after` differs from `before` other than by the references of `issue_of`
    (task key -> its issue) added on the tasks' lines."""
    problems: list[str] = []
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    if len(old_lines) != len(new_lines):
        return [f"{len(old_lines)} lines became {len(new_lines)}"]
    task_at = {t.line: t for t in read(after, name).tasks}
    for n, (old, new) in enumerate(zip(old_lines, new_lines, strict=True), start=1):
        if old == new:
            continue
        task = task_at.get(n)
        if task is None or task.key not in issue_of:
            problems.append(f"line {n} holds no synced task, yet {old!r} became {new!r}")
        elif _ending(old) != _ending(new):
            problems.append(f"line {n}: its ending {_ending(old)!r} became {_ending(new)!r}")
        elif not adds_only(_line(old), _line(new), f"#{issue_of[task.key]}"):
            problems.append(f"line {n}: {old!r} became {new!r}, not only by its reference")
    return problems


def task_problems(before: PlanDocument, after: PlanDocument, issue_of: dict[str, int]) -> list[str]:
    """Every task read from the new bytes as it was read before, with its issue's reference
    added unless the plan already held it."""
    problems: list[str] = []
    if [t.key for t in before.tasks] != [t.key for t in after.tasks]:
        return ["the reader finds other tasks (or other keys) after the sync"]
    for old, new in zip(before.tasks, after.tasks, strict=True):
        seen = (old.title, old.done, old.milestone, old.kind, old.id, old.criterion)
        now = (new.title, new.done, new.milestone, new.kind, new.id, new.criterion)
        if seen != now:
            problems.append(f"{old.key}: read as {seen}, now {now}")
        numbers = [(r.repo, r.number) for r in old.issue_refs]
        if old.key in issue_of and (None, issue_of[old.key]) not in numbers:
            numbers.append((None, issue_of[old.key]))
        if [(r.repo, r.number) for r in new.issue_refs] != numbers:
            problems.append(
                f"{old.key}: references {[r.text for r in new.issue_refs]}, expected "
                f"{numbers} (issue #{issue_of.get(old.key)})"
            )
    return problems


# -- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ALL_PLANS)
class TestFirstSync:
    def test_one_issue_per_synced_task_and_the_plans_milestones(
        self,
        make_harness: MakeHarness,
        sandbox: SandboxServer,
        shared_dir: Path,
        plan: SharedPlan,
    ) -> None:
        harness, original = first_sync(make_harness, sandbox, shared_dir, plan)
        name = plan_name(plan)
        tasks = synced(read(original, name))
        assert len(tasks) == plan.synced

        seeded = PLAN_000_ISSUES if plan.number == "000" else 0
        issues = harness.issues()
        assert len(issues) == seeded + plan.synced - plan.linked + 1  # and the tracking issue
        tracking = [i for i in issues if find_tracking_marker(i.body) == name]
        assert len(tracking) == 1
        assert tracking[0].title.startswith("Plan: ")
        markers = harness.issues_by_task()
        assert {key: len(numbers) for key, numbers in markers.items()} == {
            f"{name}#{t.key}": 1 for t in tasks
        }
        assert all((i.body or "").count("<!-- plansync:task=") <= 1 for i in issues)
        issue_of = issues_of(harness, name)
        assert len(set(issue_of.values())) == plan.synced
        if plan.linked:
            referenced = [t for t in tasks if issue_of[t.key] in {r.number for r in t.issue_refs}]
            assert len(referenced) == plan.linked

        assert harness.milestone_titles() == sorted(plan.milestones)
        milestone_of = {m.number: m.title for m in sandbox.store.milestones(harness.repo)}
        for task in tasks:
            issue = harness.issue(issue_of[task.key])
            assert issue.title == tracker_title(task)
            assert milestone_of.get(issue.milestone) == task.milestone, task.key
            assert "plansync" in issue.labels
            assert (issue.state == "closed") == task.done, task.key

    def test_the_planfile_changes_by_the_issue_references_only(
        self,
        make_harness: MakeHarness,
        sandbox: SandboxServer,
        shared_dir: Path,
        plan: SharedPlan,
    ) -> None:
        harness, original = first_sync(make_harness, sandbox, shared_dir, plan)
        name = plan_name(plan)
        after, block = split_summary(harness.plan(name))
        issue_of = issues_of(harness, name)
        assert reference_problems(original, after, name, issue_of) == []
        before_doc, after_doc = read(original, name), read(after, name)
        assert after_doc.encoding == before_doc.encoding
        assert task_problems(before_doc, after_doc, issue_of) == []
        if before_doc.encoding.mojibake is not None:
            assert all(line.isascii() for line in block)  # no worse an encoding
        if plan.variant:
            assert after.startswith(b"\xef\xbb\xbf") == ("bom" in plan.variant)
            assert after.count(b"\r\n") == after.count(b"\n") == original.count(b"\n")
            assert all(line.endswith(b"\r\n") for line in block)

    def test_a_second_sync_writes_nothing(
        self,
        make_harness: MakeHarness,
        sandbox: SandboxServer,
        shared_dir: Path,
        plan: SharedPlan,
        kind: str,
    ) -> None:
        harness, _ = first_sync(make_harness, sandbox, shared_dir, plan)
        name = plan_name(plan)
        path = harness.root / name
        data, mtime = harness.plan(name), path.stat().st_mtime_ns
        issues = [(i.number, i.title, i.state, i.updated_at) for i in harness.issues()]
        sandbox.store.requests.clear()

        result = harness.sync()

        assert result.ok, result.failed
        assert result.actions == []
        log = sandbox.store.requests
        assert log.by_method().keys() == {"GET"}, log.by_method()
        assert len(log.entries) == result.requests
        assert harness.plan(name) == data
        assert path.stat().st_mtime_ns == mtime
        assert [(i.number, i.title, i.state, i.updated_at) for i in harness.issues()] == issues
        if kind == "github":
            assert result.requests <= 3
            assert log.by_status() == {"304": result.requests}


# -- plan 000 in an empty repository -----------------------------------------------------------
# Its table and milestone headings name issues of the team's own repository (#1..#68), none of
# which an empty repository has. With `missing_reference = "create"` every task gets an issue,
# its dead reference replaced (or kept beside the new one where a milestone heading names it),
# and no task moves: plansync's #1 is not the `#1` Milestone 4 lists.

PLAN_000 = SHARED_PLANS[0]
CREATE = 'missing_reference = "create"'


def plan_000_unseeded(
    make_harness: MakeHarness, shared_dir: Path
) -> tuple[SyncHarness, bytes, RunResult]:
    original = shared_bytes(shared_dir, PLAN_000)
    harness = make_harness(
        {plan_name(PLAN_000): original}, summary_toml=ALL_SUMMARIES, project_toml=CREATE
    )
    result = harness.sync()
    assert result.ok, result.failed
    assert all(r.status is Status.APPLIED for r in result.results), result.results
    return harness, original, result


def keys_and_milestones(data: bytes) -> list[tuple[str, str | None]]:
    return [(t.key, t.milestone) for t in synced(read(data, plan_name(PLAN_000)))]


class TestPlan000InAnEmptyRepository:
    def test_every_task_gets_one_issue_in_the_milestone_the_plan_gives_it(
        self, make_harness: MakeHarness, shared_dir: Path, sandbox: SandboxServer
    ) -> None:
        harness, original, result = plan_000_unseeded(make_harness, shared_dir)
        name = plan_name(PLAN_000)
        after = harness.plan(name)

        assert keys_and_milestones(after) == keys_and_milestones(original)
        tasks = synced(read(original, name))
        issue_of = issues_of(harness, name)
        assert sorted(issue_of.values()) == list(range(1, PLAN_000.synced + 1))
        assert len(harness.issues()) == PLAN_000.synced + 1  # and the tracking issue
        milestone_of = {m.number: m.title for m in sandbox.store.milestones(harness.repo)}
        for task in tasks:
            issue = harness.issue(issue_of[task.key])
            assert milestone_of.get(issue.milestone) == task.milestone, task.key
        (clash,) = [n.message for n in result.notices if "lists #1," in n.message]
        assert "'Milestone 4: Future Enhancements'" in clash
        (row_1,) = [line for line in split_lines(after) if line.startswith(b"| 1 |")]
        assert row_1.endswith(f"| Internal ({harness.repo}#1) |\n".encode()), row_1

    def test_a_second_sync_does_nothing(self, make_harness: MakeHarness, shared_dir: Path) -> None:
        harness, _, _ = plan_000_unseeded(make_harness, shared_dir)
        data = harness.plan(plan_name(PLAN_000))

        again = harness.sync()

        assert again.ok, again.failed
        assert again.actions == []
        assert harness.plan(plan_name(PLAN_000)) == data

    def test_the_summary_counts_every_task_linked(
        self, make_harness: MakeHarness, shared_dir: Path
    ) -> None:
        harness, _, _ = plan_000_unseeded(make_harness, shared_dir)

        text = harness.plan(plan_name(PLAN_000)).decode()

        assert "**Coverage:** 30 / 30 tasks linked to an issue." in text

    def test_a_row_added_later_does_not_move_into_the_milestone_listing_its_number(
        self, make_harness: MakeHarness, shared_dir: Path
    ) -> None:
        harness, _, _ = plan_000_unseeded(make_harness, shared_dir)
        name = plan_name(PLAN_000)
        last = b"| 30 | **\xf0\x9f\x93\x8b Technical Architecture Decisions Doc** |"
        row = b"| 31 | **Write the release notes** | 30min | LOW | LOW | LOW | Internal |\n"
        data = harness.plan(name)
        at = data.index(b"\n", data.index(last)) + 1
        harness.write_plan(name, data[:at] + row + data[at:])

        result = harness.sync()

        assert result.ok, result.failed
        number = harness.number(name, "write-the-release-notes")
        assert number == 32  # Milestone 4 lists #32
        assert harness.issue(number).milestone is None
        assert f"| Internal ({harness.repo}#32) |".encode() in harness.plan(name)
        assert ("write-the-release-notes", None) in keys_and_milestones(harness.plan(name))
        assert harness.sync().actions == []

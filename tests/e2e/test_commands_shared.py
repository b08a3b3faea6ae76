"""`/plan` commands on the shared plans, each task shape as real teams write it (table row,
checkbox with an ID, ID item, numbered task, day item), on GitHub and GitLab: one comment of
several commands; only the task's own lines change (encoding, BOM and line endings kept), and
the issue follows in the same run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from harness import SyncHarness

from builders import changed_line_numbers
from plansync.commands.authorise import REPLY_MARKER, forget_permissions
from plansync.model.plan import Task, TaskKind
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sandbox.server import SandboxServer

MakeHarness = Callable[..., SyncHarness]
PLAN_000_ISSUES = 68  # the issues plan 000 references exist in its repository
COMMENT = (
    "Steering from the issue:\n\n"
    "/plan estimate 3h\n"
    '/plan rename "Renamed \u2192 \u2705 \u05e9\u05dc\u05d5\u05dd"\n'
    "/plan priority low\n"
    "/plan done\n"
)

# (plan, variant, shape): the first task of that shape is commanded.
CASES = [
    ("000", "", TaskKind.TABLE_ROW),
    ("001", "", TaskKind.TABLE_ROW),
    ("002", "", TaskKind.ID_ITEM),
    ("002", "crlf+bom", TaskKind.LIST_ITEM),
    ("003", "crlf", TaskKind.NUMBERED_ITEM),
    ("004", "", TaskKind.CHECKBOX),
]


def _bytes(shared_dir: Path, number: str, variant: str) -> bytes:
    (path,) = (shared_dir / "plans").glob(f"{number}_*.txt")
    data = path.read_bytes()
    if "crlf" in variant:
        data = data.replace(b"\n", b"\r\n")
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    return data


def _first(raw: bytes, shape: TaskKind) -> Task:
    document = parse_plan(raw, Path("plan.md"), ReaderRules())
    return next(
        t for t in document.tasks if t.kind is shape and not t.criterion and not t.from_mention
    )


@pytest.mark.parametrize(("number", "variant", "shape"), CASES)
def test_commands_change_only_the_tasks_lines_and_the_issue_follows(
    make_harness: MakeHarness,
    sandbox: SandboxServer,
    shared_dir: Path,
    number: str,
    variant: str,
    shape: TaskKind,
) -> None:
    forget_permissions()
    name = f"{number}_plan.md"
    harness = make_harness({name: _bytes(shared_dir, number, variant)})
    if number == "000":
        for n in range(1, PLAN_000_ISSUES + 1):
            sandbox.store.create_issue(harness.repo, f"Issue {n} of the plan's repository")
    assert harness.sync().ok
    before = harness.plan(name)
    task = _first(before, shape)
    issue = harness.number(name, task.key)
    harness.store.set_permission(harness.repo, "alice", "write")
    harness.store.add_comment(harness.repo, issue, COMMENT, user="alice")

    result = harness.sync()

    assert result.ok, result.failed
    after = harness.plan(name)
    changed = changed_line_numbers(before, after, same_endings=True)
    assert all(task.line <= n <= task.end_line for n in changed), (changed, task)
    [reply] = [
        c.body for c in harness.store.comments(harness.repo, issue) if REPLY_MARKER in c.body
    ]
    assert reply.count("> /plan ") == 4
    remote = harness.issue(issue)
    ticked = "Ticked" in reply
    assert (remote.state == "closed") == ticked
    if shape is TaskKind.LIST_ITEM:
        # A day item: its estimate is its days, it has no checkbox, its title is marked up.
        assert changed == []
        assert "time box" in reply
        assert "no checkbox or status cell" in reply
        assert "inline markup" in reply
    else:
        assert changed
        assert remote.title.endswith("Renamed \u2192 \u2705 \u05e9\u05dc\u05d5\u05dd")
        assert ticked == (shape is TaskKind.CHECKBOX)
    # A quiet run after: nothing more to write.
    writes = harness.writes()
    assert harness.sync().ok
    assert harness.plan(name) == after
    assert harness.writes() == writes

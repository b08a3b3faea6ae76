"""A run answering a comment of three commands (`done`, `estimate`, `add`), killed at every
tracker write (before it reaches the tracker, and right after it returned), then run again:
each command is applied once, the comment gets exactly one reply, `add` makes one task and one
issue, and the plan ends as an uninterrupted run leaves it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from harness import SteppingClock, SyncHarness

from plansync.commands.authorise import REPLY_MARKER, forget_permissions
from plansync.sandbox.server import SandboxServer
from plansync.trackers.markers import find_marker

Hooks = Callable[..., Any]
NAME = "plan.md"
PLAN = (
    "# Crash plan\r\n"
    "\r\n"
    "## Phase 1: Work\r\n"
    "\r\n"
    "- [ ] CW-001: Write the parser \u2192 reader\r\n"
    "- [ ] CW-002: Write the editor\r\n"
    "- [x] CW-003: Pick a name\r\n"
).encode()
COMMENT = '/plan done\n/plan estimate 3h\n/plan add "Write the linter \U0001f9f9"\n'


class SimulatedKill(BaseException):
    """A killed process: not an Exception, so no action catches it."""


@dataclass(frozen=True)
class End:
    plan: bytes
    replies: int
    reactions: tuple[str, ...]
    issues: tuple[tuple[str, str, tuple[str, ...] | int], ...]  # title, state, estimate
    markers: tuple[str, ...]


def _estimate(harness: SyncHarness, issue: Any) -> tuple[str, ...] | int:
    if harness.kind == "github":
        return tuple(sorted(x for x in issue.labels if x.startswith("estimate")))
    return int(issue.time_estimate)


def _end(harness: SyncHarness, comment: int) -> End:
    issues = harness.issues()
    replies = [c for c in harness.store.comments(harness.repo) if REPLY_MARKER in c.body]
    reactions = harness.store.comment(harness.repo, comment).reactions
    return End(
        plan=harness.plan(NAME),
        replies=len(replies),
        reactions=tuple(sorted(r.content for r in reactions)),
        issues=tuple((i.title, i.state, _estimate(harness, i)) for i in issues),
        markers=tuple(sorted(m for i in issues if (m := find_marker(i.body or "")))),
    )


def _prepared(sandbox: SandboxServer, root: Path, kind: str) -> tuple[SyncHarness, int]:
    sandbox.reset()
    sandbox.store.set_clock(SteppingClock())
    forget_permissions()
    harness = SyncHarness.create(root, sandbox, kind, {NAME: PLAN})
    assert harness.sync().ok
    harness.store.set_permission(harness.repo, "alice", "write")
    number = harness.number(NAME, "CW-001")
    return harness, harness.store.add_comment(harness.repo, number, COMMENT, user="alice")


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["github", "gitlab"])
def test_a_comment_of_three_commands_is_applied_once_whatever_write_the_run_dies_at(
    sandbox: SandboxServer, tmp_path: Path, hook_writes: Hooks, kind: str
) -> None:
    harness, comment = _prepared(sandbox, tmp_path / "reference", kind)
    counted = hook_writes(harness.tracker())
    assert harness.sync(tracker=counted).ok
    harness.sync()
    reference = _end(harness, comment)
    assert reference.replies == 1
    assert len(reference.issues) == 4
    assert reference.plan.count("Write the linter \U0001f9f9".encode()) == 1
    writes = len(counted.writes)

    problems: list[str] = []
    for k in range(1, writes + 1):
        for when in ("before", "after"):
            harness, comment = _prepared(sandbox, tmp_path / f"{when}-{k}", kind)

            def die(n: int, name: str, k: int = k, when: str = when) -> None:
                if n == k:
                    raise SimulatedKill(f"killed {when} write {k} ({name})")

            hooks = {when: die}
            with pytest.raises(SimulatedKill):
                harness.sync(tracker=hook_writes(harness.tracker(), **hooks))
            harness.sync()
            harness.sync()
            got = _end(harness, comment)
            if got != reference:
                problems.append(f"killed {when} write {k}: {got} != {reference}")
    assert not problems, "\n".join(problems)

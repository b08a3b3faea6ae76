"""What syncing each shared plan does, pinned byte for byte: a restructuring of the code must
leave the planfiles and the tracker exactly as they were.

Each case runs, against the sandbox, the first sync of a shared plan with every summary on; a
person then closes one task's issue and retitles another's on the tracker and ticks a third
task in the plan; a second sync carries those over. After each sync the case records the
planfile as a diff against the bytes before it, the tracker's issues and milestones (times
left out), and the run's counts. `tests/e2e/pinned/` holds the record made before: the test
fails on any difference.

To record again after a change of behaviour that is meant, run with PLANSYNC_PIN=1 and read
the diff of `tests/e2e/pinned/` before committing it.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from harness import ALL_SUMMARIES, SyncHarness
from test_first_sync import PLAN_000_ISSUES, SHARED_PLANS, SharedPlan, plan_name, shared_bytes

from plansync.sandbox.server import SandboxServer

PINNED = Path(__file__).parent / "pinned"
# Each test session's sandbox listens on a port of its own.
SANDBOX_URL = re.compile(r"http://127\.0\.0\.1:\d+")
TODAY = date(2026, 12, 1)


def _diff(before: bytes, after: bytes) -> list[str]:
    old = before.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    new = after.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    return [repr(line) for line in difflib.unified_diff(old, new, n=0)][2:]


def _tracker(harness: SyncHarness, sandbox: SandboxServer) -> dict[str, Any]:
    """The repository's issues and milestones as plain data, without times."""
    return {
        "issues": [
            {
                "number": i.number,
                "title": i.title,
                "state": i.state,
                "state_reason": i.state_reason,
                "labels": sorted(i.labels),
                "milestone": i.milestone,
                "assignees": sorted(i.assignees),
                "time_estimate": i.time_estimate,
                "body": i.body,
            }
            for i in harness.issues()
        ],
        "milestones": [
            {
                "number": m.number,
                "title": m.title,
                "state": m.state,
                "due_on": m.due_on.isoformat() if m.due_on else None,
                "description": m.description,
            }
            for m in sorted(sandbox.store.milestones(harness.repo), key=lambda m: m.number)
        ],
    }


def _people_change_both_sides(harness: SyncHarness, name: str) -> dict[str, Any]:
    """Close the issue of the first synced task, retitle the second's, tick a third in the
    plan (the last unticked checkbox line holding a reference)."""
    numbers = sorted(n for key, (n, *_) in harness.issues_by_task().items() if "#" in key)
    closed, retitled = numbers[0], numbers[1]
    harness.store.close_issue(harness.repo, closed, user="alice")
    issue = harness.issue(retitled)
    harness.store.set_issue_title(harness.repo, retitled, f"{issue.title} (renamed)", user="alice")
    lines = harness.plan(name).splitlines(keepends=True)
    ticked = None
    for n, line in reversed(list(enumerate(lines))):
        if b"- [ ] " in line and b"(#" in line:
            lines[n] = line.replace(b"- [ ] ", b"- [x] ", 1)
            ticked = n + 1
            break
    harness.write_plan(name, b"".join(lines))
    return {"closed": closed, "retitled": retitled, "ticked_line": ticked}


def _record(
    plan: SharedPlan, original: bytes, harness: SyncHarness, sandbox: SandboxServer
) -> dict[str, Any]:
    name = plan_name(plan)
    if plan.number == "000":
        for number in range(1, PLAN_000_ISSUES + 1):
            sandbox.store.create_issue(harness.repo, f"Issue {number} of the plan's repository")
    first = harness.sync(today=TODAY)
    after_first = harness.plan(name)
    record: dict[str, Any] = {
        "first": {
            "ok": first.ok,
            "counts": first.counts(),
            "plan": _diff(original, after_first),
            "tracker": _tracker(harness, sandbox),
        }
    }
    changes = _people_change_both_sides(harness, name)
    edited = harness.plan(name)
    second = harness.sync(today=TODAY)
    record["second"] = {
        "changes": changes,
        "ok": second.ok,
        "counts": second.counts(),
        "plan": _diff(edited, harness.plan(name)),
        "tracker": _tracker(harness, sandbox),
    }
    quiet = harness.sync(today=TODAY)
    record["quiet"] = {"ok": quiet.ok, "actions": len(quiet.actions)}
    return record


@pytest.mark.parametrize("plan", [pytest.param(p, id=p.number) for p in SHARED_PLANS])
def test_a_sync_of_each_shared_plan_leaves_what_it_left_before(
    sandbox: SandboxServer,
    shared_dir: Path,
    kind: str,
    make_harness: Any,
    plan: SharedPlan,
) -> None:
    original = shared_bytes(shared_dir, plan)
    harness = make_harness({plan_name(plan): original}, summary_toml=ALL_SUMMARIES)
    record = json.dumps(_record(plan, original, harness, sandbox), indent=1, ensure_ascii=False)
    record = SANDBOX_URL.sub("SANDBOX", record)
    path = PINNED / f"{kind}-{plan.number}.json"
    if os.environ.get("PLANSYNC_PIN") == "1":
        PINNED.mkdir(exist_ok=True)
        path.write_text(record + "\n", encoding="utf-8")
    assert path.is_file(), f"{path} is missing: record it with PLANSYNC_PIN=1"
    pinned = path.read_text(encoding="utf-8").removesuffix("\n")
    assert record == pinned, "".join(
        difflib.unified_diff(
            pinned.splitlines(keepends=True), record.splitlines(keepends=True), n=2
        )
    )

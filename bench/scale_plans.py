"""Realistic generated plans for the scale benchmarks: phases of checkbox tasks with IDs, emoji
and arrows, estimates, priorities, owners and dependencies (on earlier and on later tasks), task
tables with a status column, prose between them, and a mis-encoded copy (UTF-8 once read as
cp1252 and saved again, as some editors do)."""

from __future__ import annotations

import codecs

OWNERS = ("ann", "bob", "cho", "dev")
PEOPLE = {name: f"{name}-gh" for name in OWNERS}
_PRIORITIES = ("P0", "P1", "P2", "P3")
_ESTIMATES = ("30min", "1h", "2h", "90min", "3h", "1d")
_PROSE = (
    "The rollout → staging 🚀 waits for the schema freeze; owners review it weekly — see "
    "the *risk register* below. "
)


def checkbox_and_table_plan(tasks: int, prefix: str = "SHIP", phase_size: int = 100) -> str:
    """A plan of `tasks` tasks: in each phase, 70% checkbox items, then a table of the rest."""
    lines = [f"# Delivery plan {prefix} 🗺️", "", _PROSE * 2, ""]
    number = 0
    phase = 0
    while number < tasks:
        phase += 1
        size = min(phase_size, tasks - number)
        items = size * 7 // 10
        lines += [f"## Phase {phase}: Build → ship ✨", "", _PROSE, ""]
        for _ in range(items):
            number += 1
            task_id = f"{prefix}-{number}"
            estimate = _ESTIMATES[number % len(_ESTIMATES)]
            priority = _PRIORITIES[number % len(_PRIORITIES)]
            lines.append(
                f"- [ ] {task_id}: Ship part {number} → stage {phase} 📦 ({estimate}) ({priority})"
            )
            lines.append(f"  - Owner: @{OWNERS[number % len(OWNERS)]}")
            if number % 3 == 0 and number > 1:  # on an earlier task
                lines.append(f"  - Depends on: {prefix}-{number - 1}")
            elif number % 7 == 0 and number + 2 <= tasks:  # on a later one: created first
                lines.append(f"  - Depends on: {prefix}-{number + 2}")
        lines += ["", "| ID | Task | Estimate | Priority | Owner | Status |"]
        lines.append("|----|------|----------|----------|-------|--------|")
        for _ in range(size - items):
            number += 1
            owner = OWNERS[number % len(OWNERS)]
            lines.append(
                f"| {prefix}-{number} | Review → sign-off {number} ✅ | "
                f"{_ESTIMATES[number % len(_ESTIMATES)]} | {_PRIORITIES[number % 4]} | "
                f"@{owner} | Todo |"
            )
        lines += ["", f"> Note: {_PROSE}", ""]
    return "\n".join(lines) + "\n"


def checkbox_plan(tasks: int) -> str:
    """Checkbox tasks only, 100 a phase, each with an ID, an estimate and an arrow."""
    lines = ["# Synthetic plan 🧪", ""]
    for n in range(tasks):
        if n % 100 == 0:
            lines += ["", f"## Week {n // 100 + 1}: Stream → {n // 100} 🚀", ""]
        lines.append(f"- [ ] `syn-{n // 100}.{n % 100}` - Task {n} → done ✅ (2h)")
    return "\n".join(lines) + "\n"


def table_plan(tasks: int) -> str:
    """Task tables only, 100 rows each under a phase heading."""
    lines = ["# Table plan 📋", ""]
    for n in range(tasks):
        if n % 100 == 0:
            lines += ["", f"## Phase {n // 100 + 1}: Rows → review", ""]
            lines += ["| ID | Task | Estimate | Status |", "|---|---|---|---|"]
        lines.append(f"| TB-{n:05d} | Row task {n} ✨ → ok | 2h | Todo |")
    return "\n".join(lines) + "\n"


def _c1_stand_in(error: UnicodeError) -> tuple[str, int]:
    # cp1252 leaves five bytes undefined; the tools that mis-read UTF-8 keep them as C1 controls.
    assert isinstance(error, UnicodeDecodeError)
    return chr(error.object[error.start]), error.start + 1


codecs.register_error("plansync-bench-c1", _c1_stand_in)


def mis_encoded(text: str) -> bytes:
    """The text's UTF-8 bytes read as cp1252 and saved again as UTF-8 (mojibake)."""
    return text.encode("utf-8").decode("cp1252", "plansync-bench-c1").encode("utf-8")

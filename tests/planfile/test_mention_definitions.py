"""Which tasks exist only because a mention of their ID in prose defines them (`from_mention`):
the sync engine needs it to tell a removed item from prose that merely mentions its ID."""

from __future__ import annotations

from pathlib import Path

from plansync.planfile.parse import parse_plan

PLAN = """# Plan

## Phase 1: Emergency

**Single Focus: Get FIX-006 Actually Implemented**

- Week 4: SEC-001 (Encryption at rest)

## Phase 3: Operations

- **OPS-001**: CI/CD Pipeline
- [ ] OPS-003: Alerting
- [ ] Week 5: SEC-009 (Audit log)

| ID | Task |
|----|------|
| OPS-004 | Dashboards |

## Staffing

- **Instance 3**: Infrastructure -> OPS-002 -> Cloud integration
"""


def from_mention(text: str) -> dict[str, bool]:
    return {t.key: t.from_mention for t in parse_plan(text.encode(), Path("p.md")).tasks}


def test_prose_mentions_define_tasks_from_mention_and_items_and_rows_do_not() -> None:
    assert from_mention(PLAN) == {
        "FIX-006": True,  # a bold paragraph
        "SEC-001": True,  # an item that does not start with the ID
        "OPS-001": False,  # an item starting with it
        "OPS-003": False,  # a checkbox starting with it
        "SEC-009": False,  # a checkbox of its own that takes its ID from its text
        "OPS-004": False,  # a table row
        "OPS-002": True,  # nothing but a mention
    }


def test_an_item_defining_the_id_makes_the_mention_a_reference() -> None:
    text = PLAN.replace("## Staffing", "- OPS-002: Observability\n\n## Staffing")

    assert from_mention(text)["OPS-002"] is False

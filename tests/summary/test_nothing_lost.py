"""Fuzzed plans with plansync's markers anywhere: whatever the summary's changeset writes, no
heading, task or table of the plan is lost. A bounded run by default; `-m slow` sweeps more."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plansync.config.project import ProjectConfig
from plansync.model.changeset import WriteSummary
from plansync.model.sync import Findings, RemoteSnapshot
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.planfile.structure import build_outline
from plansync.summary.changes import SummaryTarget, summary_changeset
from plansync.summary.figures import Known, compute
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END, write_summary

from .samples import plan_input

PIECES = [
    "# Plan",
    "## Phase 1: Real work",
    "### Notes",
    "- [ ] Task inside",
    "- [x] Done task",
    "- OPS-1: Deploy the thing",
    "1. [ ] Numbered task",
    "| Task | Status |\n|---|---|\n| Row task | done |",
    "| Risk | Odds |\n|---|---|\n| rain | low |",
    "| Milestone | Done | Progress | % | Estimate done / left | Due |\n|---|---:|---|---:|---|---|",
    "**Progress:** 1 / 2 tasks done (50%)",
    "- a plain note",
    "Some text.",
    "",
]
_PIECES = st.lists(st.sampled_from(PIECES), max_size=8)


def _joined(pieces: list[str]) -> str:
    return "\n".join(pieces) + "\n"


# A plan with a pair of markers around any of its parts, or markers strewn anywhere.
PLANS = st.one_of(
    st.tuples(_PIECES, _PIECES, _PIECES).map(
        lambda parts: _joined([*parts[0], SUMMARY_BEGIN, *parts[1], SUMMARY_END, *parts[2]])
    ),
    st.lists(st.sampled_from([*PIECES, SUMMARY_BEGIN, SUMMARY_END]), max_size=24).map(_joined),
)


def project(place: str) -> ProjectConfig:
    settings_: dict[str, Any] = {
        "name": "demo",
        "tracker": {"kind": "github", "repo": "demo/plans"},
        "plans": ["*.md"],
        "summary": {"place": place},
    }
    return ProjectConfig.model_validate(settings_)


def read(raw: bytes) -> tuple[Counter[str], Counter[str]]:
    """The plan's task titles and headings, as the reader reads them."""
    document = parse_plan(raw, Path("plan.md"), ReaderRules())
    text = raw.decode("utf-8")
    outline = build_outline(text, lambda _inner: True)  # every heading, in blocks or not
    headings = Counter(h.text for h in outline.headings)
    return Counter(t.title for t in document.tasks), headings


def check(text: str, place: str) -> None:
    raw = text.encode("utf-8")
    config = project(place)
    known = Known({}, RemoteSnapshot({}, []), Findings(), date(2026, 3, 1))
    figures = compute(plan_input(raw, "plan.md"), config, known)
    changeset = summary_changeset(
        [SummaryTarget("plan.md", raw, figures)], RemoteSnapshot({}, []), config
    )
    data = raw
    for action in changeset.actions:
        if isinstance(action, WriteSummary):
            data = write_summary(data, action.content, action.place) or data
    tasks_before, headings_before = read(raw)
    tasks_after, headings_after = read(data)
    assert tasks_after == tasks_before
    assert headings_after == headings_before
    assert data.count(b"| rain | low |") == raw.count(b"| rain | low |")  # a table of notes
    if data != raw:
        assert data.count(SUMMARY_BEGIN.encode()) == 1


@pytest.mark.parametrize("place", ["after-title", "end", "markers"])
@settings(max_examples=60, deadline=None)
@given(text=PLANS)
def test_no_heading_or_task_is_lost(place: str, text: str) -> None:
    check(text, place)


@pytest.mark.slow
@pytest.mark.parametrize("place", ["after-title", "top", "end", "markers"])
@settings(max_examples=3000, deadline=None)
@given(text=PLANS)
def test_no_heading_or_task_is_lost_sweep(place: str, text: str) -> None:
    check(text, place)

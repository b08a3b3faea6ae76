"""How fast the reader is, and how much memory it takes: prints numbers, asserts nothing.

    .venv/bin/python bench/parse_plans.py [--repeat 50] [PLAN ...]

Defaults to the shared plans (../shared/plans) and the project's examples, plus synthetic plans
of 10,000 checkbox tasks and 10,000 table rows (emoji, arrows) to show how the reader scales.
For those it also prints parse + reconcile against markdown-it-py's tokenisation of the same
text, as a ratio measured in one run: reconcile of a first sync (every task to create) and of a
quiet one (every task linked to an issue that holds what the plan says).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from markdown_it import MarkdownIt
from scale_plans import checkbox_plan, table_plan

from plansync.config.project import ProjectConfig
from plansync.model.changeset import (
    CreateIssue,
    CreateMilestone,
    EditPlan,
    EnsureLabels,
    PlanEditKind,
)
from plansync.model.remote import IssueState, RemoteIssue, RemoteMilestone
from plansync.model.sync import Known, Link, PlanInput, RemoteSnapshot
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_decoded, parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.planedit import apply_edits
from plansync.sync.reconcile import reconcile

ROOT = Path(__file__).resolve().parents[1]


def measure(name: str, raw: bytes, repeat: int) -> None:
    path = Path(name)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        document = parse_plan(raw, path)
        timings.append(time.perf_counter() - start)
    tracemalloc.start()
    parse_plan(raw, path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median = statistics.median(timings)
    print(
        f"{name[-40:]:>40}  {len(raw) / 1024:8.1f} KiB  {len(document.tasks):6d} tasks  "
        f"median {median * 1000:8.2f} ms  {len(document.tasks) / median:10.0f} tasks/s  "
        f"peak {peak / 1024 / 1024:6.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("plans", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    plans: list[Path] = args.plans or sorted(
        [*(ROOT.parent / "shared" / "plans").glob("*"), *(ROOT / "examples").glob("*.md")]
    )
    for plan in plans:
        measure(str(plan), plan.read_bytes(), args.repeat)
    for name, text in (
        ("synthetic: 10,000 checkbox tasks", checkbox_plan(10_000)),
        ("synthetic: 10,000 table rows", table_plan(10_000)),
    ):
        measure(name, text.encode(), max(1, args.repeat // 10))
        against_tokeniser(name, text, max(3, args.repeat // 10))


PROJECT = ProjectConfig.model_validate(
    {"name": "bench", "tracker": {"kind": "github", "repo": "bench/plans"}, "plans": ["*.md"]}
)
_AT = datetime(2026, 1, 1, tzinfo=UTC)


def plan_input(text: str) -> PlanInput:
    """The planfile as a run reads it: decoded once, parsed, its lines kept."""
    decoded = decode_plan(text.encode(), Path("plan.md"))
    document = parse_decoded(decoded, Path("plan.md"))
    lines = tuple(line.rstrip("\r\n") for line in split_text_lines(decoded.text))
    return PlanInput("plan.md", document, lines)


def quiet_state(text: str) -> tuple[PlanInput, RemoteSnapshot, Known]:
    """The plan as a first sync leaves it (every task's line carrying its issue's reference),
    with a tracker and a store in which every task is linked to an issue holding its values,
    its milestones and labels made: a reconcile of it is quiet."""
    plan = plan_input(text)
    first = reconcile([plan], RemoteSnapshot({}, ()), Known({}), PROJECT)
    issues: dict[int, RemoteIssue] = {}
    links = {}
    edits = []
    for number, create in enumerate((a for a in first.actions if isinstance(a, CreateIssue)), 1):
        url = f"https://github.com/bench/plans/issues/{number}"
        fields = create.fields
        issues[number] = RemoteIssue(
            number,
            number,
            url,
            create.tracker_title,
            fields.body,
            IssueState.OPEN,
            _AT,
            _AT,
            labels=fields.labels,
            milestone_title=fields.milestone,
            assignees=fields.assignees,
        )
        links[create.task] = Link(create.task, number, number, url, fields)
        edits.append(EditPlan(create.task, PlanEditKind.LINK, "link", f"#{number}"))
    milestones = [
        RemoteMilestone(n, n, a.title, IssueState.OPEN, f"https://github.com/m/{n}")
        for n, a in enumerate((a for a in first.actions if isinstance(a, CreateMilestone)), 1)
    ]
    labels = frozenset(n for a in first.actions if isinstance(a, EnsureLabels) for n in a.names)
    raw = apply_edits(text.encode(), Path("plan.md"), ReaderRules(), edits).data
    linked = plan_input(raw.decode("utf-8"))
    return linked, RemoteSnapshot(issues, milestones), Known(links, labels)


def best_of(repeat: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def against_tokeniser(name: str, text: str, repeat: int) -> None:
    """Parse + reconcile against markdown-it-py's tokenisation of the same text."""
    tokeniser = MarkdownIt("commonmark").enable("table")
    tokenise = best_of(repeat, lambda: tokeniser.parse(text))
    parse = best_of(repeat, lambda: plan_input(text))
    plan = plan_input(text)
    empty = RemoteSnapshot({}, ())
    first = best_of(repeat, lambda: reconcile([plan], empty, Known({}), PROJECT))
    linked, remote, known = quiet_state(text)
    actions = reconcile([linked], remote, known, PROJECT).actions
    quiet = best_of(repeat, lambda: reconcile([linked], remote, known, PROJECT))
    print(
        f"{name[-40:]:>40}  tokenise {tokenise:6.2f} s  parse {parse:6.2f} s  reconcile "
        f"first {first:5.2f} s / quiet {quiet:5.2f} s  parse + reconcile = "
        f"{(parse + first) / tokenise:4.1f}x / {(parse + quiet) / tokenise:4.1f}x tokenisation"
        + (f"  (the quiet state is not quiet: {len(actions)} actions)" if actions else "")
    )


if __name__ == "__main__":
    main()

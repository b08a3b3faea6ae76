"""The summary block, the milestone progress line and the tracking issue body, from figures
built by hand."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from plansync.model.sync import TaskState
from plansync.planfile.edit_block import replace_between_markers
from plansync.planfile.parse import parse_plan
from plansync.summary.data import (
    Coverage,
    Drift,
    DriftKind,
    Effort,
    MilestoneRow,
    PlanFigures,
    Progress,
    TaskLine,
    Unlinked,
    UntrackedIssue,
)
from plansync.summary.render import (
    BLOCK_MARKERS,
    TRACKING_BODY_LIMIT,
    milestone_line,
    progress_text,
    render_summary_block,
    tracking_body,
)

REPO = "https://github.com/acme/app"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


# ----------------------------------------------------------------------------------------------
# Factories


def task(key: str, title: str, state: TaskState = TaskState.OPEN, **fields: Any) -> TaskLine:
    """A task line; `number=` also sets its url unless one is given."""
    number = fields.get("number")
    if number is not None:
        fields.setdefault("url", f"{REPO}/issues/{number}")
    return TaskLine(key=key, title=title, state=state, line=fields.pop("line", 10), **fields)


T1 = task("T1", "Set up CI", TaskState.DONE, id="T1", number=12, milestone="Week 1")
T2 = task("T2", "Write the parser", id="T2", number=13, milestone="Week 1")
T3 = task("T3", "Write the launch post", id="T3", milestone="Week 2", unlinked=Unlinked.PENDING)
T4 = task("T4", "Dark mode", TaskState.DROPPED, id="T4", number=14, milestone="Week 2")


def figures(**overrides: Any) -> PlanFigures:
    """A small realistic planfile: two weeks, four tasks, one of each kind of finding."""
    base = PlanFigures(
        planfile="docs/launch.md",
        title="Launch plan",
        overall=Progress(1, 3, 1, Effort(120, 120), Effort(270, 390)),
        milestones=(
            MilestoneRow(
                "Week 1",
                Progress(1, 2, 0, Effort(120, 120), Effort(180, 300)),
                due_on=date(2024, 5, 3),
                overdue=True,
                url=f"{REPO}/milestone/1",
            ),
            MilestoneRow("Week 2", Progress(0, 1, 1, None, Effort(90, 90))),
        ),
        coverage=Coverage(2, 3, (T3,)),
        tasks=(T1, T2, T3, T4),
        untracked=(UntrackedIssue(20, "Flaky login test", f"{REPO}/issues/20", True, "Week 1"),),
        drift=(Drift(DriftKind.NOT_PLANNED, T4),),
        states={TaskState.DONE: 1, TaskState.OPEN: 2, TaskState.DROPPED: 1},
    )
    return replace(base, **overrides)


def empty_figures(**overrides: Any) -> PlanFigures:
    """A planfile without tasks."""
    empty: dict[str, Any] = {
        "overall": Progress(0, 0),
        "milestones": (),
        "coverage": Coverage(0, 0),
        "tasks": (),
        "untracked": (),
        "drift": (),
        "states": {},
    }
    return figures(**{**empty, **overrides})


def lines_of(text: str) -> list[str]:
    return text.split("\n")


def list_items(text: str) -> list[str]:
    return [line for line in lines_of(text) if line.startswith("- ")]


# ----------------------------------------------------------------------------------------------
# The format's golden


GOLDEN = (
    "\n"
    "**Progress:** 1 / 3 tasks done (33%) · 2 h of 4.5-6.5 h done · 1 dropped\n"
    "\n"
    "| Milestone | Done | Progress | % | Estimate done / left | Due |\n"
    "|---|---:|---|---:|---|---|\n"
    "| [Week 1](https://github.com/acme/app/milestone/1) | 1 / 2 | `█████░░░░░` | 50% "
    "| 2 h / 1-3 h | 2024-05-03 **overdue** |\n"
    "| Week 2 | 0 / 1 | `░░░░░░░░░░` | 0% | 0 h / 1.5 h | - |\n"
    "\n"
    "**Coverage:** 2 / 3 tasks linked to an issue.\n"
    "\n"
    "- not linked, not synced yet: `T3` Write the launch post\n"
    "\n"
    "**Untracked issues** in these milestones (1):\n"
    "\n"
    "- [#20](https://github.com/acme/app/issues/20) Flaky login test (Week 1)\n"
    "\n"
    "**Needs a person:**\n"
    "\n"
    "- [#14](https://github.com/acme/app/issues/14) `T4` Dark mode was closed as not planned\n"
    "\n"
)

GOLDEN_ASCII = (
    "\n"
    "**Progress:** 1 / 3 tasks done (33%) - 2 h of 4.5-6.5 h done - 1 dropped\n"
    "\n"
    "| Milestone | Done | Progress | % | Estimate done / left | Due |\n"
    "|---|---:|---|---:|---|---|\n"
    "| [Week 1](https://github.com/acme/app/milestone/1) | 1 / 2 | `[#####.....]` | 50% "
    "| 2 h / 1-3 h | 2024-05-03 **overdue** |\n"
    "| Week 2 | 0 / 1 | `[..........]` | 0% | 0 h / 1.5 h | - |\n"
    "\n"
    "**Coverage:** 2 / 3 tasks linked to an issue.\n"
    "\n"
    "- not linked, not synced yet: `T3` Write the launch post\n"
    "\n"
    "**Untracked issues** in these milestones (1):\n"
    "\n"
    "- [#20](https://github.com/acme/app/issues/20) Flaky login test (Week 1)\n"
    "\n"
    "**Needs a person:**\n"
    "\n"
    "- [#14](https://github.com/acme/app/issues/14) `T4` Dark mode was closed as not planned\n"
    "\n"
)


class TestGolden:
    def test_block(self) -> None:
        assert render_summary_block(figures()) == GOLDEN

    def test_ascii_block(self) -> None:
        block = render_summary_block(figures(ascii_only=True))
        assert block == GOLDEN_ASCII
        assert block.isascii()

    def test_block_shape_blank_line_at_both_ends(self) -> None:
        block = render_summary_block(figures())
        assert block.startswith("\n")
        assert not block.startswith("\n\n")
        assert block.endswith("\n\n")
        assert not block.endswith("\n\n\n")
        assert "\r" not in block

    def test_block_fits_between_the_markers_and_holds_no_task(self) -> None:
        begin, end = BLOCK_MARKERS
        raw = f"# Launch\n\n{begin}\n{end}\n\n## Week 1\n\n- [ ] T9: real task\n".encode()
        written = replace_between_markers(raw, begin, end, render_summary_block(figures()), None)
        text = written.decode()
        assert f"{begin}\n\n**Progress:**" in text
        assert "dropped\n\n| Milestone" in text  # paragraphs stay apart
        assert f"not planned\n\n{end}\n" in text
        document = parse_plan(written, Path("launch.md"))
        assert [t.key for t in document.tasks] == ["T9"]


class TestOverallLine:
    def test_first_line_is_the_overall_progress(self) -> None:
        first = lines_of(render_summary_block(figures()))[1]
        assert first == "**Progress:** " + progress_text(figures().overall, ascii_only=False)

    def test_without_estimates_there_is_no_effort_part(self) -> None:
        block = render_summary_block(figures(overall=Progress(2, 4)))
        assert "**Progress:** 2 / 4 tasks done (50%)\n" in block


class TestMilestoneTable:
    def test_absent_without_milestones(self) -> None:
        block = render_summary_block(figures(milestones=()))
        assert "| Milestone |" not in block
        assert not any(line.startswith("|") for line in lines_of(block))
        assert "dropped\n\n**Coverage:**" in block

    def test_every_row_has_six_cells_when_rendered(self) -> None:
        html = MARKDOWN.render(render_summary_block(figures()))
        assert html.count("<tr>") == 3
        assert len(re.findall(r"<th[ >]", html)) == 6
        assert len(re.findall(r"<td[ >]", html)) == 12

    def test_overdue_and_due_dates(self) -> None:
        rows = (
            MilestoneRow("Late", Progress(0, 1), date(2024, 1, 31), overdue=True),
            MilestoneRow("On time", Progress(0, 1), date(2030, 6, 1)),
            MilestoneRow("Undated", Progress(0, 1)),
        )
        block = render_summary_block(figures(milestones=rows))
        table = [line for line in lines_of(block) if "|" in line]
        assert table[2].endswith("| 2024-01-31 **overdue** |")
        assert table[3].endswith("| 2030-06-01 |")
        assert "overdue" not in table[3]
        assert table[4].endswith("| - |")

    def test_estimate_cell(self) -> None:
        rows = (
            MilestoneRow("No estimates", Progress(1, 2)),
            MilestoneRow("Range", Progress(1, 2, 0, Effort(45, 45), Effort(90, 135))),
            MilestoneRow("Nothing done", Progress(0, 2, 0, None, Effort(120, 120))),
        )
        block = render_summary_block(figures(milestones=rows))
        table = [line for line in lines_of(block) if "|" in line]
        assert "| 50% | - |" in table[2]
        assert "| 50% | 45 min / 45 min-1.5 h |" in table[3]
        assert "| 0% | 0 h / 2 h |" in table[4]

    def test_title_links_only_to_http_urls(self) -> None:
        rows = (
            MilestoneRow("Safe", Progress(0, 1), url="https://gitlab.example/g/p/-/milestones/3"),
            MilestoneRow("Script", Progress(0, 1), url="javascript:alert(1)"),
        )
        block = render_summary_block(figures(milestones=rows))
        assert "| [Safe](https://gitlab.example/g/p/-/milestones/3) |" in block
        assert "| Script |" in block
        assert "javascript" not in block


class TestMermaid:
    def test_off_by_default(self) -> None:
        assert "mermaid" not in render_summary_block(figures())

    def test_pie_of_task_states(self) -> None:
        states = {TaskState.OPEN: 2, TaskState.DONE: 1}
        block = render_summary_block(figures(states=states), mermaid=True)
        pie = '```mermaid\npie title Task states\n    "Done" : 1\n    "Open" : 2\n```\n'
        assert pie in block
        assert "Dropped" not in block
        # The pie stands between the table and the coverage line.
        assert block.index("| Week 2 |") < block.index("```mermaid") < block.index("**Coverage")

    def test_no_pie_without_counts(self) -> None:
        assert "mermaid" not in render_summary_block(figures(states={}), mermaid=True)


class TestCoverage:
    def test_all_linked_has_no_list(self) -> None:
        block = render_summary_block(figures(coverage=Coverage(4, 4)))
        assert "**Coverage:** 4 / 4 tasks linked to an issue.\n\n**Untracked" in block

    def test_single_task_is_singular(self) -> None:
        assert "**Coverage:** 1 / 1 task linked to an issue." in render_summary_block(
            figures(coverage=Coverage(1, 1))
        )

    def test_each_reason(self) -> None:
        missing = (
            task("a", "Pulled", id="A-1", unlinked=Unlinked.PULL),
            task("b", "Broken", id="B-1", unlinked=Unlinked.FAILED, detail="422 Validation"),
            task("c", "Silent failure", unlinked=Unlinked.FAILED),
            task("d", "Gone one", id="D-1", unlinked=Unlinked.GONE, detail="7"),
            task("e", "Gone with hash", unlinked=Unlinked.GONE, detail="#8"),
            task("f", "Gone, number unknown", unlinked=Unlinked.GONE),
            task("g", "Waiting", unlinked=Unlinked.PENDING),
            task("h", "Unknown reason"),
            task("i", "A criterion", unlinked=Unlinked.EXCLUDED),
            task("j", "Another criterion", unlinked=Unlinked.EXCLUDED),
        )
        block = render_summary_block(figures(coverage=Coverage(3, 13, missing)))
        assert list_items(block)[:9] == [
            "- not linked, sync failed: `B-1` Broken (422 Validation)",
            "- not linked, sync failed: Silent failure",
            "- not linked, its issue #7 was deleted or moved: `D-1` Gone one",
            "- not linked, its issue #8 was deleted or moved: Gone with hash",
            "- not linked, its issue was deleted or moved: Gone, number unknown",
            "- not linked, not synced yet: Waiting",
            "- not linked, not synced yet: Unknown reason",
            "- not linked, the direction is pull: `A-1` Pulled",
            "- 2 criteria are listed but not synced (set `sync_criteria` to sync them)",
        ]
        assert "criterion" not in block.replace("2 criteria", "")

    def test_one_criterion_is_singular(self) -> None:
        missing = (task("i", "A criterion", unlinked=Unlinked.EXCLUDED),)
        block = render_summary_block(figures(coverage=Coverage(3, 3, missing)))
        assert "- 1 criterion is listed but not synced" in block

    def test_error_text_is_escaped_and_cut(self) -> None:
        error = "HTTP 422: <b>title</b> | " + "x" * 200
        missing = (task("b", "Broken", unlinked=Unlinked.FAILED, detail=error),)
        line = list_items(render_summary_block(figures(coverage=Coverage(0, 1, missing))))[0]
        assert line.startswith("- not linked, sync failed: Broken (HTTP 422: &lt;b&gt;title")
        assert "\\|" in line
        assert line.endswith("...)")
        detail = line[line.index("(") + 1 : -1]
        assert len(detail.replace("&lt;", "<").replace("&gt;", ">").replace("\\", "")) == 80

    def test_each_reason_is_capped_at_ten(self) -> None:
        pending = tuple(task(f"p{i}", f"Pending {i}", unlinked=Unlinked.PENDING) for i in range(12))
        pulled = tuple(task(f"q{i}", f"Pulled {i}", unlinked=Unlinked.PULL) for i in range(3))
        block = render_summary_block(figures(coverage=Coverage(0, 15, pending + pulled)))
        items = list_items(block)
        assert items[:10] == [f"- not linked, not synced yet: Pending {i}" for i in range(10)]
        assert items[10] == "- ... and 2 more"
        assert items[11:14] == [
            f"- not linked, the direction is pull: Pulled {i}" for i in range(3)
        ]


class TestUntracked:
    def test_open_and_closed(self) -> None:
        issues = (
            UntrackedIssue(45, "Open bug", f"{REPO}/issues/45", True, "Week 1"),
            UntrackedIssue(46, "Closed bug", f"{REPO}/issues/46", False, "Week 2"),
        )
        block = render_summary_block(figures(untracked=issues))
        assert "**Untracked issues** in these milestones (2):\n\n" in block
        assert f"- [#45]({REPO}/issues/45) Open bug (Week 1)\n" in block
        assert f"- [#46]({REPO}/issues/46) Closed bug (Week 2, closed)\n" in block

    def test_absent_when_none(self) -> None:
        assert "Untracked" not in render_summary_block(figures(untracked=()))

    def test_capped_at_ten(self) -> None:
        issues = tuple(
            UntrackedIssue(n, f"Stray {n}", f"{REPO}/issues/{n}", True, "Week 1")
            for n in range(100, 113)
        )
        block = render_summary_block(figures(untracked=issues, drift=()))
        assert "in these milestones (13):" in block
        items = [line for line in list_items(block) if "Stray" in line or "more" in line]
        assert len(items) == 11
        assert items[0] == f"- [#100]({REPO}/issues/100) Stray 100 (Week 1)"
        assert items[9].startswith("- [#109]")
        assert items[10] == "- ... and 3 more"
        assert "Stray 110" not in block


class TestDrift:
    def test_each_kind(self) -> None:
        conflict = Drift(
            DriftKind.CONFLICT,
            T2,
            field="title",
            plan_value="Write the parser",
            tracker_value="Write the *fast* parser",
            resolution="the plan's value was kept",
        )
        unresolved = Drift(DriftKind.CONFLICT, T1, "state", "done", "open")
        gone = Drift(DriftKind.GONE, replace(T1, number=None, url=None, detail="12"))
        gone_numbered = Drift(DriftKind.GONE, T2)
        unlinked_dropped = Drift(DriftKind.NOT_PLANNED, replace(T4, number=None, url=None))
        drift = (conflict, unresolved, Drift(DriftKind.NOT_PLANNED, T4), gone, gone_numbered)
        block = render_summary_block(figures(drift=(*drift, unlinked_dropped)))
        tail = block[block.index("**Needs a person:**") :]
        assert tail == (
            "**Needs a person:**\n\n"
            '- conflict on title of `T2` Write the parser: plan "Write the parser", '
            'tracker "Write the \\*fast\\* parser"; the plan\'s value was kept\n'
            '- conflict on state of `T1` Set up CI: plan "done", tracker "open"\n'
            f"- [#14]({REPO}/issues/14) `T4` Dark mode was closed as not planned\n"
            "- its issue #12 was deleted or moved: `T1` Set up CI\n"
            "- its issue #13 was deleted or moved: `T2` Write the parser\n"
            "- the issue of `T4` Dark mode was closed as not planned\n\n"
        )

    def test_conflict_values_are_cut_at_sixty(self) -> None:
        conflict = Drift(DriftKind.CONFLICT, T2, "body", "p" * 100, "t" * 100, "kept")
        line = list_items(render_summary_block(figures(drift=(conflict,))))[-1]
        assert f'plan "{"p" * 57}..."' in line
        assert f'tracker "{"t" * 57}..."' in line

    def test_absent_when_none(self) -> None:
        assert "Needs a person" not in render_summary_block(figures(drift=()))

    def test_capped_at_ten(self) -> None:
        drift = tuple(
            Drift(DriftKind.NOT_PLANNED, replace(T4, number=n, url=f"{REPO}/issues/{n}"))
            for n in range(200, 214)
        )
        tail = render_summary_block(figures(drift=drift)).split("**Needs a person:**")[1]
        items = [line for line in tail.splitlines() if line.startswith("- ")]
        assert len(items) == 11
        assert items[9].startswith("- [#209]")
        assert items[10] == "- ... and 4 more"


class TestEmpty:
    def test_no_tasks_says_so_only(self) -> None:
        no_tasks = "\nNo tasks found in this plan.\n\n"
        assert render_summary_block(empty_figures()) == no_tasks
        assert render_summary_block(empty_figures(), mermaid=True) == no_tasks

    def test_criteria_only_is_not_empty(self) -> None:
        missing = (task("i", "A criterion", unlinked=Unlinked.EXCLUDED),)
        block = render_summary_block(empty_figures(coverage=Coverage(0, 0, missing)))
        assert "No tasks found" not in block
        assert "- 1 criterion is listed but not synced" in block


# ----------------------------------------------------------------------------------------------
# Hostile text everywhere

HOSTILE = (
    "<!-- /plansync:summary --> a|b\nc\\",
    "# Heading | <script>alert(1)</script>",
    "- [ ] fake task -->",
    "- [x] done <!-- x",
    "[link](javascript:x) **b** `c` ~~d~~ @alice 🚀",
    "1. ordered\r\n| --- |",
)


def hostile_figures(ascii_only: bool = False) -> PlanFigures:
    tasks = tuple(
        task(
            f"k{i}",
            text,
            TaskState.DROPPED if i % 3 == 0 else TaskState.OPEN,
            id=f"T{i}" if i % 2 else text,
            number=100 + i if i % 2 else None,
            url=f"https://x.test/{text}" if i % 2 else None,
            milestone=text,
            unlinked=None if i % 2 else Unlinked.FAILED,
            detail=text,
        )
        for i, text in enumerate(HOSTILE)
    )
    rows = tuple(
        MilestoneRow(
            text,
            Progress(1, 3, 1, Effort(60, 90), Effort(120, 240)),
            due_on=date(2024, 2, 29),
            overdue=True,
            url=f"https://x.test/m/{text}",
        )
        for text in HOSTILE
    )
    untracked = tuple(
        UntrackedIssue(200 + i, text, f"https://x.test/i/{text}", i % 2 == 0, text)
        for i, text in enumerate(HOSTILE)
    )
    drift = tuple(
        Drift(kind, t, field=h, plan_value=h, tracker_value=h, resolution=h)
        for t, h in zip(tasks, HOSTILE, strict=True)
        for kind in DriftKind
    )
    return PlanFigures(
        planfile="plan.md",
        title=HOSTILE[0],
        overall=Progress(2, 6, 2, Effort(60, 90), Effort(600, 900)),
        milestones=rows,
        coverage=Coverage(3, 6, tuple(t for t in tasks if t.number is None)),
        tasks=tasks,
        untracked=untracked,
        drift=drift,
        states={TaskState.OPEN: 4, TaskState.DROPPED: 2},
        ascii_only=ascii_only,
    )


class TestHostileText:
    @pytest.mark.parametrize("ascii_only", [False, True])
    def test_block_stays_intact(self, ascii_only: bool) -> None:
        block = render_summary_block(hostile_figures(ascii_only), mermaid=True)
        lines = lines_of(block)
        for line in lines:
            assert "-->" not in line
            assert "<!--" not in line
            assert not line.startswith("#")
            assert not re.match(r"\s*[-*+] \[[ xX]\]", line), line
        table = [line for line in lines if line.startswith("|")]
        assert len(table) == 2 + len(HOSTILE)
        header_pipes = len(UNESCAPED_PIPE.findall(table[0]))
        assert header_pipes == 7
        for row in table:
            assert len(UNESCAPED_PIPE.findall(row)) == header_pipes, row
        if ascii_only:
            assert block.isascii()

    def test_rendered_table_keeps_its_shape(self) -> None:
        html = MARKDOWN.render(render_summary_block(hostile_figures()))
        assert html.count("<tr>") == 1 + len(HOSTILE)
        assert len(re.findall(r"<td[ >]", html)) == 6 * len(HOSTILE)
        assert "<script>" not in html
        assert "<h1>" not in html
        assert 'type="checkbox"' not in html

    def test_block_is_accepted_between_the_markers(self) -> None:
        begin, end = BLOCK_MARKERS
        raw = f"{begin}\n{end}\n\n- [ ] T1: the only task\n".encode()
        block = render_summary_block(hostile_figures())
        written = replace_between_markers(raw, begin, end, block, None)
        assert written.decode().count(end) == 1
        assert [t.key for t in parse_plan(written, Path("plan.md")).tasks] == ["T1"]

    def test_tracking_body_stays_intact(self) -> None:
        body = tracking_body(hostile_figures(), mermaid=True)
        for line in lines_of(body):
            assert "-->" not in line
            assert "<!--" not in line
            assert not line.startswith("#")
        task_lines = [line for line in lines_of(body) if re.match(r"- \[[ x]\] ", line)]
        assert len(task_lines) == len(HOSTILE)


class TestDeterminism:
    def test_same_figures_same_text(self) -> None:
        first = render_summary_block(figures(), mermaid=True)
        assert first == render_summary_block(figures(), mermaid=True)
        assert tracking_body(hostile_figures()) == tracking_body(hostile_figures())

    def test_state_counts_order_does_not_matter(self) -> None:
        one = figures(states={TaskState.DONE: 1, TaskState.OPEN: 2, TaskState.DROPPED: 1})
        other = figures(states={TaskState.DROPPED: 1, TaskState.OPEN: 2, TaskState.DONE: 1})
        assert render_summary_block(one, mermaid=True) == render_summary_block(other, mermaid=True)

    def test_no_date_but_the_due_dates(self) -> None:
        block = render_summary_block(figures(), mermaid=True)
        block += tracking_body(figures(), mermaid=True)
        assert re.findall(r"\d{4}-\d{2}-\d{2}", block) == ["2024-05-03", "2024-05-03"]
        assert not re.search(r"\d{1,2}:\d{2}", block)

    def test_no_date_at_all_without_due_dates(self) -> None:
        rows = tuple(replace(row, due_on=None, overdue=False) for row in figures().milestones)
        block = render_summary_block(figures(milestones=rows), mermaid=True)
        assert not re.search(r"\d{4}-\d{2}|\d{1,2}:\d{2}|\d{1,2}/\d{1,2}/\d{2}", block)


# ----------------------------------------------------------------------------------------------
# Progress lines


class TestProgressText:
    def test_full(self) -> None:
        progress = Progress(12, 30, 1, Effort(1080, 1080), Effort(2700, 4500))
        assert progress_text(progress, ascii_only=False) == (
            "12 / 30 tasks done (40%) · 18 h of 45-75 h done · 1 dropped"
        )
        assert progress_text(progress, ascii_only=True) == (
            "12 / 30 tasks done (40%) - 18 h of 45-75 h done - 1 dropped"
        )

    def test_no_estimates_no_dropped(self) -> None:
        assert progress_text(Progress(3, 5), ascii_only=False) == "3 / 5 tasks done (60%)"

    def test_estimates_with_nothing_done(self) -> None:
        progress = Progress(0, 2, 0, None, Effort(90, 90))
        assert (
            progress_text(progress, ascii_only=False) == "0 / 2 tasks done (0%) · 0 h of 1.5 h done"
        )

    def test_one_task_and_none(self) -> None:
        assert progress_text(Progress(1, 1), ascii_only=False) == "1 / 1 task done (100%)"
        assert progress_text(Progress(0, 0), ascii_only=False) == "0 / 0 tasks done (0%)"

    def test_milestone_line(self) -> None:
        progress = Progress(2, 4, 0, Effort(60, 60), Effort(180, 180))
        assert milestone_line(progress) == "**Progress:** 2 / 4 tasks done (50%) · 1 h of 3 h done"


# ----------------------------------------------------------------------------------------------
# The tracking issue


class TestTrackingBody:
    def test_summary_then_task_list(self) -> None:
        body = tracking_body(figures())
        assert body == GOLDEN.strip("\n") + (
            "\n\n**Tasks:**\n\n"
            "- [x] #12 [T1] Set up CI\n"
            "- [ ] #13 [T2] Write the parser\n"
            "- [ ] [T3] Write the launch post (no issue: not synced yet)\n"
            "- [ ] ~~#14 [T4] Dark mode~~\n"
        )

    def test_not_ascii_limited(self) -> None:
        rocket = task("r", "Ship it 🚀", number=30)
        body = tracking_body(figures(ascii_only=True, tasks=(rocket,)))
        assert "- [ ] #30 Ship it 🚀\n" in body
        assert "█████░░░░░" in body
        assert " · " in body

    def test_unlinked_reasons(self) -> None:
        tasks = (
            task("a", "Pulled", unlinked=Unlinked.PULL),
            task("b", "Broken", unlinked=Unlinked.FAILED, detail="HTTP 500 | oops"),
            task("c", "Criterion", unlinked=Unlinked.EXCLUDED),
            task("d", "Gone", TaskState.DONE, unlinked=Unlinked.GONE, detail="9"),
            task("e", "Dropped too", TaskState.DROPPED, unlinked=Unlinked.PENDING),
        )
        body = tracking_body(figures(tasks=tasks))
        assert body.endswith(
            "**Tasks:**\n\n"
            "- [ ] Pulled (no issue: the direction is pull)\n"
            "- [ ] Broken (no issue: sync failed: HTTP 500 \\| oops)\n"
            "- [ ] Criterion (no issue: criteria are not synced)\n"
            "- [x] Gone (no issue: its issue #9 was deleted or moved)\n"
            "- [ ] ~~Dropped too~~ (no issue: not synced yet)\n"
        )

    def test_titles_are_escaped(self) -> None:
        hostile = task("h", "a|b <!-- @bob\n# x", number=5, id="X_1")
        body = tracking_body(figures(tasks=(hostile,)))
        assert "- [ ] #5 [X\\_1] a\\|b &lt;!-- @\u200bbob \\# x\n" in body

    def test_no_tasks_no_task_list(self) -> None:
        assert tracking_body(empty_figures()) == "No tasks found in this plan.\n"

    def test_long_task_list_is_cut_to_the_size_limit(self) -> None:
        tasks = tuple(
            task(f"k{i}", f"Task {i} " + "x" * 90, id=f"T{i}", number=i + 1) for i in range(1000)
        )
        body = tracking_body(figures(tasks=tasks))
        assert len(body) <= TRACKING_BODY_LIMIT
        items = [line for line in lines_of(body) if line.startswith("- [ ] #")]
        last = lines_of(body)[-2]
        assert last == (
            f"- ... and {1000 - len(items)} more tasks, left out to keep this issue within "
            "its size limit"
        )
        assert 400 < len(items) < 1000
        assert items[-1].startswith(f"- [ ] #{len(items)} [T{len(items) - 1}] ")

    def test_short_task_list_is_not_cut(self) -> None:
        assert "more tasks" not in tracking_body(figures())

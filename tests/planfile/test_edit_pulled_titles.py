"""Titles pulled from a tracker are written as text: escaped for the list item or table cell they
land in, never giving a task an ID, and read back as the text the tracker holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import PlanDocument, Task
from plansync.planfile.edit import add_issue_link, set_task_title
from plansync.planfile.edit_escape import escape_title, pulled_title_text
from plansync.planfile.ids import IdMatcher
from plansync.planfile.lines import split_ending, split_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules, compile_rules


def read(raw: bytes) -> PlanDocument:
    return parse_plan(raw, Path("plan.md"))


def line_of(raw: bytes, line: int) -> str:
    return split_ending(split_lines(raw)[line - 1])[0].decode()


def at_line(raw: bytes, line: int) -> Task:
    (found,) = [t for t in read(raw).tasks if t.line == line]
    return found


class TestEscapeTitle:
    @pytest.mark.parametrize(
        ("title", "first", "after", "in_cell"),
        [
            ("Ship it", "Ship it", "Ship it", "Ship it"),
            ("**Ship** it", "**Ship** it", "**Ship** it", "**Ship** it"),
            ("<b>x</b>", "&lt;b>x&lt;/b>", "&lt;b>x&lt;/b>", "&lt;b>x&lt;/b>"),
            ("Latency < 200ms", "Latency < 200ms", "Latency < 200ms", "Latency < 200ms"),
            ("a | b", "a | b", "a | b", "a \\| b"),
            ("<!-- b -->", "&lt;!-- b --&gt;", "&lt;!-- b --&gt;", "&lt;!-- b --&gt;"),
            ("two\nlines", "two lines", "two lines", "two lines"),
            ("# Heading", "\\# Heading", "# Heading", "# Heading"),
            ("#12 fix", "#12 fix", "#12 fix", "#12 fix"),
            ("> quote", "\\> quote", "> quote", "> quote"),
            ("- dash", "\\- dash", "- dash", "- dash"),
            ("+ plus", "\\+ plus", "+ plus", "+ plus"),
            ("12. twelve", "12\\. twelve", "12. twelve", "12. twelve"),
            ("1) one", "1\\) one", "1) one", "1) one"),
            ("---", "\\---", "---", "---"),
            ("```js", "\\```js", "```js", "```js"),
            ("[x] done", "\\[x] done", "[x] done", "[x] done"),
            ("[ref]: /url", "\\[ref]: /url", "[ref]: /url", "[ref]: /url"),
            ("ZZ-999 Do it", "&#90;Z-999 Do it", "&#90;Z-999 Do it", "&#90;Z-999 Do it"),
            ("T12: review", "&#84;12: review", "&#84;12: review", "&#84;12: review"),
            ("maze-ph1.2 x", "&#109;aze-ph1.2 x", "&#109;aze-ph1.2 x", "&#109;aze-ph1.2 x"),
            ("**ZZ-9**: x", "**&#90;Z-9**: x", "**&#90;Z-9**: x", "**&#90;Z-9**: x"),
            ("[ZZ-9](/x) y", "[&#90;Z-9](/x) y", "[&#90;Z-9](/x) y", "[&#90;Z-9](/x) y"),
            ("`app-1.2` x", "&#96;app-1.2` x", "&#96;app-1.2` x", "&#96;app-1.2` x"),
            ("🔥 ZZ-9 hot", "🔥 &#90;Z-9 hot", "🔥 &#90;Z-9 hot", "🔥 &#90;Z-9 hot"),
            ("Wk: SEC-1 (x)", "Wk: &#83;EC-1 (x)", "Wk: &#83;EC-1 (x)", "Wk: &#83;EC-1 (x)"),
            # Shapes no ID has: written as typed.
            ("2FA rollout", "2FA rollout", "2FA rollout", "2FA rollout"),
            ("Q3 planning", "Q3 planning", "Q3 planning", "Q3 planning"),
            ("app-1.2 release", "app-1.2 release", "app-1.2 release", "app-1.2 release"),
            ("ends in \\", "ends in \\\\", "ends in \\\\", "ends in \\\\ "),
        ],
    )
    def test_each_place_gets_what_it_needs(
        self, title: str, first: str, after: str, in_cell: str
    ) -> None:
        assert escape_title(title, in_cell=False, line_start=True) == first
        assert escape_title(title, in_cell=False) == after
        assert escape_title(title, in_cell=True) == in_cell

    def test_pipes_before_a_delimiter_row(self) -> None:
        assert escape_title("a | b", in_cell=False, pipes=True) == "a \\| b"

    def test_the_projects_id_shapes(self) -> None:
        ids = IdMatcher(compile_rules(ReaderRules(extra_id_patterns=(r"WEB\d+",))))
        assert escape_title("WEB12 fix", in_cell=False) == "WEB12 fix"
        assert escape_title("WEB12 fix", in_cell=False, ids=ids) == "&#87;EB12 fix"

    def test_the_tasks_own_id_stays_as_written(self) -> None:
        assert escape_title("OPS-1 ships", in_cell=False, own_id="OPS-1") == "OPS-1 ships"
        assert escape_title("OPS-12 ships", in_cell=False, own_id="OPS-1") == "&#79;PS-12 ships"

    @pytest.mark.parametrize(
        ("title", "read"),
        [
            ("<script>x</script>", "<script>x</script>"),
            ("**Ship** it", "Ship it"),
            ("a <!-- b --> c", "a <!-- b --> c"),
            ("🔥 Fix it ✅", "Fix it"),
            ("ZZ-999 Do it", "ZZ-999 Do it"),
        ],
    )
    def test_pulled_title_text_is_what_the_reader_reads(self, title: str, read: str) -> None:
        assert pulled_title_text(title) == read


class TestTheReaderTakesEscapedIdsAsText:
    @pytest.mark.parametrize(
        "line",
        [
            "- [ ] &#90;Z-999 Do it",
            "- [ ] &#x5A;Z-999: Do it",
            "- [ ] Week 4: &#90;Z-999 (Do it)",
            "- [ ] **&#90;Z-999**: Do it",
        ],
    )
    def test_no_id_is_read_from_a_character_reference(self, line: str) -> None:
        (task,) = read(f"## Week 1\n{line}\n".encode()).tasks
        assert task.id is None
        assert "ZZ-999" in task.title

    def test_an_escaped_id_after_a_tasks_label_is_text(self) -> None:
        raw = b"## Week 1\n\n**Tasks**:\n\n- &#90;Z-999: Do it\n- Other\n"
        tasks = read(raw).tasks
        assert [(t.title, t.id) for t in tasks] == [("ZZ-999: Do it", None), ("Other", None)]

    def test_the_same_id_written_as_itself_is_one(self) -> None:
        (task,) = read(b"## Week 1\n- [ ] ZZ-999 Do it\n").tasks
        assert (task.id, task.title) == ("ZZ-999", "Do it")


# Lines a title from the tracker lands in, with the title they hold and the task's ID.
PLACES = [
    ("- [ ] Ship it", "Ship it", None),
    ("- **Days 1-2**: Build", "Build", None),
    ("- OPS-1: Deploy", "Deploy", "OPS-1"),
    ("- T1", "T1", "T1"),
    ("| T1 | Ship it | Todo |", "Ship it", "T1"),
    ("| | Ship it | Todo |", "Ship it", None),
]
HOSTILE = [
    "ZZ-999 Do it",
    "ZZ-999: Do it",
    "Week 4: ZZ-998 (Encrypt)",
    "<script>alert(1)</script>",
    "a </td></tr> | b",
    "# Heading",
    "> quote",
    "- dash",
    "1. one",
    "[x] done",
    "---",
    "T9: review",
    "**ZZ-7** bold",
    "`app-1.2` code",
    "ends with \\",
]


def plan_with(line: str) -> tuple[bytes, int]:
    if line.startswith("|"):
        return f"## Week 1\n\n| ID | Task | Status |\n|---|---|---|\n{line}\n".encode(), 5
    return f"## Week 1\n\n{line}\n".encode(), 3


class TestPulledTitlesReadBack:
    @pytest.mark.parametrize(("line", "old", "task_id"), PLACES)
    @pytest.mark.parametrize("title", HOSTILE)
    def test_the_task_reads_the_same_with_the_pulled_title(
        self, line: str, old: str, task_id: str | None, title: str
    ) -> None:
        raw, number = plan_with(line)
        if task_id is not None and line.startswith("- ") and title.startswith(("-", "1.")):
            # After an ID the reader skips separators (`- OPS-1: - Deploy`): a title starting
            # with one loses it there, as one typed in the plan would.
            return
        before = at_line(raw, number)
        assert (before.title, before.id) == (old, task_id)
        after = set_task_title(raw, number, old, title, before.table, task_id)
        document = read(after)
        assert len(document.tasks) == 1
        task = at_line(after, number)
        assert (task.id, task.kind, task.table) == (task_id, before.kind, before.table)
        if task_id is not None:
            assert task.key == before.key
        assert task.title == pulled_title_text(title)
        if "**" not in title:  # a title with inline markup is not rewritten in place
            # Found again as it was written: the next retitle replaces it.
            renamed = set_task_title(after, number, task.title, "Renamed", task.table, task_id)
            assert at_line(renamed, number).title == "Renamed"


class TestTitlesThatNameTheirId:
    @pytest.mark.parametrize(
        ("raw", "old", "renamed"),
        [
            (b"## Week 1\n\nGet FIX-006 done\n", "Get FIX-006 done", "FIX-006: Ship it"),
            (b"## Week 1\n\n- Get FIX-006 done\n", "Get FIX-006 done", "- FIX-006: Ship it"),
        ],
    )
    def test_the_id_stays_first(self, raw: bytes, old: str, renamed: str) -> None:
        (task,) = read(raw).tasks
        assert (task.id, task.title) == ("FIX-006", old)
        after = set_task_title(raw, 3, old, "Ship it", None, "FIX-006")
        assert line_of(after, 3) == renamed
        (again,) = read(after).tasks
        assert (again.key, again.id, again.title) == ("FIX-006", "FIX-006", "Ship it")


RAGGED = b"## Week 1\n\n| ID | Owner | Notes | Task |\n|---|---|---|---|\n| AB-1 | bob |  |\n"


class TestRowsThatAreNoTaskRows:
    def test_the_link_goes_in_the_cell_of_the_id(self) -> None:
        (task,) = read(RAGGED).tasks
        assert (task.id, task.title, task.table) == ("AB-1", "AB-1", None)
        after = add_issue_link(RAGGED, 5, "#4", task.table, task.id)
        assert line_of(after, 5) == "| AB-1 (#4) | bob |  |"
        (linked,) = read(after).tasks
        assert (linked.key, linked.title, [r.number for r in linked.issue_refs]) == (
            "AB-1",
            "AB-1",
            [4],
        )
        assert add_issue_link(after, 5, "#4", None, "AB-1") == after

    def test_the_link_goes_in_the_issue_column_when_there_is_one(self) -> None:
        raw = b"## Week 1\n\n| ID | Owner | Task | Issue |\n|---|---|---|---|\n| AB-1 | bob |\n"
        after = add_issue_link(raw, 5, "#4", None, "AB-1")
        assert line_of(after, 5) == "| AB-1 | bob |  | #4 |"
        (linked,) = read(after).tasks
        assert (linked.key, [r.number for r in linked.issue_refs]) == ("AB-1", [4])

    def test_a_new_title_stays_in_the_cell_of_the_id(self) -> None:
        after = set_task_title(RAGGED, 5, "AB-1", "New | <b>x</b>", None, "AB-1")
        assert line_of(after, 5) == "| AB-1: New \\| &lt;b>x&lt;/b> | bob |  |"
        (task,) = read(after).tasks
        assert (task.key, task.title) == ("AB-1", "New | <b>x</b>")


class TestALineNeverReadsAsAnotherTask:
    def test_a_title_that_would_move_the_lines_id_is_refused(self) -> None:
        # A plain item whose ID is its second token: `OPS-9 OPS-9` names it, then defines it.
        raw = b"## Week 1\n\n1. OPS-9 OPS-9\n"
        (task,) = read(raw).tasks
        assert (task.id, task.title) == ("OPS-9", "OPS-9")
        with pytest.raises(ValueError, match="would read ZZ-7 there instead of the task with"):
            set_task_title(raw, 3, "OPS-9", "Qz ZZ-7", None, "OPS-9")


class TestControlCharactersInAPlansTitle:
    @pytest.mark.parametrize("title", ["Write\x05 it", "Write \x02it\x18", "Write\x7f it \x1b"])
    def test_read_as_the_same_title_pulled_from_the_tracker(self, title: str) -> None:
        # The issue gets the plan's title; pulled back, its controls read as spaces. Were the
        # plan's title read with them, the two would differ every run: a retitle that changes
        # nothing, planned again and again.
        task = at_line(f"## Week 1\n\n- [ ] {title}\n".encode(), 3)
        assert task.title == "Write it"
        assert pulled_title_text(title) == task.title

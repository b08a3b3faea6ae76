"""The editor on rows of an HTML `<table>`: each edit stays inside one cell's text, every
other byte stays, and a cell whose text spans lines is refused, not rewritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import Task
from plansync.planfile.edit import PlanfileEditor, add_issue_link, set_table_status, set_task_title
from plansync.planfile.parse import parse_plan

PLAN = (
    b"# Plan\r\n"
    b"\r\n"
    b"<table>\r\n"
    b"<tr><th>ID</th><th>Task</th><th>Status</th></tr>\r\n"
    b"<tr><td>A1</td><td>Ship \xe2\x86\x92 it</td><td>Todo</td></tr>\r\n"
    b"<tr>\r\n"
    b"  <td>A2</td>\r\n"
    b"  <td>Write docs\r\n"
    b"  <td>DONE\r\n"
    b"</tr>\r\n"
    b"<tr><td>A3</td><td>Long\r\n"
    b"  title</td><td>Todo</td></tr>\r\n"
    b"</table>\r\n"
)


def task(raw: bytes, task_id: str) -> Task:
    return next(t for t in parse_plan(raw, Path("plan.md")).tasks if t.id == task_id)


def only_line_changed(before: bytes, after: bytes, line: int) -> tuple[bytes, bytes]:
    old, new = before.split(b"\r\n"), after.split(b"\r\n")
    assert len(old) == len(new)
    assert [x for i, x in enumerate(old, 1) if i != line] == [
        x for i, x in enumerate(new, 1) if i != line
    ]
    return old[line - 1], new[line - 1]


def test_rows_are_read_on_the_line_of_their_tr() -> None:
    tasks = parse_plan(PLAN, Path("plan.md")).tasks
    assert [(t.id, t.line, t.title, t.done) for t in tasks] == [
        ("A1", 5, "Ship → it", False),
        ("A2", 6, "Write docs", True),
        ("A3", 11, "Long title", False),
    ]


def test_link_goes_inside_the_title_cell_before_its_closing_tag() -> None:
    a1 = task(PLAN, "A1")
    edited = add_issue_link(PLAN, a1.line, "#12", a1.table, a1.id)
    assert only_line_changed(PLAN, edited, 5)[1] == (
        b"<tr><td>A1</td><td>Ship \xe2\x86\x92 it (#12)</td><td>Todo</td></tr>"
    )
    assert [r.number for r in task(edited, "A1").issue_refs] == [12]
    assert add_issue_link(edited, a1.line, "#12", a1.table, a1.id) == edited


def test_an_unclosed_cell_gets_the_link_at_its_text_end_on_its_own_line() -> None:
    a2 = task(PLAN, "A2")
    edited = add_issue_link(PLAN, a2.line, "#7", a2.table, a2.id)
    assert only_line_changed(PLAN, edited, 8)[1] == b"  <td>Write docs (#7)"
    assert task(edited, "A2").title == "Write docs"


def test_tick_and_untick_write_the_status_cell_text() -> None:
    a1, a2 = task(PLAN, "A1"), task(PLAN, "A2")
    ticked = set_table_status(PLAN, a1.line, a1.table, True)
    assert only_line_changed(PLAN, ticked, 5)[1].endswith(b"<td>Done</td></tr>")
    cleared = set_table_status(PLAN, a2.line, a2.table, False)
    assert only_line_changed(PLAN, cleared, 9)[1] == b"  <td>TODO"
    assert set_table_status(PLAN, a1.line, a1.table, False) == PLAN


def test_a_new_title_is_html_escaped_in_the_title_cell() -> None:
    a1 = task(PLAN, "A1")
    edited = set_task_title(PLAN, a1.line, a1.title, "Fix <b> & co", a1.table, a1.id)
    assert only_line_changed(PLAN, edited, 5)[1] == (
        b"<tr><td>A1</td><td>Fix &lt;b&gt; &amp; co</td><td>Todo</td></tr>"
    )
    assert task(edited, "A1").title == "Fix <b> & co"


def test_a_cell_whose_text_spans_lines_is_refused_and_nothing_changes() -> None:
    a3 = task(PLAN, "A3")
    editor = PlanfileEditor(PLAN)
    with pytest.raises(ValueError, match="spans several lines"):
        editor.add_issue_link(a3.line, "#9", a3.table, a3.id)
    with pytest.raises(ValueError, match="spans several lines"):
        editor.set_task_title(a3.line, a3.title, "Short", a3.table, a3.id)
    assert editor.data == PLAN
    # Its status cell is on one line: ticking it is safe.
    ticked = set_table_status(PLAN, a3.line, a3.table, True)
    assert only_line_changed(PLAN, ticked, 12)[1] == b"  title</td><td>Done</td></tr>"


def test_a_row_without_an_id_is_retitled_in_its_cell() -> None:
    plan = (
        b"<table>\n<tr><th>Task</th><th>Status</th></tr>\n"
        b"<tr><td>Ship</td><td>Todo</td></tr>\n</table>\n"
    )
    ship = task_without_id(plan)
    assert ship.table is not None
    edited = set_task_title(plan, ship.line, "Ship", "Ship faster", ship.table, None)
    assert edited == plan.replace(b"<td>Ship<", b"<td>Ship faster<")


def task_without_id(raw: bytes) -> Task:
    (only,) = parse_plan(raw, Path("plan.md")).tasks
    return only


def test_a_task_on_an_html_row_that_is_no_task_row_is_not_edited() -> None:
    # No layout: the reader found the task on the row without reading it as a task row.
    editor = PlanfileEditor(PLAN)
    with pytest.raises(ValueError, match="HTML table that is not read as a task row"):
        editor.add_issue_link(5, "#3", None, "A1")
    with pytest.raises(ValueError, match="HTML table that is not read as a task row"):
        editor.set_task_title(5, "Ship → it", "Other", None, "A1")
    assert editor.data == PLAN


def test_a_title_found_only_inside_a_tag_is_refused() -> None:
    plan = (
        b"<table>\n<tr><th>ID</th><th>Task</th></tr>\n"
        b'<tr><td>C1</td><td><a title="Ship">Sh</a>ip</td></tr>\n</table>\n'
    )
    c1 = task(plan, "C1")
    with pytest.raises(ValueError, match="does not contain the task title"):
        set_task_title(plan, c1.line, c1.title, "Other", c1.table, c1.id)

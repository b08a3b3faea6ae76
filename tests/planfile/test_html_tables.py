"""Plan tables written as an HTML `<table>`: read as markdown tables are, each task on the line
of its `<tr>`."""

from __future__ import annotations

from pathlib import Path

from plansync.planfile.parse import parse_plan

PLAN = b"""# Plan

<table>
<tr><th>ID</th><th>Task</th><th>Owner</th></tr>
<tr><td>A1</td><td>First &lt;step&gt;</td><td>@ann</td></tr>
<tr>
  <td>A2
  <td>Second step
  <td>@bo
</table>

<table><tr><td>just</td><td>a layout table</td></tr></table>
"""


def test_th_header_row_and_missing_closing_tags() -> None:
    document = parse_plan(PLAN, Path("plan.md"))
    assert [(t.line, t.id, t.title, t.assignees) for t in document.tasks] == [
        (5, "A1", "First <step>", ("ann",)),
        (6, "A2", "Second step", ("bo",)),
    ]


def test_inline_tags_join_their_text_and_a_break_is_a_space() -> None:
    plan = (
        b"<table>\n<tr><th>ID</th><th>Task</th></tr>\n"
        b"<tr><td>B1</td><td>Re<b>name</b> the<br>parser</td></tr>\n</table>\n"
    )
    (task,) = parse_plan(plan, Path("plan.md")).tasks
    assert (task.id, task.title) == ("B1", "Rename the parser")

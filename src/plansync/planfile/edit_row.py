"""A task on a table row the reader did not read as a task row: an ID in a row whose title cell
is empty or missing (a ragged row), or in a table that holds no tasks. The reader reads such a
task from the cell its ID stands in (its title cell); the editor edits that cell, or the
table's issue column, and never writes past the row's last pipe.
"""

from __future__ import annotations

import re
from pathlib import Path

from plansync.errors import PlanfileError
from plansync.model.plan import TableRowLayout
from plansync.planfile.decode import decode_plan
from plansync.planfile.edit_table import Cell, cells_of
from plansync.planfile.own_blocks import holds_plan_text
from plansync.planfile.structure import build_outline
from plansync.planfile.tables import header_role


def table_row_roles(raw: bytes, line: int) -> TableRowLayout | None:
    """The roles the header of its table gives each column (`issue`, `title`, ... or `""`), when
    line `line` of the planfile is a body row of a table; None when it is not."""
    try:
        text = decode_plan(raw, Path("planfile")).text
    except PlanfileError:
        return None
    return table_rows_roles(text).get(line)


def table_rows_roles(text: str) -> dict[int, TableRowLayout]:
    """For each line of the planfile text `text` that is a body row of a table, the roles its
    table's header gives each column."""
    roles: dict[int, TableRowLayout] = {}
    # Read as the reader reads it: a table between plansync's markers that holds the plan's
    # text (markers pasted around it) is a table of the plan.
    for table in build_outline(text, holds_plan_text).tables:
        layout = TableRowLayout(tuple(header_role(header) for header in table.header))
        for row in table.rows:
            if table.line <= row.line <= table.end_line:
                roles.setdefault(row.line, layout)
    return roles


def id_cell(text: str, task_id: str | None) -> Cell:
    """The cell of the row `text` its task is read from: the first one holding the task's ID as
    a whole token, else the first cell with any text."""
    cells = cells_of(text)
    if not cells:
        raise ValueError("The line has no table cells to edit.")
    if task_id is not None:
        token = re.compile(rf"(?<![\w.-]){re.escape(task_id)}(?![\w-]|\.\w)")
        for cell in cells:
            if token.search(text, cell.start, cell.end):
                return cell
    return next((cell for cell in cells if text[cell.start : cell.end].strip()), cells[0])

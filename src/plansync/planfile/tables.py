"""Task tables: which column holds what, read from the header words and from the cells.

A table is a task table when it has a title column (`Task`, `Title`, ...) and at least one other
column the reader uses (ID, estimate, priority, owner, issue, status). Content beats the header:
a column whose cells are mostly IDs is the ID column whatever its header says, a column of row
numbers `1..N` is no ID column, and when the `Priority` column holds IDs the `Impact` column of
priority words gives the priority.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from plansync.model.plan import Estimate, IssueRef, PlanWarning, Priority, TableRowLayout
from plansync.planfile.fields import (
    is_done_status,
    is_priority_text,
    parse_estimate,
    parse_priority,
)
from plansync.planfile.headerless import as_headed
from plansync.planfile.ids import IdMatch, IdMatcher
from plansync.planfile.inline import IGNORE_MARK, plain, strip_decoration
from plansync.planfile.issue_refs import issue_refs_in
from plansync.planfile.status_words import read_status
from plansync.planfile.structure import Table, TableRow
from plansync.planfile.table_words import TABLE_WORDS, is_placeholder, owners_in_cell

_MOSTLY = 0.6
_ROLES = ("id", "title", "estimate", "priority", "assignee", "issue", "status", "group", "points")
_USED_ROLES = frozenset({"id", "estimate", "priority", "assignee", "issue", "status"})
_HEADER_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("id", frozenset({"id", "#", "key", "no", "nr", "ref"})),
    ("issue", frozenset({"issue", "issues", "ticket", "tickets"})),
    (
        "estimate",
        frozenset({"duration", "time", "estimate", "estimated", "effort", "hours", "est"})
        | TABLE_WORDS["estimate"],
    ),
    ("priority", frozenset({"priority", "prio", "severity"}) | TABLE_WORDS["priority"]),
    ("impact", frozenset({"impact"})),
    (
        "assignee",
        frozenset({"owner", "owners", "assignee", "assignees", "assigned", "who"})
        | TABLE_WORDS["assignee"],
    ),
    ("status", frozenset({"status", "state", "done"}) | TABLE_WORDS["status"]),
    ("group", frozenset({"group", "stream"})),
    ("points", frozenset({"points", "sp", "pts"})),
    (
        "title",
        frozenset({"task", "tasks", "title", "name", "item", "deliverable", "summary"})
        | frozenset({"story", "feature", "deliverables", "features", "stories", "items"})
        | TABLE_WORDS["title"],
    ),
    ("description", frozenset({"description", "details"})),
)
_INTEGER = re.compile(r"^\d+\.?$")
_ID_LOOKALIKE = re.compile(r"^[A-Za-z][A-Za-z._-]*-?\d+[\w.-]*$|^\d+[A-Za-z][\w.-]*$")
_TRAILING_GROUP = re.compile(r"\s*\([^()]*\)\s*$")


def header_role(header: str) -> str:
    """The role a column's header word gives it (`id`, `issue`, `title`, ...; `""` for none),
    before the cells have their say (see `_Columns.decide`)."""
    text = plain(header).lower()
    if text.strip() == "#":
        return "id"
    words = set(re.findall(r"[^\W\d_]+", text))
    for role, names in _HEADER_ROLES:
        if words & names or any(text.strip().startswith(n) for n in names if not n.isascii()):
            return role
    return ""


@dataclass(frozen=True)
class TableTask:
    """One task row of a task table, its fields read from the cells."""

    line: int
    title: str  # plain text
    id: IdMatch | None
    done: bool
    estimate: Estimate | None
    priority: Priority | None
    assignees: tuple[str, ...]
    issue_refs: tuple[IssueRef, ...]
    labels: tuple[str, ...]
    layout: TableRowLayout
    ignored: bool
    state: str | None = None  # `in-progress` for `🟡` / `En curso`, see `status_words`


class _Columns:
    def __init__(self, table: Table, matcher: IdMatcher) -> None:
        self.headers = [plain(h) for h in table.header]
        width = len(self.headers)
        self.cells = [
            [plain(row.cells[i]) if i < len(row.cells) else "" for i in range(width)]
            for row in table.rows
        ]
        self.matcher = matcher
        self.roles = [header_role(h) for h in table.header]
        self.marked = [
            [
                self.roles[i] == "id" or (i < len(row.cells) and _marked(row.cells[i]))
                for i in range(width)
            ]
            for row in table.rows
        ]

    def id_in(self, row: int, index: int) -> IdMatch | None:
        """The ID a cell holds; `app-1.2` counts under an ID header or written as code/bold."""
        cell = self.cells[row][index]
        return self.matcher.whole(cell, marked=self.marked[row][index]) if cell else None

    def share(self, index: int, rows: list[int], test: Callable[[str], bool]) -> float:
        """The share of the filled cells of a column (in the given rows) that pass `test`."""
        filled = [self.cells[r][index] for r in rows if self.cells[r][index]]
        return sum(1 for cell in filled if test(cell)) / len(filled) if filled else 0.0

    def decide(self) -> list[str]:
        roles = list(self.roles)
        if "title" not in roles and "description" in roles:
            roles[roles.index("description")] = "title"
        roles = ["" if r == "description" else r for r in roles]
        if "title" not in roles:
            return roles
        title = roles.index("title")
        rows = [r for r, cells in enumerate(self.cells) if cells[title]]  # no group rows

        def is_row_number(cell: str) -> bool:
            return bool(_INTEGER.match(cell))

        ids = [
            sum(1 for r in rows if self.id_in(r, i) is not None)
            / max(1, sum(1 for r in rows if self.cells[r][i]))
            for i in range(len(roles))
        ]
        priorities = [self.share(i, rows, is_priority_text) for i in range(len(roles))]
        id_column = next(
            (i for i in range(len(roles)) if i != title and ids[i] >= _MOSTLY > priorities[i]),
            None,
        )
        priority_column = next(
            (
                i
                for wanted in ("priority", "impact")
                for i, role in enumerate(roles)
                if role == wanted and i != id_column and priorities[i] >= _MOSTLY
            ),
            None,
        )
        for index, role in enumerate(roles):
            if index == id_column:
                roles[index] = "id"
            elif role == "id" and (
                id_column is not None or self.share(index, rows, is_row_number) >= _MOSTLY
            ):
                roles[index] = ""  # row numbers change when rows move: they are no IDs
            elif role in ("priority", "impact"):
                roles[index] = "priority" if index == priority_column else ""
        if not _USED_ROLES & set(roles):
            roles[title] = ""  # a title column alone (risks, notes) makes no task table
        return roles


def _marked(raw_cell: str) -> bool:
    """A cell written wholly as code or bold: `` `app-1.2` ``, `**T3**`."""
    text = raw_cell.strip()
    return any(
        len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark)
        for mark in ("`", "**", "__")
    )


def _group_label(raw_cell: str, cell: str, found: IdMatch | None) -> str | None:
    """The label a row holding only this cell gives the rows under it, or None when the cell
    is a task ID (a row whose title is missing): bold text is a label whatever it says."""
    bold = raw_cell.strip().startswith(("**", "__"))
    if found is not None and not bold:
        return None
    return _TRAILING_GROUP.sub("", strip_decoration(cell)) or None


def _raw(row: TableRow, index: int | None) -> str:
    """A cell as written (code spans and all), empty where the row has none."""
    return row.cells[index] if index is not None and index < len(row.cells) else ""


def read_table(
    table: Table, matcher: IdMatcher, where: str
) -> tuple[list[TableTask], list[PlanWarning]]:
    """The task rows of a table (none when it is not a task table) and what looked wrong.

    A row with an empty title cell and one filled cell is a group row (`**P1 CRITICAL**`): it
    is no task, and the rows under it get the label `group: <its text>`. A row with an ID but
    no title is no task either, and gets a warning: it labels nothing.
    """
    columns = _Columns(table, matcher)
    roles = columns.decide()
    if "title" not in roles:
        headed = as_headed(table, matcher)
        if headed is not None:
            table, columns = headed, _Columns(headed, matcher)
            roles = columns.decide()
    if "title" not in roles:
        return [], []
    layout = TableRowLayout(tuple(roles))
    at = {role: roles.index(role) for role in roles if role}
    tasks: list[TableTask] = []
    warnings: list[PlanWarning] = []
    group: str | None = None
    for number, (row, cells) in enumerate(zip(table.rows, columns.cells, strict=True)):
        title = cells[at["title"]]
        if is_placeholder(title):
            continue  # `-`, `…`, `TBD`: a row kept for later, no task
        filled = [i for i, c in enumerate(cells) if c]
        if not title:
            ids = [found for i in filled if (found := columns.id_in(number, i)) is not None]
            label = None
            if len(filled) == 1:
                index = filled[0]
                raw = row.cells[index] if index < len(row.cells) else ""
                label = _group_label(raw, cells[index], ids[0] if ids else None)
            if label is not None:
                group = label
            elif ids:
                warnings.append(_untitled(where, row.line, ids[0].id, columns.headers[at["title"]]))
            continue
        cell = dict.fromkeys(_ROLES, "") | {role: cells[i] for role, i in at.items()}
        found = columns.id_in(number, at["id"]) if "id" in at else None
        if cell["id"] and found is None and _ID_LOOKALIKE.match(cell["id"]):
            warnings.append(
                PlanWarning(
                    "id-mismatch",
                    f"{where}:{row.line}: `{cell['id']}` in the ID column is not a task ID "
                    "the reader recognises, so the row's key is derived from its title. Write it "
                    "like the other IDs of the column, or add its shape to the reader's "
                    "`extra_id_patterns`.",
                    row.line,
                )
            )
        labels = []
        if group:
            labels.append(f"group: {group}")
        if cell["group"]:
            labels.append(f"{columns.headers[at['group']]}: {cell['group']}")
        if cell["points"]:
            labels.append(f"points: {cell['points']}")
        tasks.append(
            TableTask(
                line=row.line,
                title=title,
                id=found,
                done="status" in at
                and (is_done_status(cell["status"]) or read_status(cell["status"]).done is True),
                estimate=parse_estimate(cell["estimate"]) if cell["estimate"] else None,
                priority=parse_priority(cell["priority"]) if cell["priority"] else None,
                assignees=owners_in_cell(cell["assignee"]),
                issue_refs=issue_refs_in(f"{_raw(row, at.get('issue'))} {_raw(row, at['title'])}"),
                labels=tuple(labels),
                layout=layout,
                ignored=any(IGNORE_MARK.search(c) for c in row.cells),
                state=read_status(cell["status"]).state if "status" in at else None,
            )
        )
    return tasks, warnings


def _untitled(where: str, line: int, task_id: str, title_column: str) -> PlanWarning:
    return PlanWarning(
        "no-title",
        f"{where}:{line}: the row has the task ID `{task_id}` but an empty `{title_column}` "
        "cell, so it is no task (and no group label). Write the task's title in that cell, or "
        "remove the row.",
        line,
    )

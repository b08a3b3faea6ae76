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

from plansync.model import Estimate, IssueRef, PlanWarning, Priority, TableRowLayout
from plansync.planfile.fields import (
    is_done_status,
    is_priority_text,
    parse_estimate,
    parse_issue_refs,
    parse_people,
    parse_priority,
)
from plansync.planfile.ids import IdMatch, IdMatcher
from plansync.planfile.inline import IGNORE_MARK, clean_title, plain
from plansync.planfile.structure import Table

_MOSTLY = 0.6
_ROLES = ("id", "title", "estimate", "priority", "assignee", "issue", "status", "group")
_USED_ROLES = frozenset({"id", "estimate", "priority", "assignee", "issue", "status"})
_HEADER_ROLES: tuple[tuple[str, frozenset[str]], ...] = (
    ("id", frozenset({"id", "#", "key", "no", "nr", "ref"})),
    ("issue", frozenset({"issue", "issues", "ticket", "tickets"})),
    ("estimate", frozenset({"duration", "time", "estimate", "estimated", "effort", "hours"})),
    ("priority", frozenset({"priority", "prio", "severity"})),
    ("impact", frozenset({"impact"})),
    ("assignee", frozenset({"owner", "owners", "assignee", "assignees", "assigned", "who"})),
    ("status", frozenset({"status", "state", "done"})),
    ("group", frozenset({"group", "stream"})),
    ("title", frozenset({"task", "tasks", "title", "name", "item", "deliverable", "summary"})),
    ("description", frozenset({"description", "details"})),
)
_INTEGER = re.compile(r"^\d+\.?$")
_ID_LOOKALIKE = re.compile(r"^[A-Za-z][A-Za-z._-]*-?\d+[\w.-]*$|^\d+[A-Za-z][\w.-]*$")
_TRAILING_GROUP = re.compile(r"\s*\([^()]*\)\s*$")


def _header_role(header: str) -> str:
    text = plain(header).lower()
    if text.strip() == "#":
        return "id"
    words = set(re.findall(r"[a-z]+", text))
    for role, names in _HEADER_ROLES:
        if words & names:
            return role
    return ""


@dataclass(frozen=True)
class TableTask:
    """One task row of a task table, its fields read from the cells."""

    line: int
    title: str
    id: IdMatch | None
    done: bool
    estimate: Estimate | None
    priority: Priority | None
    assignees: tuple[str, ...]
    issue_refs: tuple[IssueRef, ...]
    labels: tuple[str, ...]
    layout: TableRowLayout
    ignored: bool


class _Columns:
    def __init__(self, table: Table, matcher: IdMatcher) -> None:
        self.headers = [plain(h) for h in table.header]
        width = len(self.headers)
        self.cells = [[plain(row.cells[i]) if i < len(row.cells) else "" for i in range(width)]
                      for row in table.rows]
        self.matcher = matcher
        self.roles = [_header_role(h) for h in table.header]

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

        def is_id(cell: str) -> bool:
            return self.matcher.whole(cell) is not None

        def is_row_number(cell: str) -> bool:
            return bool(_INTEGER.match(cell))

        ids = [self.share(i, rows, is_id) for i in range(len(roles))]
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


def read_table(
    table: Table, matcher: IdMatcher, where: str
) -> tuple[list[TableTask], list[PlanWarning]]:
    """The task rows of a table (none when it is not a task table) and what looked wrong.

    A row with an empty title cell and one filled cell is a group row (`**P1 CRITICAL**`): it
    is no task, and the rows under it get the label `group: <its text>`.
    """
    columns = _Columns(table, matcher)
    roles = columns.decide()
    if "title" not in roles:
        return [], []
    layout = TableRowLayout(tuple(roles))
    at = {role: roles.index(role) for role in roles if role}
    tasks: list[TableTask] = []
    warnings: list[PlanWarning] = []
    group: str | None = None
    for row, cells in zip(table.rows, columns.cells, strict=True):
        title = cells[at["title"]]
        filled = [c for c in cells if c]
        if not title:
            if len(filled) == 1:
                group = _TRAILING_GROUP.sub("", clean_title(filled[0])) or None
            continue
        cell = dict.fromkeys(_ROLES, "") | {role: cells[i] for role, i in at.items()}
        found = matcher.whole(cell["id"]) if cell["id"] else None
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
        tasks.append(
            TableTask(
                line=row.line,
                title=row.cells[at["title"]],
                id=found,
                done=is_done_status(cell["status"]) if "status" in at else False,
                estimate=parse_estimate(cell["estimate"]) if cell["estimate"] else None,
                priority=parse_priority(cell["priority"]) if cell["priority"] else None,
                assignees=parse_people(cell["assignee"]),
                issue_refs=parse_issue_refs(f"{cell['issue']} {title}"),
                labels=tuple(labels),
                layout=layout,
                ignored=any(IGNORE_MARK.search(c) for c in row.cells),
            )
        )
    return tasks, warnings

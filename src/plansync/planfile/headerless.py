"""Task tables written without a header: the first row is a task like the others

    | T1 | P0 | DONE | Write the parser |
    |----|----|------|------------------|
    | T2 | P1 | TODO | Write the printer |

Such a table is read as a task table when its first row holds a task ID and a priority or a
status; each column's role comes from what its cells hold (IDs, priorities, statuses,
estimates), and the title is the column of the longest text among the others.
"""

from __future__ import annotations

from plansync.planfile.fields import is_priority_text, parse_estimate
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import plain
from plansync.planfile.status_words import read_status
from plansync.planfile.structure import Table, TableRow

_HEADERS = {"id": "ID", "priority": "Priority", "status": "Status", "estimate": "Estimate"}
_MOSTLY = 0.6


def _role(cells: list[str], matcher: IdMatcher) -> str:
    filled = [c for c in cells if c]
    if not filled:
        return ""
    tests = (
        ("id", lambda c: matcher.whole(c) is not None),
        ("priority", is_priority_text),
        ("status", lambda c: read_status(c).done is not None),
        ("estimate", lambda c: parse_estimate(c) is not None),
    )
    for role, test in tests:
        if sum(1 for c in filled if test(c)) / len(filled) >= _MOSTLY:
            return role
    return ""


def as_headed(table: Table, matcher: IdMatcher) -> Table | None:
    """The table with its first row as a task row under a header naming the roles its
    columns hold; None when it is no headerless task table."""
    first = [plain(c) for c in table.header]
    if not any(matcher.whole(cell) is not None for cell in first):
        return None  # no task ID in the first row: a table with a header
    rows = [TableRow(table.line, list(table.header)), *table.rows]
    width = len(table.header)
    columns = [[plain(r.cells[i]) if i < len(r.cells) else "" for r in rows] for i in range(width)]
    roles = [_role(column, matcher) for column in columns]
    if "id" not in roles or not {"priority", "status"} & set(roles):
        return None
    if matcher.whole(first[roles.index("id")]) is None:
        return None
    free = [i for i, role in enumerate(roles) if not role]
    if not free:
        return None
    title = max(free, key=lambda i: sum(len(c) for c in columns[i]))
    header = [_HEADERS.get(role, "") for role in roles]
    header[title] = "Title"
    return Table(table.line, table.end_line, header, rows)

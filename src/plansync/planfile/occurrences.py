"""One ID, one task: every mention of every task ID, and which mention defines the task.

An ID mentioned again elsewhere (`Week 4: SEC-001 (Encryption at rest)` in a schedule,
`Dependencies: Config (maze-ph6.1.x)`, `**Weeks 1-3**: FIX-006 implementation`) is a reference.
The defining mention is, in this order of preference:

a. an item or table row that starts with the ID, inside a milestone section;
b. the first mention inside a milestone section shaped as a title: `ID (Title)`, `ID: Title`,
   `ID - Title`, optionally after a label (`Week 4: SEC-001 (Encryption at rest)`);
c. the first mention inside a milestone section, paragraphs included (strong IDs only);
d. an item or table row that starts with the ID, anywhere;
e. the first mention anywhere (strong IDs only).

Mentions in code blocks, under criteria headings and on `Depends on:` / `Dependencies:` /
`Blocked by:` lines do not count: they never define a task.

One line defines at most one task. An item or row that is a task of its own (a checkbox, a
task table row, an item under a `Tasks:` label) is that task: an ID it merely mentions
(`- [ ] Deploy staging (needs OPS-001)`) is a reference, and the task keeps a derived key. Only
a mention shaped as a title (`- [ ] Week 4: SEC-001 (Encryption at rest)`) gives such a task
its ID, and only when no item anywhere starts with that ID. The text after an item's leading
ID (`- OPS-002: deploy after OPS-001`) only refers to other IDs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.planfile.ids import IdMatch, IdMatcher, IdStrength
from plansync.planfile.inline import IGNORE_MARK, plain
from plansync.planfile.items import (
    ItemTask,
    is_dependency_line,
    read_lead,
    split_metadata,
)
from plansync.planfile.reference_lines import is_reference_line
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Item, Outline, TableRow, without_hard_break
from plansync.planfile.tables import TableTask

_LABEL = re.compile(r"^[^:]{1,40}:\s+$")
_TITLE_SHAPES = (
    re.compile(r"^\s*\(([^()]+)\)\s*$"),
    re.compile(r"^\s*:\s+(.+)$"),
    re.compile(r"^\s+[-–—]\s+(.+)$"),
)


@dataclass(frozen=True)
class Occurrence:
    id: str
    strength: IdStrength
    line: int
    lead: bool  # an item or table row that starts with the ID
    titled: bool  # `ID: Title` shape (lead or not)
    title: str  # the title this mention gives the task
    in_milestone: bool
    item: Item | None = None  # the list item whose first line holds the mention
    item_task: ItemTask | None = None
    row: TableTask | None = None
    ignored: bool = False
    # In the text of an item or row that is a task of its own: the mention gives that task its
    # ID only when it is shaped as a title and no item starts with the ID.
    in_task: bool = False
    after_lead: bool = False  # in the text after the line's own leading ID: a reference


def _titled(line: str, match: IdMatch) -> str | None:
    """The title of `[Label: ]ID (Title)`, `ID: Title`, `ID - Title`; None for other shapes."""
    prefix = line[: match.start]
    if prefix and (not _LABEL.match(prefix) or match.id in prefix):
        return None
    rest = line[match.end :]
    body = split_metadata(rest)[0]  # `ID (Title) (#5)`: the link is no part of the shape
    for shape in _TITLE_SHAPES:
        found = shape.match(body)
        if found is not None:
            return (found.group(1) + rest[len(body) :]).strip()
    return None


def _mention_title(line: str, match: IdMatch) -> str:
    """A prose mention's title: its line, without a leading `Label:` before the ID."""
    label = line.find(": ")
    if 0 <= label < match.start:
        return line[label + 2 :].strip()
    return line.strip()


class OccurrenceCollector:
    def __init__(
        self,
        outline: Outline,
        sections: Sections,
        matcher: IdMatcher,
        item_tasks: dict[int, ItemTask],
    ) -> None:
        self.outline = outline
        self.sections = sections
        self.matcher = matcher
        self.item_tasks = item_tasks
        self.found: list[Occurrence] = []

    def _text(
        self,
        text: str,
        line: int,
        plain_mentions_only: bool = False,
        item: Item | None = None,
        in_task: bool = False,
        after_lead: bool = False,
        masked: str | None = None,
    ) -> None:
        """Record the ID mentions of `text`; `masked`: the same text, at the same offsets,
        with letters written as character references masked (see `items.id_text`)."""
        if is_dependency_line(text) or is_reference_line(text) or self.sections.in_criteria(line):
            return
        in_milestone = self.sections.milestone(line) is not None
        for match in self.matcher.find(masked if masked is not None else text):
            title = None if plain_mentions_only else _titled(text, match)
            self.found.append(
                Occurrence(
                    id=match.id,
                    strength=match.strength,
                    line=line,
                    lead=False,
                    titled=title is not None,
                    title=title if title is not None else _mention_title(text, match),
                    in_milestone=in_milestone,
                    item=item,
                    ignored=item is not None and _ignored(self.outline, line),
                    in_task=in_task,
                    after_lead=after_lead,
                )
            )

    def _item_first_line(self, item: Item) -> None:
        line = item.line
        if self.sections.in_criteria(line):
            return
        lead = read_lead(item.first_line, self.matcher)
        text, masked = lead.stripped, lead.masked
        task = self.item_tasks.get(id(item))
        if lead.id is None:
            if lead.rejected is not None:
                # `- PDF-2 export`: a name, not an ID; `&#90;Z-999`: text from a tracker
                text, masked = text[lead.rejected.end :], masked[lead.rejected.end :]
            self._text(text, line, item=item, in_task=task is not None, masked=masked)
            return
        self.found.append(
            Occurrence(
                id=lead.id.id,
                strength=lead.id.strength,
                line=line,
                lead=True,
                titled=lead.titled,
                title=lead.rest,
                in_milestone=self.sections.milestone(line) is not None,
                item=item,
                item_task=task,
                ignored=_ignored(self.outline, line),
            )
        )
        self._text(text[lead.id.end :], line, plain_mentions_only=True, after_lead=True)

    def collect(self, rows: list[TableTask]) -> list[Occurrence]:
        rows_by_line = {row.line: row for row in rows}
        for heading in self.outline.headings:
            # `Phase 10: Release (FR-044)`: an ID in a heading's parentheses is a reference.
            text = plain(heading.text)
            self._text(text, heading.line, masked=_PARENTHESES.sub(_blank, text))
        for paragraph in self.outline.paragraphs:
            item = paragraph.item
            # The lines after the first line of a task item (or of an item that starts with an
            # ID) are more of its text: they only refer to other IDs.
            in_task = (
                item is not None
                and paragraph.line == item.line
                and (
                    id(item) in self.item_tasks
                    or read_lead(item.first_line, self.matcher).id is not None
                )
            )
            for offset, raw in enumerate(paragraph.text.split("\n")):
                line = paragraph.line + offset
                if item is not None and offset == 0 and item.line == line and item.text:
                    self._item_first_line(item)
                else:
                    text = plain(without_hard_break(raw))
                    self._text(text, line, plain_mentions_only=in_task, in_task=in_task)
        for table in self.outline.tables:
            # A headerless task table's first row is a task row (see `headerless`).
            first = [TableRow(table.line, table.header)] if table.line in rows_by_line else []
            for table_row in [*first, *table.rows]:
                row = rows_by_line.get(table_row.line)
                if row is not None and row.id is not None:
                    self.found.append(
                        Occurrence(
                            id=row.id.id,
                            strength=row.id.strength,
                            line=row.line,
                            lead=True,
                            titled=True,
                            title=row.title,
                            in_milestone=self.sections.milestone(row.line) is not None,
                            row=row,
                            ignored=row.ignored,
                        )
                    )
                for cell in table_row.cells:
                    text = plain(cell)
                    if row is not None and row.id is not None and text == row.id.id:
                        continue
                    # A cell of a table that holds no tasks reads like a line of prose.
                    task_row = row is not None
                    self._text(text, table_row.line, plain_mentions_only=task_row, in_task=task_row)
        self.found.sort(key=lambda o: (o.line, not o.lead))
        return self.found


_PARENTHESES = re.compile(r"\([^()]*\)")


def _blank(found: re.Match[str]) -> str:
    return " " * len(found.group())


def _ignored(outline: Outline, line: int) -> bool:
    return bool(IGNORE_MARK.search(outline.line(line)))


def defining(occurrences: list[Occurrence]) -> dict[str, Occurrence]:
    """The defining mention of each ID (see the module's rules), IDs in order of appearance.

    A line defines at most one task: the item or row it starts (its leading ID), or else the
    first ID it mentions; so which ID a line defines never depends on other lines.
    """
    by_id: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        by_id.setdefault(occurrence.id, []).append(occurrence)
    led = {o.id for o in occurrences if o.lead}
    lead_lines = {o.line for o in occurrences if o.lead}
    first: dict[int, int] = {}  # line -> id() of its first mention that is no lead
    for occurrence in occurrences:
        if not occurrence.lead and not occurrence.after_lead:
            first.setdefault(occurrence.line, id(occurrence))
    chosen: dict[str, Occurrence] = {}
    for task_id, mentions in by_id.items():
        candidates = [
            o
            for o in mentions
            if o.lead
            or (
                first.get(o.line) == id(o)
                and o.line not in lead_lines
                and (not o.in_task or (o.titled and task_id not in led))
            )
        ]
        found = _definer(candidates) if candidates else None
        if found is not None:
            chosen[task_id] = found
    return chosen


def _definer(mentions: list[Occurrence]) -> Occurrence | None:
    strong = mentions[0].strength is IdStrength.STRONG
    in_milestone = [o for o in mentions if o.in_milestone]
    for candidates in (
        [o for o in in_milestone if o.lead],
        [o for o in in_milestone if o.titled],
        in_milestone if strong else [],
        [o for o in mentions if o.lead],
        mentions if strong else [],
    ):
        if candidates:
            return candidates[0]
    return None

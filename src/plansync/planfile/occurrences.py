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
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.planfile.ids import IdMatch, IdMatcher, IdStrength
from plansync.planfile.inline import IGNORE_MARK, plain, split_checkbox, strip_decoration
from plansync.planfile.items import ItemTask, is_dependency_line, read_lead
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Item, Outline
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


def _titled(line: str, match: IdMatch) -> str | None:
    """The title of `[Label: ]ID (Title)`, `ID: Title`, `ID - Title`; None for other shapes."""
    prefix = line[: match.start]
    if prefix and (not _LABEL.match(prefix) or match.id in prefix):
        return None
    rest = line[match.end :]
    for shape in _TITLE_SHAPES:
        found = shape.match(rest)
        if found is not None:
            return found.group(1).strip()
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
        self, text: str, line: int, plain_mentions_only: bool = False, item: Item | None = None
    ) -> None:
        if is_dependency_line(text) or self.sections.in_criteria(line):
            return
        in_milestone = self.sections.milestone(line) is not None
        for match in self.matcher.find(text):
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
                )
            )

    def _item_first_line(self, item: Item) -> None:
        line = item.line
        text = strip_decoration(plain(split_checkbox(item.first_line)[1]))
        if self.sections.in_criteria(line):
            return
        lead = read_lead(item.first_line, self.matcher)
        if lead.id is None:
            self._text(text, line, item=item)
            return
        task = self.item_tasks.get(id(item))
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
        self._text(text[lead.id.end :], line, plain_mentions_only=True)

    def collect(self, rows: list[TableTask]) -> list[Occurrence]:
        rows_by_line = {row.line: row for row in rows}
        for heading in self.outline.headings:
            self._text(plain(heading.text), heading.line)
        for paragraph in self.outline.paragraphs:
            for offset, raw in enumerate(paragraph.text.split("\n")):
                line = paragraph.line + offset
                item = paragraph.item
                if item is not None and offset == 0 and item.line == line and item.text:
                    self._item_first_line(item)
                else:
                    self._text(plain(raw), line)
        for table in self.outline.tables:
            for table_row in table.rows:
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
                    self._text(text, table_row.line, plain_mentions_only=True)
        self.found.sort(key=lambda o: (o.line, not o.lead))
        return self.found


def _ignored(outline: Outline, line: int) -> bool:
    return bool(IGNORE_MARK.search(outline.line(line)))


def defining(occurrences: list[Occurrence]) -> dict[str, Occurrence]:
    """The defining mention of each ID (see the module's rules), IDs in order of appearance."""
    by_id: dict[str, list[Occurrence]] = {}
    for occurrence in occurrences:
        by_id.setdefault(occurrence.id, []).append(occurrence)
    chosen: dict[str, Occurrence] = {}
    for task_id, mentions in by_id.items():
        found = _definer(mentions)
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

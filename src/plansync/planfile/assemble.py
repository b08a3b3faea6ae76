"""From what the readers found (task rows, task items, ID mentions) to the planfile's tasks:
one task per ID, fields filled in, milestones assigned, keys given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from plansync.model.plan import (
    Estimate,
    IssueRef,
    PlanWarning,
    Priority,
    Section,
    TableRowLayout,
    Task,
    TaskKind,
)
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import split_checkbox, strip_decoration
from plansync.planfile.issue_refs import issue_refs_in
from plansync.planfile.items import (
    ItemFields,
    ItemTask,
    description,
    own_lines,
    read_fields,
    read_lead,
    split_metadata,
)
from plansync.planfile.keys import KeySource, assign_keys, slug
from plansync.planfile.link_forms import claim_keys
from plansync.planfile.occurrences import Occurrence
from plansync.planfile.rules import CompiledRules
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Item, Outline
from plansync.planfile.tables import TableTask


@dataclass
class Draft:
    """A task before its key and milestone are known."""

    line: int
    end_line: int
    kind: TaskKind
    title: str
    done: bool = False
    id: str | None = None
    criterion: bool = False
    estimate: Estimate | None = None
    priority: Priority | None = None
    assignees: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    issue_refs: tuple[IssueRef, ...] = ()
    description: str = ""
    table: TableRowLayout | None = None
    item: Item | None = field(default=None, repr=False)
    inherited: ItemFields | None = field(default=None, repr=False)
    from_mention: bool = False  # see Task.from_mention
    state: str | None = None  # see Task.state


def _shape(occurrence: Occurrence) -> str | None:
    """The shape a defining mention is written in, for telling duplicates from references."""
    if occurrence.row is not None:
        return "table row"
    if occurrence.item_task is not None and occurrence.item_task.kind is TaskKind.CHECKBOX:
        return "checkbox item"
    if occurrence.lead and occurrence.titled:
        return "list item"
    return None


def _titled(draft: Draft, title: str, keep: str = "") -> Draft:
    """The draft with its title (plain text) tidied, or `keep` when nothing is left; a
    trailing `(2h, P1)` fills estimate and priority. The text is made plain once only:
    `&lt;!--` read from the file stays `<!--`."""
    text, estimate, priority = split_metadata(title)
    draft.title = strip_decoration(text) or keep
    draft.estimate = draft.estimate or estimate
    draft.priority = draft.priority or priority
    return draft


class Assembler:
    def __init__(
        self,
        outline: Outline,
        sections: Sections,
        rules: CompiledRules,
        matcher: IdMatcher,
        where: str,
    ) -> None:
        self.outline = outline
        self.sections = sections
        self.rules = rules
        self.matcher = matcher
        self.where = where
        self.warnings: list[PlanWarning] = []

    # -- which mentions, rows and items become tasks ------------------------------------------

    def _duplicates(self, occurrences: list[Occurrence], definers: dict[str, Occurrence]) -> None:
        for occurrence in occurrences:
            definer = definers.get(occurrence.id)
            shape = _shape(occurrence)
            if definer is None or occurrence is definer or shape is None:
                continue
            if shape == _shape(definer):
                self.warnings.append(
                    PlanWarning(
                        "duplicate-id",
                        f"{self.where}:{occurrence.line}: {occurrence.id} is defined twice as a "
                        f"{shape} (the task is the one on line {definer.line}); this one is "
                        "read as a reference to it. Give one of them a new ID.",
                        occurrence.line,
                    )
                )

    def drafts(
        self,
        rows: list[TableTask],
        item_tasks: dict[int, ItemTask],
        occurrences: list[Occurrence],
        definers: dict[str, Occurrence],
    ) -> list[Draft]:
        self._duplicates(occurrences, definers)
        drafts: list[Draft] = []
        claimed: dict[int, Draft] = {}  # id(item) -> its draft
        pending_items: list[tuple[Item, Draft]] = []

        for row in rows:
            if row.ignored or (row.id is not None and definers.get(row.id.id) is None):
                continue
            if row.id is not None and definers[row.id.id].row is not row:
                continue  # a reference to a task defined elsewhere
            draft = Draft(
                title="",
                line=row.line,
                end_line=row.line,
                kind=TaskKind.TABLE_ROW,
                done=row.done,
                id=row.id.id if row.id else None,
                estimate=row.estimate,
                priority=row.priority,
                assignees=row.assignees,
                labels=row.labels,
                issue_refs=row.issue_refs,
                table=row.layout,
                state=row.state,
            )
            drafts.append(_titled(draft, row.title))

        for task in item_tasks.values():
            if task.ignored or (task.lead is not None and definers.get(task.lead.id) is None):
                continue
            if task.lead is not None and definers[task.lead.id].item_task is not task:
                continue
            draft = Draft(
                line=task.item.line,
                end_line=task.item.end_line,
                kind=task.kind,
                title=task.title,
                done=task.done,
                id=task.lead.id if task.lead else None,
                criterion=task.criterion,
                estimate=task.estimate,
                priority=task.priority,
                item=task.item,
                inherited=task.inherited,
            )
            claimed[id(task.item)] = draft
            pending_items.append((task.item, draft))
            drafts.append(draft)

        for task_id, occurrence in definers.items():
            if occurrence.ignored or occurrence.row is not None or occurrence.item_task:
                continue
            item = occurrence.item
            if item is not None and id(item) in claimed and claimed[id(item)].id is None:
                # An item that is a task anyway (a checkbox) and names its ID in its text.
                target = claimed[id(item)]
                target.id = task_id
                if occurrence.titled:
                    _titled(target, occurrence.title, keep=target.title)
                continue
            lead = read_lead(item.first_line, self.matcher) if item is not None else None
            draft = Draft(
                title="",
                line=item.line if item is not None else occurrence.line,
                end_line=item.end_line if item is not None else occurrence.line,
                kind=TaskKind.ID_ITEM,
                done=bool(lead and lead.done_mark),
                id=task_id,
                item=item,
                from_mention=not occurrence.lead,
            )
            _titled(draft, occurrence.title)
            if not draft.title:
                draft.title = task_id
            if item is not None and id(item) not in claimed:
                claimed[id(item)] = draft
                pending_items.append((item, draft))
            elif item is None:  # a paragraph or heading line: its references are the task's
                draft.issue_refs = issue_refs_in(self.outline.line(occurrence.line))
            drafts.append(draft)

        task_items = set(claimed)
        task_lines = frozenset(d.line for d in drafts if d.item is None)
        for item, draft in pending_items:
            self._fill_from_lines(item, draft, task_items, task_lines)
        return _without_repeats([d for d in drafts if d.title])

    def _fill_from_lines(
        self, item: Item, draft: Draft, task_items: set[int], task_lines: frozenset[int]
    ) -> None:
        lines = own_lines(self.outline, item, task_items, task_lines)
        found = read_fields(lines, self.matcher, dependencies_only=False)
        if draft.inherited is not None:
            found.merge(draft.inherited)
        draft.description = description(lines)
        draft.estimate = draft.estimate or found.estimate
        draft.priority = draft.priority or found.priority
        draft.assignees = draft.assignees or found.assignees
        draft.labels = draft.labels or found.labels
        draft.depends_on = tuple(d for d in found.depends_on if d != draft.id)
        draft.issue_refs = issue_refs_in(split_checkbox(item.first_line)[1])

    # -- the tasks -----------------------------------------------------------------------------

    def _kept(self, draft: Draft) -> bool:
        line = draft.line
        if self.rules.include and not self.sections.any_matches(line, self.rules.include):
            return False
        return not self.sections.any_matches(line, self.rules.exclude)

    def tasks(self, drafts: list[Draft]) -> tuple[Task, ...]:
        drafts = sorted((d for d in drafts if self._kept(d)), key=lambda d: d.line)
        by_issue = _milestones_by_issue(self.sections.sections)
        milestones: list[str | None] = []
        for draft in drafts:
            milestone = None if draft.criterion else self.sections.milestone(draft.line)
            if milestone is None and not draft.criterion:
                milestone = next(
                    (by_issue[key] for key in claim_keys(draft.issue_refs) if key in by_issue),
                    None,
                )
            milestones.append(milestone)
        keys = assign_keys(
            [
                KeySource(
                    id=d.id,
                    scope=self.sections.criteria_title(d.line) if d.criterion else milestone,
                    title=d.title,
                    pinned=pinned_key(self.outline.line(d.line)),
                )
                for d, milestone in zip(drafts, milestones, strict=True)
            ]
        )
        return tuple(
            Task(
                key=key,
                title=d.title,
                done=d.done,
                kind=d.kind,
                line=d.line,
                end_line=d.end_line,
                id=d.id,
                milestone=milestone,
                section_path=self.sections.path(d.line),
                estimate=d.estimate,
                priority=d.priority,
                assignees=d.assignees,
                labels=d.labels,
                depends_on=d.depends_on,
                issue_refs=d.issue_refs,
                description=d.description,
                criterion=d.criterion,
                table=d.table,
                from_mention=d.from_mention,
                state=d.state,
            )
            for d, milestone, key in zip(drafts, milestones, keys, strict=True)
        )


_KEY_MARKER = re.compile(r"<!--\s*plansync:task=(\S+?)\s*-->")


def pinned_key(line: str) -> str | None:
    if "plansync:task=" not in line:
        return None
    found = _KEY_MARKER.search(line)
    return found.group(1) if found is not None else None


_REPEATABLE = (TaskKind.LIST_ITEM, TaskKind.NUMBERED_ITEM)


def _words(title: str) -> frozenset[str]:
    return frozenset(w for w in slug(title, limit=1000).split("-") if w)


def _without_repeats(drafts: list[Draft]) -> list[Draft]:
    """Drop plain list items that only repeat a task defined by a table row or an ID, such as
    `1. Replace Mock Infrastructure (120min)` under a phase heading when the task table has
    `Replace Mock Infrastructure with Real TypeSpec`: every word of the item is in that task's
    title (and the item has at least two words). Such lists group tasks; they add none."""
    if not any(d.kind in _REPEATABLE and d.id is None for d in drafts):
        return drafts  # no plain list item that could be a repeat
    defined = [_words(d.title) for d in drafts if d.kind not in _REPEATABLE and not d.criterion]
    having: dict[str, list[frozenset[str]]] = {}  # word -> the defined titles that have it
    for words in defined:
        for word in words:
            having.setdefault(word, []).append(words)
    kept = []
    for draft in drafts:
        repeat = False
        if draft.kind in _REPEATABLE and draft.id is None:
            words = _words(draft.title)
            if len(words) >= 2:
                rarest = min(words, key=lambda w: len(having.get(w, ())))
                repeat = any(words <= other for other in having.get(rarest, ()))
        if not repeat:
            kept.append(draft)
    return kept


def _milestones_by_issue(sections: tuple[Section, ...]) -> dict[tuple[str | None, int], str]:
    """`### Milestone 1: X (Issues #61, #63)` claims the tasks that reference #61 or #63."""
    found: dict[tuple[str | None, int], str] = {}
    for section in sections:
        if section.is_milestone:
            for ref in section.issue_refs:
                found.setdefault((ref.repo, ref.number), section.title)
    return found


def outside_milestones(tasks: tuple[Task, ...], where: str) -> PlanWarning | None:
    work = [t for t in tasks if not t.criterion]
    outside = [t for t in work if t.milestone is None]
    if not outside:
        return None
    return PlanWarning(
        "no-milestone",
        f"{where}: {len(outside)} of {len(work)} tasks are outside any milestone section (a "
        "heading naming a phase, week, milestone, sprint, stage, iteration or release, or one "
        "listing their issues); they sync without a milestone. Put them under such a heading, "
        "or set the reader's `milestone_patterns` to match the headings this plan uses.",
        outside[0].line,
    )

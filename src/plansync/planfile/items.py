"""List items that are tasks, and what their lines say.

An item is a task when it is a checkbox (`- [ ]`, `1. [x]`), when its list sits under a
`Tasks:` label, when it is a time box (`**Days 1-2**: ...`) inside a milestone section, or when
its heading is one of the reader's `task_sections`. Items that start with a task ID are handled
with the IDs (see `occurrences`). Plain bullets (`✅ ...` statements, schedules) are no tasks.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from weakref import WeakKeyDictionary

from plansync.model.plan import Estimate, Priority, TaskKind
from plansync.planfile.fields import (
    parse_estimate,
    parse_issue_refs,
    parse_people,
    parse_priority,
    timebox_estimate,
)
from plansync.planfile.ids import IdMatch, IdMatcher, dependency_ids
from plansync.planfile.inline import (
    IGNORE_MARK,
    clean_title,
    plain,
    split_checkbox,
    strip_decoration,
    strip_list_marker,
    strip_trailing_decoration,
)
from plansync.planfile.inline import (
    field as read_field,
)
from plansync.planfile.link_forms import is_link_form
from plansync.planfile.rules import CompiledRules, any_match
from plansync.planfile.sections import Sections
from plansync.planfile.structure import Item, ListBlock, Outline, Paragraph, neighbour

_TASKS_LABEL = re.compile(r"^(?:tasks?|to-?dos?|action items?)\b\s*(?:\([^)]*\))?\s*:?$", re.I)
_TIMEBOX = re.compile(
    r"^(?:\*\*|__)(?P<box>days?\s+\d+(?:\s*[-–—]\s*\d+)?)\s*:?\s*(?:\*\*|__)\s*:?\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_DONE_MARKS = ("✅", "✔", "☑")
_SYMBOLS = frozenset({"So", "Cf", "Mn", "Me"})  # emoji and what joins or varies them
_TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*$")
_ESTIMATE_LABELS = frozenset({"estimate", "estimated", "duration", "time", "effort"})
_PEOPLE_LABELS = frozenset({"owner", "owners", "assignee", "assignees", "lead", "assigned to"})
_DEPENDENCY_LABELS = frozenset({"depends on", "dependencies", "dependency", "blocked by"})
_LABEL_LABELS = frozenset({"labels", "label", "tags"})


@dataclass
class ItemFields:
    """Fields a task's own lines (or its list's label) give it."""

    estimate: Estimate | None = None
    priority: Priority | None = None
    assignees: tuple[str, ...] = ()
    depends_on: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()

    def merge(self, other: ItemFields) -> None:
        """Fill what is still empty from `other` (own lines win over inherited ones)."""
        self.estimate = self.estimate or other.estimate
        self.priority = self.priority or other.priority
        self.assignees = self.assignees or other.assignees
        self.labels = self.labels or other.labels
        self.depends_on = tuple(dict.fromkeys(self.depends_on + other.depends_on))


def is_dependency_line(text: str) -> bool:
    """`Depends on: X-1` names other tasks: its IDs are references, never definitions."""
    parsed = read_field(text)
    return parsed is not None and parsed[0] in _DEPENDENCY_LABELS


def read_fields(lines: Iterable[str], matcher: IdMatcher, dependencies_only: bool) -> ItemFields:
    """`Priority: HIGH`, `Owner: @ann`, `Estimate: 2h`, `Depends on: X-1` lines -> fields."""
    found = ItemFields()
    for line in lines:
        parsed = read_field(plain(strip_list_marker(line)))
        if parsed is None:
            continue
        label, value = parsed
        value = plain(value)
        if label in _DEPENDENCY_LABELS:
            found.depends_on = tuple(
                dict.fromkeys(found.depends_on + dependency_ids(matcher, value))
            )
        elif dependencies_only:
            continue
        elif label in _ESTIMATE_LABELS and found.estimate is None:
            found.estimate = parse_estimate(value)
        elif label == "priority" and found.priority is None:
            found.priority = parse_priority(value)
        elif label in _PEOPLE_LABELS and not found.assignees:
            found.assignees = parse_people(value)
        elif label in _LABEL_LABELS and not found.labels:
            found.labels = tuple(t.strip() for t in value.split(",") if t.strip())
    return found


_PART_SEPARATOR = re.compile(r"\s*[,;]\s*")


# An item's text is split three times over as its lead and title are read: the last few
# splits are kept (the results are immutable).
@lru_cache(maxsize=256)
def split_metadata(title: str) -> tuple[str, Estimate | None, Priority | None]:
    """`Load-test the site (P1, 2h)` -> (`Load-test the site`, 2h, critical).

    Trailing groups are read while every part of one is an estimate, a priority, an issue
    reference or decoration (`(✅)`): plansync links a task with ` (#12)`, after any group
    already there, and the reference is read from the line elsewhere. `Fix regression (678ms
    → <500ms)` keeps its group. The title returned is always a prefix of `title`.
    """
    estimate: Estimate | None = None
    priority: Priority | None = None
    while True:
        # `(P1) ✅ (#5)`: decoration between groups does not hide the group before it.
        end = len(strip_trailing_decoration(title))
        if not end or title[end - 1] != ")":
            return title, estimate, priority  # the group's `)` must end the text
        match = _TRAILING_GROUP.search(title, 0, end)
        if match is None:
            return title, estimate, priority
        found_estimate: Estimate | None = None
        found_priority: Priority | None = None
        if match.group(1) and not match.group(1).strip():
            title = title[: match.start()].rstrip()  # `( )`: nothing in it
            continue
        for part in _PART_SEPARATOR.split(match.group(1).strip()):
            if part and not strip_decoration(part):
                continue  # `(✅)`: decoration, no title text
            as_estimate = parse_estimate(part)
            as_priority = parse_priority(part) if len(part.split()) == 1 else None
            if as_estimate is not None and found_estimate is None:
                found_estimate = as_estimate
            elif as_priority is not None and found_priority is None:
                found_priority = as_priority
            elif not _is_issue_ref(part):
                return title, estimate, priority
        # The group nearest the text wins: `(2h) (1h)` is read as 2h.
        estimate = found_estimate or estimate
        priority = found_priority or priority
        title = title[: match.start()].rstrip()


def _is_issue_ref(text: str) -> bool:
    # `(GH-510)` and `(ref:GH#510)` stay in the title, as they always did: reading them as
    # references changes no title, so no task's key.
    refs = parse_issue_refs(text)
    return (
        len(refs) == 1 and not is_link_form(refs[0]) and text.strip() in (refs[0].text, refs[0].url)
    )


@dataclass
class ItemTask:
    """A list item that is a task (or a criterion)."""

    item: Item
    kind: TaskKind
    done: bool
    title: str  # clean
    lead: IdMatch | None  # the ID the item starts with
    criterion: bool
    ignored: bool
    estimate: Estimate | None = None
    priority: Priority | None = None
    inherited: ItemFields = field(default_factory=ItemFields)


@dataclass(frozen=True)
class Lead:
    """How an item's first line starts: checkbox, done mark, ID, and the text after them."""

    checkbox: bool | None
    done_mark: bool
    id: IdMatch | None
    titled: bool
    rest: str  # plain text after the ID (or the whole text when there is none)
    # An ID shape the line starts with that is not its ID (`- PDF-2 export`): no mention either.
    rejected: IdMatch | None = None
    # The text after the checkbox made plain without decoration at either end, and that again
    # with letters written as character references masked (see `id_text`). The collector of
    # ID mentions reads these too.
    stripped: str = ""
    masked: str = ""


_SEPARATOR = re.compile(r"^\s*(?:[:.)–—-]\s*)+")
_TITLED = re.compile(r"^\s*(?:[:–—-]|\()")
_PARENTHESISED_TITLE = re.compile(r"^\(([^()]+)\)\s*(?:[-–—:]\s*.*)?$")
# An ID written bold or in backticks at the start of an item: `**OPS-1**:`, `` `app-1.2` ``.
_MARKED_LEAD = re.compile(r"^(?P<mark>\*\*|__|`+)\s*(?P<token>[^\s*`]+?)\s*:?\s*(?P=mark)")


# A letter or digit written as a character reference (`&#90;`): plansync writes the first
# character of a title from a tracker that starts like a task ID this way, so it stays text.
_REFERENCE = re.compile(r"&#(?:[0-9]{1,7}|[xX][0-9a-fA-F]{1,6});")
# What such a character is when IDs are looked for: a letter no ID shape holds.
_REFERENCE_MASK = "\u02b9"


def id_text(raw: str) -> str:
    """`plain(raw)` for finding IDs in: letters and digits written as character references
    are a letter no ID holds (`&#90;Z-999` is no ID), at the same offsets as in `plain(raw)`
    (when masking would move them, as in a code span, the text is `plain(raw)`)."""
    text = plain(raw)
    if "&#" not in raw:
        return text

    def mask(found: re.Match[str]) -> str:
        return _REFERENCE_MASK if html.unescape(found.group()).isalnum() else found.group()

    masked = plain(_REFERENCE.sub(mask, raw))
    return masked if len(masked) == len(text) else text


def _without_leading_symbols(text: str) -> str:
    """Raw text without the spaces and emoji before it (backticks and asterisks are kept)."""
    start = 0
    while start < len(text) and (
        text[start].isspace() or unicodedata.category(text[start]) in _SYMBOLS
    ):
        start += 1
    return text[start:]


def _leading_id(raw: str, stripped: str, matcher: IdMatcher, bullet: bool) -> IdMatch | None:
    marked = _MARKED_LEAD.match(_without_leading_symbols(raw))
    if marked is not None:
        found = matcher.leading(stripped, marked=True)
        if found is not None and found.id == marked["token"]:
            return found
    return matcher.leading(stripped, bullet=bullet)


# The leads read with each matcher (one per parse): the item reader and the collector of ID
# occurrences both read every item's lead, and a lead depends on its line and matcher only.
_LEADS: WeakKeyDictionary[IdMatcher, dict[str, Lead]] = WeakKeyDictionary()


def read_lead(first_line: str, matcher: IdMatcher) -> Lead:
    leads = _LEADS.get(matcher)
    if leads is None:
        leads = _LEADS[matcher] = {}
    lead = leads.get(first_line)
    if lead is None:
        lead = leads[first_line] = _read_lead(first_line, matcher)
    return lead


def _read_lead(first_line: str, matcher: IdMatcher) -> Lead:
    checkbox, raw = split_checkbox(first_line)
    text = plain(raw)
    stripped = strip_decoration(text)
    done_mark = text.lstrip().startswith(_DONE_MARKS)
    # Whether an ID ends the text is judged without trailing metadata and decoration, so
    # `T1` and `T1 ✅ (#5)` (the same item, linked) both start with their ID.
    core = strip_decoration(split_metadata(stripped)[0])
    # IDs are looked for in the same text with escaped letters masked (see `id_text`).
    masked = strip_decoration(id_text(raw))
    found = _leading_id(raw, masked[: len(core)], matcher, bullet=checkbox is None)
    if found is None:
        first = matcher.at_start(stripped)
        escaped = first is not None and masked[: first.end] != stripped[: first.end]
        rejected = first if checkbox is None or escaped else None
        return Lead(checkbox, done_mark, None, False, stripped, rejected, stripped, masked)
    after = stripped[found.end :]
    titled = bool(_TITLED.match(after))
    rest = _SEPARATOR.sub("", after).strip()
    # `T1 (Write docs) (2h)` has the title `Write docs`; `T1 (#5)` has none (only metadata).
    body = split_metadata(rest)[0]
    parenthesised = _PARENTHESISED_TITLE.match(body)
    if body and parenthesised is not None:
        rest = parenthesised.group(1) + rest[len(body) :]
    return Lead(checkbox, done_mark, found, titled, rest.strip(), None, stripped, masked)


def _is_tasks_label(text: str) -> bool:
    return bool(_TASKS_LABEL.match(clean_title(text)))


def tasks_label_item(outline: Outline, listing: ListBlock) -> Item | bool | None:
    """The `- **Tasks:**` item a list hangs under; True for a `**Tasks**:` paragraph just
    before it; None when the list is under no Tasks label."""
    if listing.parent is not None and _is_tasks_label(listing.parent.first_line):
        return listing.parent
    before = neighbour(outline, listing, -1)
    if isinstance(before, Paragraph) and _is_tasks_label(before.text.rsplit("\n", 1)[-1]):
        return True
    return None


class ItemReader:
    def __init__(
        self, outline: Outline, sections: Sections, rules: CompiledRules, matcher: IdMatcher
    ) -> None:
        self.outline = outline
        self.sections = sections
        self.rules = rules
        self.matcher = matcher
        self._inherited: dict[int, ItemFields] = {}
        self._labelled: dict[int, bool] = {}

    def _kind(self, item: Item, lead: Lead) -> TaskKind | None:
        line = item.line
        if lead.checkbox is not None:
            return TaskKind.CHECKBOX
        if self.sections.in_criteria(line):
            return None
        numbered = TaskKind.NUMBERED_ITEM if item.ordered else TaskKind.LIST_ITEM
        if self._under_tasks_label(item.listing):
            return numbered
        if self.sections.milestone(line) is not None and _TIMEBOX.match(item.first_line):
            return TaskKind.LIST_ITEM
        if item.parent is None and self.sections.any_matches(line, self.rules.task_sections):
            return numbered
        return None

    def _under_tasks_label(self, listing: ListBlock) -> bool:
        """`tasks_label_item` of the list is not None, worked out once per list."""
        found = self._labelled.get(id(listing))
        if found is None:
            found = self._labelled[id(listing)] = (
                tasks_label_item(self.outline, listing) is not None
            )
        return found

    def inherited(self, listing: ListBlock) -> ItemFields:
        """Fields a list's tasks take from around it: the siblings of its `Tasks:` item
        (`**Priority:** BLOCKER`, `**Lead:** ...`) and a `Dependencies:` paragraph after it."""
        cached = self._inherited.get(id(listing))
        if cached is not None:
            return cached
        found = ItemFields()
        label = tasks_label_item(self.outline, listing)
        if isinstance(label, Item):
            siblings = [i.first_line for i in label.listing.items if i is not label]
            found = read_fields(siblings, self.matcher, dependencies_only=False)
        after = neighbour(self.outline, listing, 1)
        if isinstance(after, Paragraph):
            found.merge(read_fields(after.text.split("\n"), self.matcher, dependencies_only=True))
        self._inherited[id(listing)] = found
        return found

    def read(self, item: Item) -> ItemTask | None:
        lead = read_lead(item.first_line, self.matcher)
        kind = self._kind(item, lead)
        if kind is None:
            return None
        criterion = self.sections.in_criteria(item.line) or (
            kind is TaskKind.CHECKBOX and under_criteria_label(self.outline, item, self.rules)
        )
        ignored = bool(IGNORE_MARK.search(self.outline.line(item.line)))
        estimate: Estimate | None = None
        if lead.id is not None and not criterion:
            text = lead.rest or lead.id.id
        else:
            box = _TIMEBOX.match(item.first_line)
            if box is not None and kind is TaskKind.LIST_ITEM:
                estimate = timebox_estimate(box["box"])
                text = plain(box["rest"])
            else:
                text = strip_decoration(plain(split_checkbox(item.first_line)[1]))
        text, in_title_estimate, priority = split_metadata(text)
        return ItemTask(
            item=item,
            kind=kind,
            done=bool(lead.checkbox) or (kind is not TaskKind.CHECKBOX and lead.done_mark),
            title=strip_decoration(text) or (lead.id.id if lead.id else ""),
            lead=None if criterion else lead.id,
            criterion=criterion,
            ignored=ignored,
            estimate=estimate or in_title_estimate,
            priority=priority,
            inherited=self.inherited(item.listing),
        )


def _criteria_label(text: str, rules: CompiledRules) -> bool:
    label = clean_title(text).rstrip(":：").strip()
    return bool(label) and len(label) <= 40 and any_match(rules.criteria, label)


def under_criteria_label(outline: Outline, item: Item, rules: CompiledRules) -> bool:
    """`**Acceptance criteria:**` (a paragraph or an item) just before the item's list: its
    checkboxes are criteria, as under a criteria heading."""
    listing = item.listing
    if listing.parent is not None and _criteria_label(listing.parent.first_line, rules):
        return True
    before = neighbour(outline, listing, -1)
    return isinstance(before, Paragraph) and _criteria_label(before.text.rsplit("\n", 1)[-1], rules)


def own_lines(
    outline: Outline, item: Item, task_items: set[int], task_lines: frozenset[int] = frozenset()
) -> list[str]:
    """The source lines under an item's first line, without the items that are tasks of their
    own (and what lies under those) and the lines that define a task (`task_lines`)."""
    skipped: set[int] = set(task_lines)
    stack: list[Item] = list(item.children)
    while stack:
        child = stack.pop()
        if id(child) in task_items:
            skipped.update(range(child.line, child.end_line + 1))
        else:
            stack.extend(child.children)
    return [
        outline.line(number)
        for number in range(item.line + 1, item.end_line + 1)
        if number not in skipped
    ]


def description(lines: list[str]) -> str:
    """Nested lines as plain text, one per line, without list markers and blank lines."""
    cleaned = (plain(strip_list_marker(line)) for line in lines)
    return "\n".join(text for text in cleaned if text)

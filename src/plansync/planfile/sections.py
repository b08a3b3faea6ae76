"""Sections: each heading and what lies under it, which of them are milestones or criteria, and
which section encloses a given line.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from plansync.model.plan import IssueRef, Section
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.inline import clean_title, strip_decoration
from plansync.planfile.rules import CompiledRules, any_match
from plansync.planfile.structure import Outline

# `Milestone 1: Foundation (Issues #61, #63, #66)`: the trailing issue list is no part of the name.
_TRAILING_GROUP = re.compile(r"\s*\(([^()]*)\)\s*$")
_ISSUE_LIST_WORDS = re.compile(r"(?i)\b(?:issues?|tickets?|refs?|see|and)\b|[\s,;:&#\d-]")


def split_issue_list(title: str) -> tuple[str, tuple[IssueRef, ...]]:
    """`Milestone 1: X (Issues #1, #2)` -> (`Milestone 1: X`, refs #1 and #2)."""
    match = _TRAILING_GROUP.search(title)
    if match is None:
        return title, ()
    refs = parse_issue_refs(match.group(1))
    leftover = _ISSUE_LIST_WORDS.sub("", re.sub(r"[\w.-]+(?:/[\w.-]+)+#\d+", "", match.group(1)))
    if not refs or leftover:
        return title, ()
    return title[: match.start()].rstrip(), refs


@dataclass(frozen=True)
class Sections:
    """The sections of one planfile, in document order, with what the reader needs of them."""

    sections: tuple[Section, ...]
    parents: tuple[int | None, ...]
    _starts: tuple[int, ...]

    def innermost(self, line: int) -> int | None:
        """Index of the section whose heading is the last one at or before `line`."""
        position = bisect_right(self._starts, line) - 1
        return position if position >= 0 else None

    def chain(self, line: int) -> list[int]:
        """Indexes of the sections enclosing `line`, innermost first."""
        found: list[int] = []
        index = self.innermost(line)
        while index is not None:
            found.append(index)
            index = self.parents[index]
        return found

    def path(self, line: int) -> tuple[str, ...]:
        return tuple(self.sections[i].title for i in reversed(self.chain(line)))

    def in_criteria(self, line: int) -> bool:
        index = self.innermost(line)
        return index is not None and self.sections[index].is_criteria

    def criteria_title(self, line: int) -> str | None:
        """The title of the (sub)heading a criterion sits under."""
        index = self.innermost(line)
        return self.sections[index].title if index is not None else None

    def milestone(self, line: int) -> str | None:
        """The title of the nearest enclosing milestone section; None inside criteria."""
        for index in self.chain(line):
            section = self.sections[index]
            if section.is_criteria:
                return None
            if section.is_milestone:
                return section.title
        return None

    def any_matches(self, line: int, patterns: tuple[re.Pattern[str], ...]) -> bool:
        return any(any_match(patterns, self.sections[i].title) for i in self.chain(line))


def read_sections(outline: Outline, rules: CompiledRules) -> Sections:
    headings = outline.headings
    ends = [len(outline.lines)] * len(headings)
    parents: list[int | None] = []
    stack: list[int] = []  # indexes of the open sections, outermost first
    for index, heading in enumerate(headings):
        while stack and headings[stack[-1]].level >= heading.level:
            ends[stack.pop()] = heading.line - 1
        parents.append(stack[-1] if stack else None)
        stack.append(index)

    sections: list[Section] = []
    for index, heading in enumerate(headings):
        parent = parents[index]
        title, refs = split_issue_list(clean_title(heading.text))
        if refs:  # `Ship ✅ (#5)`: the mark before a link is decoration as before it
            title = strip_decoration(title)
        criteria = any_match(rules.criteria, title) or (
            parent is not None and sections[parent].is_criteria
        )
        sections.append(
            Section(
                title=title,
                level=heading.level,
                line=heading.line,
                end_line=outline.last_filled(heading.line, max(ends[index], heading.line)),
                is_milestone=not criteria and any_match(rules.milestones, title),
                is_criteria=criteria,
                issue_refs=refs,
            )
        )
    return Sections(tuple(sections), tuple(parents), tuple(h.line for h in headings))

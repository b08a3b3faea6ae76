"""Whether the text inside one of plansync's own blocks is the plan's own text.

plansync writes paragraphs, plain bullets and its milestone table between its markers. A block
that holds a heading or a task (markers pasted around plan text, or written by hand before the
content was filled in) is not a summary: the reader reads it like the rest of the file, and
plansync never writes over it. The text is read on its own, without the headings around it
and without the section rules (`include_sections`, `task_sections`, ...), so the answer does
not depend on where the block sits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import clean_title
from plansync.planfile.items import ItemReader, read_lead
from plansync.planfile.rules import ReaderRules, compile_rules
from plansync.planfile.sections import read_sections
from plansync.planfile.structure import build_outline
from plansync.planfile.tables import read_table

__all__ = ["PlanText", "holds_plan_text", "plan_text_in"]

PlanTextKind = Literal["heading", "task", "table"]

_PIPE = re.compile(r"(?<!\\)\|")
_DELIMITER_ROW = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


@dataclass(frozen=True)
class PlanText:
    """A heading, a task (a task-shaped list item, or a task table) or another table.

    `line` is 1-based in the text read; `text` is the heading, the item's first line or the
    table's header row; `header` holds a table's header cells."""

    kind: PlanTextKind
    line: int
    text: str
    header: tuple[str, ...] = ()
    # A table whose every line has the header's number of cells and one delimiter row: what
    # plansync writes. Another table written right under it (no blank line between) is read
    # as more rows of the same table, and makes it ragged.
    uniform: bool = True


def plan_text_in(text: str, rules: ReaderRules | None = None) -> tuple[PlanText, ...]:
    """Every heading, task and table the reader finds in `text` read on its own, in line
    order. Only the ID shapes of `rules` are used, not its section rules."""
    neutral = replace(
        rules if rules is not None else ReaderRules(),
        include_sections=(),
        exclude_sections=(),
        task_sections=(),
    )
    compiled = compile_rules(neutral)
    outline = build_outline(text, lambda inner: holds_plan_text(inner, rules))
    matcher = IdMatcher(compiled)
    found = [PlanText("heading", h.line, clean_title(h.text)) for h in outline.headings]
    for table in outline.tables:
        header = "| " + " | ".join(table.header) + " |"
        rows, _ = read_table(table, matcher, "block")
        kind: PlanTextKind = "task" if rows else "table"
        lines = [outline.line(n) for n in range(table.line, table.end_line + 1)]
        found.append(PlanText(kind, table.line, header, tuple(table.header), _uniform(lines)))
    reader = ItemReader(outline, read_sections(outline, compiled), compiled, matcher)
    for item in outline.items:
        # An item that starts with an ID is a task of its own (`- OPS-1: ...`), even where
        # the reader would count it as a mention of a task defined elsewhere.
        if reader.read(item) is not None or read_lead(item.first_line, matcher).id is not None:
            found.append(PlanText("task", item.line, outline.line(item.line).strip()))
    return tuple(sorted(found, key=lambda piece: piece.line))


def holds_plan_text(text: str, rules: ReaderRules | None = None) -> bool:
    """Whether `text` holds a heading or a task: then it is the plan's, not plansync's."""
    return any(piece.kind != "table" for piece in plan_text_in(text, rules))


def _uniform(lines: list[str]) -> bool:
    """Whether a table's lines all have as many cells as its header, with one delimiter row."""
    if not lines:
        return True
    pipes = {len(_PIPE.findall(line.strip())) for line in lines}
    delimiters = sum(1 for line in lines if _DELIMITER_ROW.match(line))
    return len(pipes) == 1 and delimiters == 1

"""Whether plansync may write over one of its blocks. Pure functions, no I/O.

plansync keeps a digest of every block it writes (the summary block of a planfile, its block in
an issue body, a milestone's progress line, a tracking issue's body). A block whose text is not
what plansync last wrote was edited by a person and is kept. A block with no digest on record
(the first run after an upgrade, a lost state store) is written over only when it holds nothing
a reader takes for a heading, a task or a table: when it looks like what plansync writes. An
empty block holds nothing to lose.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from plansync.planfile.own_blocks import PlanText, plan_text_in
from plansync.planfile.rules import ReaderRules
from plansync.summary.render import MILESTONE_TABLE_HEADER

__all__ = ["Kept", "digest", "kept_block", "kept_summary_block", "kept_tracking_body", "normalised"]

_LINE_BREAKS = re.compile(r"\r\n|\r|\n")
# What a tracking issue's task list holds, line by line (see render.tracking_body).
_TRACKING_TASKS_LABEL = "**Tasks:**"
_TRACKING_TASK_LINE = re.compile(r"- \[[ x]\] |- \.\.\. and \d+ more tasks")
_QUOTE_LIMIT = 60
_PIPE = re.compile(r"(?<!\\)\|")
_TICKED_BOX = re.compile(r"^(\s*[-*+] )\[[xX]\]", re.MULTILINE)


def normalised(text: str) -> str:
    """The text as compared: `\\n` line endings, no trailing spaces, no blank lines around it
    (trackers may store it either way)."""
    lines = [line.rstrip() for line in _LINE_BREAKS.split(text)]
    return "\n".join(lines).strip("\n")


def digest(text: str) -> str:
    """The digest kept of a block's text, the same whatever its line endings, and whether or
    not someone ticked a box of a task list in it (GitHub lets anyone tick the boxes of an
    issue's task list; the next write sets them from the plan again)."""
    unticked = _TICKED_BOX.sub(r"\1[ ]", normalised(text))
    return hashlib.sha256(unticked.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Kept:
    """Why a block is kept: `reason` completes "the block ..." (`was edited since plansync
    wrote it`, `holds a heading (...) on line 5, which plansync never writes there`)."""

    reason: str


def kept_block(
    text: str,
    written: Iterable[str],
    *,
    rules: ReaderRules | None = None,
    own_tables: Iterable[tuple[str, ...]] = (),
    first_line: int | None = None,
) -> Kept | None:
    """Why the block holding `text` must not be written over, or None when it may be.

    `written`: the digests on record for the block; `rules`: the ID shapes of the planfile;
    `own_tables`: the header rows of the tables plansync itself writes in this kind of block;
    `first_line`: the line of the file `text` starts on, to name the line of what it holds.
    """
    if not normalised(text):
        return None
    recorded = frozenset(written)
    if recorded:
        return None if digest(text) in recorded else Kept("was edited since plansync wrote it")
    headers = {tuple(header) for header in own_tables}
    for piece in plan_text_in(text, rules):
        if piece.kind == "table" and piece.header in headers and piece.uniform:
            continue
        at = f" on line {first_line + piece.line - 1}" if first_line is not None else ""
        return Kept(f"holds {_described(piece)}{at}, which plansync never writes there")
    # A table row markdown reads as part of a paragraph (written right under a list item, with
    # no blank line) is still a person's table: plansync's own rows are those of its tables.
    own_cells = {len(header) for header in headers}
    for number, line in enumerate(_LINE_BREAKS.split(text), start=1):
        if line.lstrip().startswith("|") and _cells(line) not in own_cells:
            at = f" on line {first_line + number - 1}" if first_line is not None else ""
            row = f"a table row (`{_quoted(line)}`)"
            return Kept(f"holds {row}{at}, which plansync never writes there")
    return None


def _cells(line: str) -> int:
    """How many cells a table row has (`| a | b |` has two; an escaped `\\|` is text)."""
    return max(len(_PIPE.findall(line.strip())) - 1, 0)


def kept_summary_block(
    text: str,
    written: Iterable[str],
    rules: ReaderRules | None = None,
    first_line: int | None = None,
) -> Kept | None:
    """`kept_block` for a planfile's summary block, whose milestone table is plansync's."""
    return kept_block(
        text, written, rules=rules, own_tables=(MILESTONE_TABLE_HEADER,), first_line=first_line
    )


def kept_tracking_body(body: str, marker: str, written: Iterable[str]) -> Kept | None:
    """`kept_block` for a tracking issue's body, which is plansync's as a whole: its summary,
    then a task list of every task's issue. Without a digest on record, a body that holds more
    than those (a heading, another table, other lines in the task list) is kept."""
    rest = "\n".join(line for line in _LINE_BREAKS.split(body) if line.strip() != marker)
    if not normalised(rest):
        return None
    recorded = frozenset(written)
    if recorded:
        return kept_block(body, recorded)
    lines = _LINE_BREAKS.split(rest)
    split = next((i for i, line in enumerate(lines) if line.strip() == _TRACKING_TASKS_LABEL), None)
    summary = lines if split is None else lines[:split]
    kept = kept_summary_block("\n".join(summary), ())
    if kept is not None or split is None:
        return kept
    for line in lines[split + 1 :]:
        if line.strip() and _TRACKING_TASK_LINE.match(line) is None:
            return Kept(f"holds `{_quoted(line)}`, which plansync never writes there")
    return None


def _described(piece: PlanText) -> str:
    article = "an" if piece.kind[0] in "aeiou" else "a"
    return f"{article} {piece.kind} (`{_quoted(piece.text)}`)"


def _quoted(text: str) -> str:
    flat = " ".join(text.split()).replace("`", "'")
    return flat if len(flat) <= _QUOTE_LIMIT else flat[: _QUOTE_LIMIT - 3] + "..."

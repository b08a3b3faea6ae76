"""Where the parts of a list item's line lie, for the editor: its prefix (indent, containers,
marker, checkbox), its text, and the tail that must stay last.

Checkboxes and item text are found where the reader finds them: after any nesting of block
quotes and list markers (`> - [ ]`, `* - [ ]`, `1. - [ ]`).
"""

from __future__ import annotations

import re

from plansync.planfile.inline import DONE_MARKS

# What opens a container at the start of a line: a block quote, or a list marker (which a
# space or tab must follow). Items nest: `> - [ ] x`, `* - [ ] x`, `1. - [ ] x`.
_OPENER = r"(?:>|(?:[-*+]|\d{1,9}[.)])(?=[ \t]))"
# The start of a list item: indent, the containers it sits in, and its own marker.
_ITEM_START = rf"[ \t]*(?:{_OPENER}[ \t]*)*(?:[-*+]|\d{{1,9}}[.)])(?=[ \t]|$)"
# A task checkbox after it: `[ ]` / `[x]` / `[X]`, then a space, a tab or the end of the line
# (as GFM requires). Group 1 is the character between the brackets.
# `[~]`, `[/]`, `[-]` and an optional task's `[ ]*` too (see `inline.CHECKBOX`).
CHECKBOX = re.compile(rf"^{_ITEM_START}[ \t]+\[([ xX~/-])\]\*?(?=[ \t]|$)")
# Everything before a list item's text.
ITEM_PREFIX = re.compile(rf"^{_ITEM_START}(?:[ \t]+\[[ xX~/-]\]\*?(?=[ \t]|$))?[ \t]*")


def is_done_mark(mark: str) -> bool:
    """Whether a checkbox's mark reads as done: `x`, `X` and `-` (dropped) do."""
    return mark in DONE_MARKS


def item_text(text: str) -> str:
    prefix = ITEM_PREFIX.match(text)
    return text[prefix.end() :] if prefix is not None else text


def tail_start(text: str) -> int:
    """Where the end of an item's line begins that must stay last: its trailing HTML comments
    (plansync's among them), then a backslash hard break, then trailing spaces (two of them
    are a hard break too). Read from the right; comments are paired as the reader pairs them,
    and an opening `<!--` left unclosed on the line is text, not a comment."""
    end = len(text.rstrip(" \t"))
    body = text[:end]
    backslashes = len(body) - len(body.rstrip("\\"))
    if backslashes % 2:  # an odd run ends in a hard break; `\\\\` is a literal backslash
        end = len(text[: end - 1].rstrip(" \t"))
    if text.endswith("-->", 0, end):
        spans = comments(text)
        while spans and spans[-1][1] == end:
            end = len(text[: spans.pop()[0]].rstrip(" \t"))
    return end


def insert_at_end(text: str, addition: str) -> str:
    """`addition` put after the item's text, before its trailing comments and hard break."""
    at = tail_start(text)
    return text[:at] + addition + text[at:]


def comments(text: str) -> list[tuple[int, int]]:
    """The HTML comments of a line as the reader pairs them (each `<!--` with the next `-->`),
    found by plain searching so hostile lines stay linear."""
    return _spans(text, "<!--", "-->")


def _spans(text: str, opening: str, closing: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    at = text.find(opening)
    while at >= 0:
        end = text.find(closing, at + len(opening))
        if end < 0:
            break
        spans.append((at, end + len(closing)))
        at = text.find(opening, end + len(closing))
    return spans

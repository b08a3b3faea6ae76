"""Inline markdown made plain: titles, labels and descriptions without emphasis, code marks,
links, HTML comments or decorative emoji. Only reads text; nothing here is ever written back.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from plansync.planfile.inline_scan import (
    double_underscore_closes,
    double_underscore_opens,
    star_closes,
    star_opens,
    underscore_closes,
    underscore_opens,
    unwrap_autolinks,
    unwrap_emphasis,
    unwrap_links,
    without_comments,
)

_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_STRONG = re.compile(r"\*\*|~~")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
# Whitespace, and the control characters a title from a tracker has as spaces once written
# (see `edit_escape`): a plan's title and its issue's compare the same.
_SPACES = re.compile(r"[\s\x00-\x08\x0e-\x1b\x7f]+")

# A list item's marker and checkbox, at the start of a source line.
LIST_MARKER = re.compile(r"^\s*(?:>\s*)*(?:[-*+]|\d{1,9}[.)])(?:\s+|$)")
# A task checkbox: a space or tab (as GFM and the editor require) or nothing after it. Besides
# `[ ]` and `[x]`, planning tools write `[~]` (in progress), `[/]` (partial) and `[-]` (dropped);
# Kiro marks an optional task `[ ]*`.
CHECKBOX = re.compile(r"^\[([ xX~/-])\](\*?)(?:[ \t]+|$)")
# The state a checkbox mark other than `[ ]` / `[x]` gives its task; `[-]` counts as done.
CHECKBOX_STATES = {"~": "in-progress", "/": "partial", "-": "dropped"}
DONE_MARKS = frozenset("xX-")

# `<!-- plansync: ignore -->` on a task's line leaves the task out.
IGNORE_MARK = re.compile(r"<!--\s*plansync\s*:\s*ignore\s*-->", re.IGNORECASE)

# `**Label:** value`, `**Label**: value`, `Label: value` (the label is a few words).
_FIELD = re.compile(
    r"^\s*(?:\*\*|__)?\s*(?P<label>[A-Za-z][A-Za-z /&-]{0,30}?)\s*(?:\*\*|__)?\s*:"
    r"\s*(?:\*\*|__)?\s*(?P<value>.*?)\s*$"
)
_DECORATIVE_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cs"})


def _is_decoration(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) in _DECORATIVE_CATEGORIES


# The ASCII characters that are decoration (spaces, `^` and backquote): most texts start and
# end with another one, and need no look-up.
_ASCII_DECORATION = frozenset(c for c in map(chr, range(128)) if _is_decoration(c))


def _plain_ascii(char: str) -> bool:
    return char < "\x80" and char not in _ASCII_DECORATION


def strip_decoration(text: str) -> str:
    """`🔥 Fix it ⚡` -> `Fix it`: emoji and other symbols at either end are decoration."""
    if text and _plain_ascii(text[0]) and _plain_ascii(text[-1]):
        return text
    start, end = 0, len(text)
    while start < end and _is_decoration(text[start]):
        start += 1
    while end > start and _is_decoration(text[end - 1]):
        end -= 1
    return text[start:end]


def strip_trailing_decoration(text: str) -> str:
    """`Ship (P1) ✅` -> `Ship (P1)`: `strip_decoration` at the end only."""
    if text and _plain_ascii(text[-1]):
        return text
    end = len(text)
    while end and _is_decoration(text[end - 1]):
        end -= 1
    return text[:end]


def _plain_outside_code(text: str) -> str:
    # Each step needs its mark in the text: most titles hold none, and skip them all.
    if "<" in text:
        text = without_comments(text)
        text = _BREAK.sub(" ", text)
    if "[" in text:
        text = unwrap_links(text, image=True)
        text = unwrap_links(text, image=False)
    if "<" in text:
        text = unwrap_autolinks(text)
    if "*" in text or "~" in text:
        text = _STRONG.sub("", text)
    if "_" in text:
        text = unwrap_emphasis(text, "__", double_underscore_opens, double_underscore_closes)
    if "*" in text:
        text = unwrap_emphasis(text, "*", star_opens, star_closes)
    if "_" in text:
        text = unwrap_emphasis(text, "_", underscore_opens, underscore_closes)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    return html.unescape(text) if "&" in text else text


@lru_cache(maxsize=8192)
def plain(text: str) -> str:
    """Inline markdown as the plain text a reader sees, whitespace collapsed.

    Code spans keep their content verbatim (`__init__` stays), everything else loses its
    emphasis, link and comment syntax.
    """
    if "`" not in text:
        return _SPACES.sub(" ", _plain_outside_code(text)).strip()
    pieces: list[str] = []
    position = 0
    for match in _CODE_SPAN.finditer(text):
        pieces.append(_plain_outside_code(text[position : match.start()]))
        pieces.append(match.group(2).strip())
        position = match.end()
    pieces.append(_plain_outside_code(text[position:]))
    return _SPACES.sub(" ", "".join(pieces)).strip()


def split_code(text: str) -> tuple[str, list[str]]:
    """Inline markdown with each code span made a space, and the spans' contents."""
    spans = [match.group(2) for match in _CODE_SPAN.finditer(text)]
    return (_CODE_SPAN.sub(" ", text) if spans else text), spans


def clean_title(text: str) -> str:
    """A task or section title: plain text without decoration at either end."""
    return strip_decoration(plain(text))


def split_checkbox(text: str) -> tuple[bool | None, str]:
    """`[x] Ship it` -> `(True, "Ship it")`; text without a checkbox -> `(None, text)`."""
    match = CHECKBOX.match(text)
    if match is None:
        return None, text
    return match.group(1) in DONE_MARKS, text[match.end() :]


def checkbox_mark(text: str) -> tuple[str, bool] | None:
    """`[~]* Ship it` -> `("~", True)`: the mark between the brackets, and whether the
    task is marked optional; None for text without a checkbox."""
    match = CHECKBOX.match(text)
    return (match.group(1), bool(match.group(2))) if match is not None else None


def strip_list_marker(line: str) -> str:
    """A source line without its indentation, list marker and checkbox."""
    text = LIST_MARKER.sub("", line, count=1).strip()
    return split_checkbox(text)[1]


def field(text: str) -> tuple[str, str] | None:
    """`**Priority:** BLOCKER` -> `("priority", "BLOCKER")`; None when the text is no field."""
    match = _FIELD.match(text)
    if match is None:
        return None
    return match.group("label").strip().lower(), match.group("value")

"""Small text helpers for the summary renderers: untrusted text made safe for one markdown line,
durations in hours, effort ranges and progress bars. Pure functions, no I/O."""

from __future__ import annotations

import re
from urllib.parse import quote

from plansync.summary.data import Effort

ELLIPSIS = "..."

# Whitespace of any kind (line and paragraph separators included) and control characters:
# each run becomes one space, so the text stays on one line.
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# Backslash-escaped so they cannot start emphasis, code, links, strikethrough or a table cell.
_MARKS = frozenset("\\`*_[]~|")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A zero-width space after `@` keeps the text readable while no tracker sees a mention in it:
# GitHub finds mentions in the rendered text, so an entity such as `&#64;` would still notify.
_MENTION_BREAK = "\u200b"
# What escaped text may not start with, as it may follow a list marker: a list marker of its own
# (`-`, `+`, `1. `, `1) `) would open a nested list.
_LEADING_BLOCK = re.compile(r"^(?:[-+]|\d{1,9}(?=[.)](?: |$)))")
# Characters a code span can show as they are, without any escaping.
_CODE_SAFE = re.compile(r"[A-Za-z0-9][\w .,:;/+=$%!?'\"()-]*", re.ASCII)
# Characters left as they are in a link target; everything else is percent-encoded.
_URL_SAFE = ":/?#@!$&'*+,;=%~-._"


def escape_text(text: str, *, ascii_only: bool, limit: int = 100) -> str:
    """`text` (from a tracker or a planfile) made safe for one markdown line and a table cell.

    Line breaks, tabs and controls become one space and the text is trimmed, then cut to
    `limit` characters ending in "...". `&`, `<`, `>` become entities (so `<!--`, `-->` and
    HTML tags cannot appear), markdown marks and `|` get a backslash, `#` too unless a digit
    follows (`#12` stays an issue reference), `@` is followed by a zero-width space (no
    mention), and a leading list marker is escaped. With `ascii_only`, every other non-ASCII
    character becomes a numeric entity (`&#x1F680;`), which renders as the character.
    """
    flat = _BREAKS.sub(" ", text).strip()
    if len(flat) > limit:
        flat = flat[: max(limit - len(ELLIPSIS), 0)].rstrip() + ELLIPSIS
    out: list[str] = []
    for index, char in enumerate(flat):
        if char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _MARKS:
            out.append("\\" + char)
        elif char == "#":
            following = flat[index + 1 : index + 2]
            out.append("#" if following.isdigit() else "\\#")
        elif char == "@":
            out.append("@" + _non_ascii(_MENTION_BREAK, ascii_only))
        else:
            out.append(_non_ascii(char, ascii_only))
    escaped = "".join(out)
    lead = _LEADING_BLOCK.match(escaped)
    if lead is None:
        return escaped
    if lead.group().isdigit():  # `1.` / `1)`: escape the punctuation after the number
        cut = lead.end()
        return escaped[:cut] + "\\" + escaped[cut:]
    return "\\" + escaped


def code_span(text: str, *, ascii_only: bool) -> str:
    """`text` in backticks when it holds only characters a code span shows as they are (task
    IDs such as `FIX-006`); otherwise `escape_text(text)`, which is safe anywhere."""
    flat = _BREAKS.sub(" ", text).strip()
    if _CODE_SAFE.fullmatch(flat) and len(flat) <= 60:
        return f"`{flat}`"
    return escape_text(flat, ascii_only=ascii_only, limit=60)


def link_target(url: str) -> str | None:
    """`url` made safe as a markdown link target, or None when it is not an http(s) address.

    Spaces, parentheses, `|`, `<`, `>`, quotes, backslashes and non-ASCII characters are
    percent-encoded, so the target cannot end the link, split a table row or hold `-->`; `&`
    becomes `&amp;`, which markdown turns back into `&`.
    """
    flat = url.strip()
    if not flat.lower().startswith(("https://", "http://")):
        return None
    return quote(flat, safe=_URL_SAFE).replace("&", "&amp;")


def _non_ascii(char: str, ascii_only: bool) -> str:
    if ascii_only and not char.isascii():
        return f"&#x{ord(char):X};"
    return char


def hours(minutes: int) -> str:
    """A duration: `45 min` under an hour, else hours with at most one decimal (`1.5 h`,
    `45 h`, `0 h`), rounded half up to the tenth."""
    if minutes < 0:
        return "-" + hours(-minutes)
    if 0 < minutes < 60:
        return f"{minutes} min"
    return f"{_tenths_of_hours(minutes)} h"


def _tenths_of_hours(minutes: int) -> str:
    tenths = (minutes * 10 + 30) // 60
    whole, tenth = divmod(tenths, 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


def effort_text(effort: Effort) -> str:
    """`45 h` for an exact sum, `45-75 h` for a range: the unit written once when both ends
    share it, on each end otherwise (`45 min-1.5 h`)."""
    if effort.low == effort.high:
        return hours(effort.high)
    low, high = hours(effort.low), hours(effort.high)
    low_number, _, low_unit = low.partition(" ")
    if effort.low == 0 or low_unit == high.partition(" ")[2]:
        return f"{low_number}-{high}"
    return f"{low}-{high}"


def bar(percent: int, *, ascii_only: bool, width: int = 10) -> str:
    """A progress bar of `width` cells, rounded down so only 100% fills it: `██████░░░░`, or
    `[######....]` in ASCII."""
    filled = max(0, min(percent, 100)) * width // 100
    if ascii_only:
        return "[" + "#" * filled + "." * (width - filled) + "]"
    return "\u2588" * filled + "\u2591" * (width - filled)

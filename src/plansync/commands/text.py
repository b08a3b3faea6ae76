"""Untrusted text made safe for a reply: inline text, code spans, and commands quoted so a
reply can never run them again."""

from __future__ import annotations

from plansync.planfile.edit_escape import escape_inline

_LIMIT = 200  # characters of one quoted argument or command in a reply


def _short(text: str) -> str:
    return text if len(text) <= _LIMIT else text[: _LIMIT - 1] + "…"


def inline(text: str) -> str:
    """Text on one line, out of HTML comments, with no mention or markup that pings."""
    return escape_inline(_short(text)).replace("@", "@\u200b")


def code(text: str) -> str:
    """A code span around `text` (its backticks cannot end it early)."""
    safe = inline(text).replace("\u200b", "")
    run = longest = 0
    for char in safe:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    ticks = "`" * (longest + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") or not safe else ""
    return f"{ticks}{pad}{safe}{pad}{ticks}"


def quoted(text: str) -> str:
    """The command as typed, as a block quote line (`> /plan ...`): never a command again."""
    return "> " + inline(text)

"""plansync's hidden marker in issue bodies: `<!-- plansync:task=KEY -->`.

The marker ties an issue to a task key even when the link in the state store is lost, so a
create that failed unclearly can be found again instead of duplicated. Keys come from planfiles
written by people, so the key is percent-encoded: it can never hold `>` or `--` and thereby
close the HTML comment early, and it never holds whitespace, so the marker stays one token.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

from plansync.model.sync import TaskRef

_PREFIX = "<!-- plansync:task="
_SUFFIX = " -->"

# Characters a key keeps as they are; `-` is kept too, except right after another `-`.
_SAFE = "._~:/#+@()[]!$&'*,;="

_MARKER_RE = re.compile(r"<!-- plansync:task=(\S+) -->")


# A key of only characters kept as they are, without `--`, is its own escape (most keys are).
_KEPT_KEY = re.compile(r"[A-Za-z0-9_.~:/#+@()\[\]!$&'*,;=-]*")


def _escape_key(key: str) -> str:
    if "--" not in key and _KEPT_KEY.fullmatch(key):
        return key
    escaped: list[str] = []
    previous = ""
    for char in key:
        if char == "-":
            escaped.append("%2D" if previous == "-" else "-")
        else:
            escaped.append(quote(char, safe=_SAFE))
        previous = char
    return "".join(escaped)


def task_marker(key: str) -> str:
    """The marker for a task key, e.g. `<!-- plansync:task=FIX-006 -->`."""
    if not key:
        raise ValueError("a plansync marker needs a non-empty task key")
    return f"{_PREFIX}{_escape_key(key)}{_SUFFIX}"


_TRACKING_PREFIX = "<!-- plansync:tracking="
_TRACKING_RE = re.compile(r"<!-- plansync:tracking=(\S+) -->")


def tracking_marker(planfile: str) -> str:
    """The marker of a planfile's tracking issue, e.g. `<!-- plansync:tracking=plans/a.md -->`:
    a different name from the task marker, so a tracking issue is never taken for a task's."""
    if not planfile:
        raise ValueError("a tracking marker needs a planfile")
    return f"{_TRACKING_PREFIX}{_escape_key(planfile)}{_SUFFIX}"


def find_tracking_marker(body: str | None) -> str | None:
    """The planfile named by the first tracking marker in an issue body, or None."""
    match = _TRACKING_RE.search(body) if body else None
    return unquote(match.group(1)) if match else None


def find_marker(body: str | None) -> str | None:
    """The task key of the first plansync marker in an issue body, or None when it has none."""
    if not body:
        return None
    match = _MARKER_RE.search(body)
    if match is None:
        return None
    return unquote(match.group(1))


def marker_for(task: TaskRef) -> str:
    return task_marker(str(task))


def task_of_marker(key: str) -> TaskRef | None:
    planfile, sep, task_key = key.rpartition("#")
    return TaskRef(planfile, task_key) if sep and planfile and task_key else None

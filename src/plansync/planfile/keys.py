"""Task keys: a task's stable identity inside its planfile.

A task with an explicit ID is keyed by the ID as written (`SEC-002`, `maze-ph6.1.1`, `T12`);
a task whose line carries plansync's marker `<!-- plansync:task=KEY -->` keeps that KEY, so
renaming it or moving it to another milestone keeps its link. Any other task is keyed
`slug(scope)/slug(title)`, where the scope is its milestone (for a criterion: the heading it
sits under), or `slug(title)` alone when it has none. A slug is lowercase ASCII words joined
by `-`, emoji and punctuation dropped, cut at a word boundary.

Adding, removing or moving *other* tasks does not change a task's key, with one exception:
tasks sharing a base key (the same title slug in the same milestone) get `~2`, `~3`, ... in
document order, so adding, removing or moving one of *those* renumbers the ones after it. A
`<!-- plansync:task=KEY -->` marker on the task's line pins its key whatever happens (the
first line carrying it does: a line copied with its marker gets a key of its own).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

SCOPE_LENGTH = 40
TITLE_LENGTH = 60
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slug(text: str, limit: int = TITLE_LENGTH) -> str:
    """`🔥 Replace Mock Infrastructure (120min)` -> `replace-mock-infrastructure-120min`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = _NON_WORD.sub("-", ascii_text.lower()).strip("-")
    if len(words) <= limit:
        return words
    cut = words[: limit + 1]
    boundary = cut.rfind("-")
    return cut[:boundary] if boundary > 0 else words[:limit]


def title_slug(title: str) -> str:
    """The slug of a title; a title without any ASCII letter or digit (all CJK, say) is
    keyed by a short hash of its text so it still gets a stable key of its own."""
    found = slug(title)
    if found:
        return found
    return "task-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class KeySource:
    """What a key is made of: the explicit ID, a key pinned on the task's line by plansync's
    marker `<!-- plansync:task=KEY -->`, or else the scope (milestone) and title."""

    id: str | None
    scope: str | None
    title: str
    pinned: str | None = None


def base_key(source: KeySource) -> str:
    if source.id or source.pinned:
        return source.id or source.pinned or ""
    title = title_slug(source.title)
    scope = slug(source.scope, SCOPE_LENGTH) if source.scope else ""
    return f"{scope}/{title}" if scope else title


def assign_keys(sources: Sequence[KeySource]) -> list[str]:
    """One key per source, in order; repeated base keys get `~2`, `~3`, ...

    Explicit IDs and pinned keys are reserved first, so a derived key never takes them. A key
    is pinned once: a marker naming an ID or a key pinned on an earlier line (a task line
    copied with its marker) pins nothing, and that task's key is derived like any other.
    """
    sources = _pinned_once(sources)
    taken = {s.id or s.pinned for s in sources if s.id or s.pinned}
    seen: dict[str, int] = {}
    keys: list[str] = []
    for source in sources:
        base = base_key(source)
        if source.id or source.pinned:
            keys.append(base)
            continue
        count = seen.get(base, 1 if base in taken else 0) + 1
        seen[base] = count
        keys.append(base if count == 1 else f"{base}~{count}")
    return keys


def _pinned_once(sources: Sequence[KeySource]) -> list[KeySource]:
    ids = {s.id for s in sources if s.id}
    pinned: set[str] = set()
    kept: list[KeySource] = []
    for source in sources:
        key = source.pinned
        if key and not source.id:
            if key in ids or key in pinned:
                source = replace(source, pinned=None)
            else:
                pinned.add(key)
        kept.append(source)
    return kept

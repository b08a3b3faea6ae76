"""Task IDs: the shapes the reader recognises, and where in a line they stand.

Three kinds, from strongest to weakest:
- `strong`: `FIX-006`, `SEC-001`, `PERSIST-004` (capitals, a hyphen, digits) and the project's
  `extra_id_patterns`. Recognised anywhere outside code.
- `dotted`: `maze-ph6.1.1`, `bd-a1b2` (lowercase prefix, a hyphen, then a segment with a letter
  and digits). Recognised anywhere outside code, but a mention in prose alone never defines a
  task. The all-digits form `app-1.2` is also how versions are written (`python-3.11`,
  `ubuntu-22.04`), so it is an ID only where it is marked as one: written bold or in backticks
  at the start of an item, or followed by ` - ` or `: ` (`app-1.2 - Invite testers`).
- `generic`: `T12`, `M3` (one capital and digits). Only an ID where it stands as the ID of an
  item or table row, never inside prose.

At the start of a plain bullet (no checkbox) an unmarked ID counts as the item's ID only when a
separator (`:`, ` - `, `–`, `—`), a parenthesis or nothing follows it: `- PDF-2 export` and
`- ARM-64 builds` name things, not tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from plansync.planfile.rules import CompiledRules


class IdStrength(IntEnum):
    GENERIC = 1
    DOTTED = 2
    STRONG = 3


# `FIX-006`, and `TASK-010-001` / `TASK-1.2.1` (numbered parts) and `T-0001` (one capital and
# at least three digits) too.
_STRONG = re.compile(
    r"(?<![\w./#-])(?:[A-Z]{2,}[A-Z0-9]*-\d+(?:-\d+)*(?:\.\d+)*|[A-Z]-\d{3,})(?![\w]|-\w|\.\w)"
)
_DOTTED_PREFIX = r"(?<![\w./#-])[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*-"
_DOTTED = re.compile(_DOTTED_PREFIX + r"[a-z]+\d[a-z0-9]*(?:\.\d+)*(?![\w-]|\.\w)")
# `app-1.2`: the shape of a version too, so without marking it needs ` - ` or `: ` after it.
_NUMBERED = re.compile(_DOTTED_PREFIX + r"\d+(?:\.\d+)+(?![\w-]|\.\w)")
_NUMBERED_TITLED = re.compile(r"\s+[-–—]\s|\s*:\s")
# What must follow an unmarked ID at the start of a plain bullet.
_BULLET_SEPARATOR = re.compile(r"$|\s*[:–—](?:\s|$)|\s+-(?:\s|$)|\s*\(")
_GENERIC_LEAD = re.compile(r"([A-OQ-Z]\d{1,4})(?:\s*[:.)–—-](?:\s|$)|\s+\(|$)")
_GENERIC = re.compile(r"^[A-OQ-Z]\d{1,4}$")  # `P1`..`P4` are priorities, not IDs
# Dependency lists may name a whole group with a wildcard: `maze-ph6.1.x`, `SEC-*`.
_WILDCARD = re.compile(
    r"(?<![\w./#-])(?:[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*-[a-z]*\d[a-z0-9]*(?:\.\d+)*"
    r"|[A-Z]{2,}[A-Z0-9]*-\d*)(?:\.[x*]|\*)(?![\w-])"
)

# Capitals-hyphen-digits that are standards and versions, not tasks.
_NOT_IDS = frozenset(
    {
        "AES", "CVE", "CWE", "ECMA", "ES", "GPT", "HTTP", "IEC", "IEEE", "ISO", "IPV", "MD",
        "PEP", "RFC", "RSA", "SHA", "SSL", "TLS", "UTF", "WCAG", "COVID", "X", "TCP", "UDP",
        "SQL", "ANSI", "POSIX", "FIPS", "NIST", "PCI", "SOC", "EN", "DIN", "BS", "JIS", "GB",
        "ASCII", "UCS", "ECMASCRIPT", "MPEG", "H", "V", "IPV4", "IPV6",
    }
)  # fmt: skip


@dataclass(frozen=True)
class IdMatch:
    id: str
    start: int
    end: int
    strength: IdStrength


class IdMatcher:
    """Finds task IDs in plain text, under one set of reader rules."""

    def __init__(self, rules: CompiledRules) -> None:
        self._extra = rules.extra_ids

    def find(self, text: str, numbered: bool = False) -> list[IdMatch]:
        """Strong and dotted IDs in the text, left to right, without overlaps.

        An all-digits dotted ID (`app-1.2`) is found where ` - ` or `: ` follows it, or
        anywhere with `numbered=True` (where the context says it is an ID: a marked lead, an
        ID column, a `Depends on:` line).
        """
        found: list[IdMatch] = []
        for pattern in self._extra:
            found += [
                IdMatch(m.group(), m.start(), m.end(), IdStrength.STRONG)
                for m in pattern.finditer(text)
                if m.group()
            ]
        for m in _STRONG.finditer(text):
            if m.group().split("-")[0] not in _NOT_IDS:
                found.append(IdMatch(m.group(), m.start(), m.end(), IdStrength.STRONG))
        found += [
            IdMatch(m.group(), m.start(), m.end(), IdStrength.DOTTED)
            for m in _DOTTED.finditer(text)
        ]
        found += [
            IdMatch(m.group(), m.start(), m.end(), IdStrength.DOTTED)
            for m in _NUMBERED.finditer(text)
            if numbered or _NUMBERED_TITLED.match(text, m.end())
        ]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[IdMatch] = []
        for match in found:
            if not kept or match.start >= kept[-1].end:
                kept.append(match)
        return kept

    def at_start(self, text: str, numbered: bool = False) -> IdMatch | None:
        """`find(text, numbered)[0]` when it starts the text, else None: of the IDs found at
        the start, the longest (the first found on a tie), without scanning the rest."""
        if self._extra:
            found = self.find(text, numbered)
            return found[0] if found and found[0].start == 0 else None
        best: IdMatch | None = None
        match = _STRONG.match(text)
        if match is not None and match.group().split("-")[0] not in _NOT_IDS:
            best = IdMatch(match.group(), 0, match.end(), IdStrength.STRONG)
        match = _DOTTED.match(text)
        if match is not None and (best is None or match.end() > best.end):
            best = IdMatch(match.group(), 0, match.end(), IdStrength.DOTTED)
        match = _NUMBERED.match(text)
        if (
            match is not None
            and (numbered or _NUMBERED_TITLED.match(text, match.end()))
            and (best is None or match.end() > best.end)
        ):
            best = IdMatch(match.group(), 0, match.end(), IdStrength.DOTTED)
        return best

    def whole(self, text: str, marked: bool = False) -> IdMatch | None:
        """The ID the whole text is (a table cell, a bold lead), generic IDs included.

        `marked`: the context says the text is an ID (an ID column's header, bold, backticks),
        so an all-digits dotted ID such as `app-1.2` counts.
        """
        token = text.strip()
        if not token:
            return None
        first = self.at_start(token, numbered=marked)
        if first is not None and first.end == len(token):
            return first
        if _GENERIC.match(token):
            return IdMatch(token, 0, len(token), IdStrength.GENERIC)
        return None

    def leading(self, text: str, marked: bool = False, bullet: bool = False) -> IdMatch | None:
        """The ID a line starts with (`OPS-001: ...`, `maze-ph6.1.1 - ...`, `T12: ...`).

        `marked`: the ID is written bold or in backticks in the source. `bullet`: the line is a
        plain bullet (no checkbox), where an unmarked ID needs a separator, a parenthesis or
        nothing after it. A generic ID always needs one (`T3: ...`, `T3 (...)`, `T3`) unless
        it is marked.
        """
        first = self.at_start(text, numbered=marked)
        if first is not None:
            rest = text[first.end :]
            if not rest or not rest[0].isalnum():
                if marked or not bullet or _BULLET_SEPARATOR.match(rest):
                    return first
                return None
        generic = _GENERIC_LEAD.match(text)
        if generic is None and marked:
            generic = re.match(r"([A-OQ-Z]\d{1,4})(?![\w.-])", text)
        if generic is not None:
            token = generic.group(1)
            return IdMatch(token, 0, len(token), IdStrength.GENERIC)
        return None


def dependency_ids(matcher: IdMatcher, text: str) -> tuple[str, ...]:
    """The IDs a `Depends on:` line names, as written, wildcards (`maze-ph6.1.x`) included."""
    found: list[tuple[int, str]] = [(m.start(), m.group()) for m in _WILDCARD.finditer(text)]
    covered = [(start, start + len(token)) for start, token in found]
    for match in matcher.find(text, numbered=True):
        if not any(s <= match.start < e for s, e in covered):
            found.append((match.start, match.id))
    for generic in re.finditer(r"(?<![\w-])[A-OQ-Z]\d{1,4}(?![\w-])", text):
        if not any(s <= generic.start() < e for s, e in covered):
            found.append((generic.start(), generic.group()))
    ordered: list[str] = []
    for _, token in sorted(found):
        if token not in ordered:
            ordered.append(token)
    return tuple(ordered)

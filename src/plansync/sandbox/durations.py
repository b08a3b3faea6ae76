"""GitLab's durations: '1h 30m' and friends, to and from seconds."""

from __future__ import annotations

import re
from typing import Final

# GitLab's time units: a day is 8 hours, a week 5 days, a month 4 weeks.
_UNITS: Final = (
    ("mo", 4 * 5 * 8 * 3600),
    ("w", 5 * 8 * 3600),
    ("d", 8 * 3600),
    ("h", 3600),
    ("m", 60),
    ("s", 1),
)


def human_duration(seconds: int) -> str:
    """GitLab's rendering of a duration: 5400 -> '1h 30m'."""
    parts = []
    left = seconds
    for unit, size in _UNITS:
        if left >= size:
            parts.append(f"{left // size}{unit}")
            left %= size
    return " ".join(parts) if parts else "0s"


_DURATION_PART = re.compile(r"(\d+)\s*(mo|w|d|h|m|s)", re.IGNORECASE)


def parse_duration(text: str) -> int:
    """GitLab's duration syntax: '3h30m', '1d 2h', '90m' -> seconds. ValueError otherwise."""
    compact = text.strip()
    if not compact:
        raise ValueError("empty duration")
    matched = _DURATION_PART.findall(compact)
    if not matched or _DURATION_PART.sub("", compact).strip():
        if compact.isdigit():
            return int(compact)  # bare seconds
        raise ValueError(f"invalid duration {text!r}")
    sizes = dict(_UNITS)
    return sum(int(n) * sizes[u.lower()] for n, u in matched)

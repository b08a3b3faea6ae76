"""The estimate grammar of `/plan estimate`: `2h`, `90min`, `1.5d`, `1w 2d`, `clear`.

A day is 8 hours and a week 5 days, as the plan reader counts them. Parts are added up; a
single part is written as typed, several as one figure the reader reads back (`1w 2d` -> `7d`).
"""

from __future__ import annotations

from collections.abc import Sequence

from plansync.commands.text import code
from plansync.planfile.fields import MINUTES_PER_DAY, MINUTES_PER_HOUR, parse_estimate

MAX_MINUTES = 100 * 5 * MINUTES_PER_DAY  # a hundred weeks: more is a typo


class DurationError(ValueError):
    """An estimate that is not one; the message names what was wrong."""


def parse_duration(words: Sequence[str]) -> tuple[int, str] | None:
    """(minutes, text to write) for `words`, None for `clear`; DurationError otherwise."""
    if len(words) == 1 and words[0].lower() in ("clear", "none", "0"):
        return None
    total = 0
    for word in words:
        found = parse_estimate(word)
        if found is None or found.min_minutes is not None or found.text.startswith("~"):
            raise DurationError(f"{code(word[:40])} is not a duration.")
        total += found.minutes
    if total <= 0:
        raise DurationError("An estimate must be more than zero (use `clear` to remove one).")
    if total > MAX_MINUTES:
        raise DurationError("An estimate over a hundred weeks is refused.")
    if len(words) == 1:
        return total, words[0]
    return total, _written(total)


def _written(minutes: int) -> str:
    if minutes % MINUTES_PER_DAY == 0:
        return f"{minutes // MINUTES_PER_DAY}d"
    if minutes % MINUTES_PER_HOUR == 0:
        return f"{minutes // MINUTES_PER_HOUR}h"
    return f"{minutes}min"

"""The reader's steering rules: which headings are milestones or criteria, which sections to read,
which extra ID shapes to recognise. The defaults are the built-in behaviour; the config layer
builds a `ReaderRules` from TOML. Patterns are Python regular expressions, matched
case-insensitively against heading text without markdown (IDs: case-sensitively, as written).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from functools import lru_cache

from plansync.errors import ConfigError
from plansync.planfile.heading_words import (
    CJK_MILESTONE_PATTERN,
    CRITERIA_WORDS,
    MILESTONE_WORD_PATTERN,
    VERSION_PATTERN,
)

DEFAULT_MILESTONE_PATTERNS: tuple[str, ...] = (
    MILESTONE_WORD_PATTERN,
    CJK_MILESTONE_PATTERN,
    VERSION_PATTERN,
)

DEFAULT_CRITERIA_PATTERNS: tuple[str, ...] = CRITERIA_WORDS


@dataclass(frozen=True)
class ReaderRules:
    """How to read a planfile.

    - `extra_id_patterns`: more task ID shapes (e.g. `WEB-\\d+`), added to the built-in ones.
    - `milestone_patterns`: a heading matching one of these is a milestone section.
    - `criteria_patterns`: a heading matching one of these (and its sub-headings) holds
      criteria: its checklist items are listed with `criterion=True` and it is no milestone.
    - `include_sections` / `exclude_sections`: read tasks only under headings matching an
      include pattern (when any is given), and never under one matching an exclude pattern.
    - `task_sections`: the list items under these headings are tasks.
    - `sync_criteria`: whether criteria are synced as issues; the reader always lists them.
    - `format`: read the file as this format (`spec-kit`, `aidevops`, ... see
      `formats.FORMATS`) instead of judging it from its lines.
    """

    extra_id_patterns: tuple[str, ...] = ()
    milestone_patterns: tuple[str, ...] = DEFAULT_MILESTONE_PATTERNS
    criteria_patterns: tuple[str, ...] = DEFAULT_CRITERIA_PATTERNS
    include_sections: tuple[str, ...] = ()
    exclude_sections: tuple[str, ...] = ()
    task_sections: tuple[str, ...] = ()
    sync_criteria: bool = False
    format: str | None = None


@dataclass(frozen=True)
class CompiledRules:
    """`ReaderRules` with every pattern compiled once."""

    extra_ids: tuple[re.Pattern[str], ...]
    milestones: tuple[re.Pattern[str], ...]
    criteria: tuple[re.Pattern[str], ...]
    include: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]
    task_sections: tuple[re.Pattern[str], ...]
    format: str | None = None


def any_match(patterns: tuple[re.Pattern[str], ...], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def _compile(field: str, patterns: tuple[str, ...], flags: int) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for pattern in patterns:
        try:
            compiled.append(re.compile(pattern, flags))
        except re.error as exc:
            raise ConfigError(
                f"Reader rule `{field}`: {pattern!r} is not a valid regular expression ({exc}). "
                "Fix the pattern in the [reader] section of the configuration."
            ) from exc
    return tuple(compiled)


def _extra_id(field: str, pattern: str) -> re.Pattern[str]:
    # An ID is a whole token: `WEB-1` must not match inside `WEB-12` or `XWEB-1`.
    (compiled,) = _compile(field, (rf"(?<![\w.-])(?:{pattern})(?![\w-]|\.\w)",), 0)
    return compiled


@lru_cache(maxsize=64)
def compile_rules(rules: ReaderRules) -> CompiledRules:
    """Compile the patterns; raises ConfigError naming the rule and the pattern that is wrong."""
    for item in fields(rules):
        value = getattr(rules, item.name)
        if item.name not in ("sync_criteria", "format") and not isinstance(value, tuple):
            raise ConfigError(
                f"Reader rule `{item.name}` must be a tuple of regular expressions, got "
                f"{type(value).__name__}."
            )
    return CompiledRules(
        extra_ids=tuple(_extra_id("extra_id_patterns", p) for p in rules.extra_id_patterns),
        milestones=_compile("milestone_patterns", rules.milestone_patterns, re.IGNORECASE),
        criteria=_compile("criteria_patterns", rules.criteria_patterns, re.IGNORECASE),
        include=_compile("include_sections", rules.include_sections, re.IGNORECASE),
        exclude=_compile("exclude_sections", rules.exclude_sections, re.IGNORECASE),
        task_sections=_compile("task_sections", rules.task_sections, re.IGNORECASE),
        format=rules.format,
    )

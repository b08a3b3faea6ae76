"""Builders the tests share: project configs, and the lines an edit changed.

Every test folder imports it as `builders` (pyproject.toml puts tests/ on pytest's pythonpath):

    from builders import changed_line_numbers, project
"""

from __future__ import annotations

from typing import Any

from plansync.config.project import ProjectConfig
from plansync.planfile.lines import split_ending, split_lines, strip_bom


def project(**changes: Any) -> ProjectConfig:
    """Project `demo`: the GitHub repository demo/plans, plans under plans/; `changes` replace
    top-level settings."""
    settings: dict[str, Any] = {
        "name": "demo",
        "tracker": {"kind": "github", "repo": "demo/plans"},
        "plans": ["plans/*.md"],
    }
    return ProjectConfig.model_validate({**settings, **changes})


def changed_line_numbers(before: bytes, after: bytes, *, same_endings: bool = False) -> list[int]:
    """1-based numbers of the lines that differ, read as plansync splits lines; the BOM and
    the line count must not change, nor, with `same_endings`, any line's ending."""
    bom_before, body_before = strip_bom(before)
    bom_after, body_after = strip_bom(after)
    assert bom_before == bom_after
    old, new = split_lines(body_before), split_lines(body_after)
    assert len(old) == len(new)
    if same_endings:
        for a, b in zip(old, new, strict=True):
            assert split_ending(a)[1] == split_ending(b)[1]
    return [n for n, (a, b) in enumerate(zip(old, new, strict=True), start=1) if a != b]


def changed_line_pairs(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    """The (old, new) pairs of lines, endings included, that differ between two versions of
    a planfile with the same number of lines (plansync's edits never add or remove one)."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new), f"{len(old)} lines became {len(new)}"
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]

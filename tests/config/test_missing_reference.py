"""`missing_reference`: what a task whose line references an issue the tracker cannot give it
gets. `report` (the default) or `create`; anything else is one clear error naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.config.load import load_config
from plansync.errors import ConfigError

PROJECT = (
    '[[projects]]\nname = "demo"\nplans = ["*.md"]\n{extra}\n'
    '[projects.tracker]\nkind = "github"\nrepo = "demo/plans"\n'
)


def load(tmp_path: Path, extra: str = "") -> str:
    path = tmp_path / "plansync.toml"
    path.write_text(PROJECT.format(extra=extra), encoding="utf-8")
    return load_config(path).projects[0].missing_reference


def test_the_default_is_report(tmp_path: Path) -> None:
    assert load(tmp_path) == "report"


def test_create_is_accepted(tmp_path: Path) -> None:
    assert load(tmp_path, 'missing_reference = "create"') == "create"


def test_another_value_is_named_with_what_was_expected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, 'missing_reference = "ignore"')

    message = str(caught.value)
    assert "plansync.toml" in message
    assert "missing_reference" in message
    assert "'report' or 'create'" in message

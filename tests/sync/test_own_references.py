"""Which references on a task's line name an issue of the project's own repository: `#7`,
`owner/repo#7`, an issue URL of that repository on its tracker's host, and the forms that name
a kind of tracker (`ref:GH#7`, `ref:GL#7`, `GH-7`) on that kind only. Pure, no tracker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from builders import project
from plansync.model.plan import Task
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.references import own_references, references

GITHUB: dict[str, Any] = {"kind": "github", "repo": "demo/plans"}
GHE: dict[str, Any] = {
    "kind": "github",
    "repo": "demo/plans",
    "base_url": "https://ghe.example.org/api/v3",
}
GITLAB: dict[str, Any] = {
    "kind": "gitlab",
    "repo": "group/sub/proj",
    "url": "https://gitlab.example.org",
}


def task(line: str) -> Task:
    document = parse_plan(f"# P\n\n{line}\n".encode(), Path("plan.md"), ReaderRules())
    (only,) = document.tasks
    return only


def refers(line: str, tracker: dict[str, Any]) -> bool:
    return references(task(line), 7, project(tracker=tracker).tracker)


class TestOnGitHub:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("- [ ] Task (#7)", True),
            ("- [ ] Task demo/plans#7", True),
            ("- [ ] Task", False),
            ("- [ ] Task (#70)", False),
            ("- [ ] Task other/repo#7", False),
            ("- [ ] Task ref:GH#7", True),
            ("- [ ] Task ref:GL#7", False),
            ("- [ ] Task GH-7", True),
            ("- [ ] Task https://github.com/demo/plans/issues/7", True),
            ("- [ ] Task https://github.com/Demo/Plans/issues/7", True),
            ("- [ ] Task https://www.github.com/demo/plans/issues/7", True),
            ("- [ ] Task https://github.com/other/plans/issues/7", False),
            ("- [ ] Task https://ghe.example.org/demo/plans/issues/7", False),
            ("- [ ] Task https://gitlab.com/demo/plans/-/issues/7", False),
        ],
    )
    def test_a_reference_to_the_issue_in_this_repository(self, line: str, expected: bool) -> None:
        assert refers(line, GITHUB) is expected

    def test_an_enterprise_host_takes_its_own_urls(self) -> None:
        assert refers("- [ ] Task https://ghe.example.org/demo/plans/issues/7", GHE)
        assert not refers("- [ ] Task https://github.com/demo/plans/issues/7", GHE)


class TestOnGitLab:
    @pytest.mark.parametrize(
        ("line", "expected"),
        [
            ("- [ ] Task (#7)", True),
            ("- [ ] Task group/sub/proj#7", True),
            ("- [ ] Task ref:GL#7", True),
            ("- [ ] Task ref:GH#7", False),
            ("- [ ] Task GH-7", False),
            ("- [ ] Task https://gitlab.example.org/group/sub/proj/-/issues/7", True),
            ("- [ ] Task https://gitlab.example.org/group/sub/proj/-/work_items/7", True),
            ("- [ ] Task https://gitlab.example.org/group/other/-/issues/7", False),
            ("- [ ] Task https://gitlab.com/group/sub/proj/-/issues/7", False),
            ("- [ ] Task https://github.com/group/sub/proj/issues/7", False),
        ],
    )
    def test_a_reference_to_the_issue_in_this_project(self, line: str, expected: bool) -> None:
        assert refers(line, GITLAB) is expected

    def test_own_references_keep_the_lines_order(self) -> None:
        line = "- [ ] Task ref:GH#3 https://gitlab.example.org/group/sub/proj/-/issues/5 (#6)"
        found = own_references(task(line), project(tracker=GITLAB).tracker)
        assert [r.number for r in found] == [5, 6]

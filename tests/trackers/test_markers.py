"""The hidden markers in issue bodies: a task's, and a planfile's tracking issue's."""

from __future__ import annotations

import pytest

from plansync.trackers.markers import (
    find_marker,
    find_tracking_marker,
    task_marker,
    tracking_marker,
)


@pytest.mark.parametrize("planfile", ["plans/launch.md", "a b/c--d.md", "plans/ünï.md", "x-->y.md"])
def test_a_tracking_marker_reads_back_its_planfile_and_is_no_task_marker(planfile: str) -> None:
    marker = tracking_marker(planfile)
    body = f"intro\n{marker}\n\n**Progress:** 1 / 2"
    assert find_tracking_marker(body) == planfile
    assert find_marker(body) is None
    assert marker.count("-->") == 1  # the planfile cannot close the comment early
    assert " " not in marker.removeprefix("<!-- ").removesuffix(" -->")


def test_a_task_marker_is_no_tracking_marker() -> None:
    body = task_marker("plans/launch.md#T1")
    assert find_tracking_marker(body) is None
    assert find_tracking_marker(None) is None
    assert find_marker(body) == "plans/launch.md#T1"


def test_a_tracking_marker_needs_a_planfile() -> None:
    with pytest.raises(ValueError, match="planfile"):
        tracking_marker("")

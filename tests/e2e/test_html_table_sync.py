"""A plan whose task table is an HTML `<table>`, synced on the sandbox: each row gets one issue,
the link lands inside the row's title cell (before `</td>`), nothing else in the file changes,
a second sync finds nothing to do, and
an issue closed on the tracker writes `Done` in the row's status cell."""

from __future__ import annotations

from conftest import MakeHarness

PLAN = b"""# Release plan

<table>
  <tr><th>ID</th><th>Task</th><th>Status</th><th>Owner</th></tr>
  <tr><td>R1</td><td>Write the release notes</td><td>Todo</td><td>@alice</td></tr>
  <tr><td>R2</td><td>Tag the release &amp; push it</td><td>Todo</td><td>@bob</td></tr>
</table>
"""


class TestHtmlTablePlan:
    def test_links_land_inside_the_title_cells_and_a_second_sync_is_quiet(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN})
        first = harness.sync()
        assert first.ok, first.failed
        assert sorted(harness.issues_by_task()) == ["plan.md#R1", "plan.md#R2"]
        one, two = harness.number("plan.md", "R1"), harness.number("plan.md", "R2")
        expected = PLAN.replace(
            b"Write the release notes</td>", f"Write the release notes (#{one})</td>".encode()
        ).replace(b"push it</td>", f"push it (#{two})</td>".encode())
        assert harness.plan("plan.md") == expected

        assert harness.sync().actions == []
        assert harness.plan("plan.md") == expected

        harness.store.close_issue(harness.repo, one, "completed")
        assert harness.sync().ok
        ticked = expected.replace(
            f"(#{one})</td><td>Todo</td>".encode(), f"(#{one})</td><td>Done</td>".encode()
        )
        assert harness.plan("plan.md") == ticked
        assert harness.sync().actions == []

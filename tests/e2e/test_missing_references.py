"""A task whose line references an issue the tracker cannot give it (the tracker does not have
it, or it is another task's): the person decides. By default the run reports it, creates
nothing for the task and leaves its line alone; with `missing_reference = "create"` the task
gets a new issue and the old reference is replaced by the new one, never added beside it."""

from __future__ import annotations

from harness import SyncHarness

from conftest import MakeHarness
from plansync.sync.result import RunResult

CREATE = 'missing_reference = "create"'

PLAN = b"""# Release plan

## Phase 1: Ship

- [ ] Write the notes
- [ ] Ship the thing (#40)
"""


def reference_notices(result: RunResult) -> list[str]:
    return [n.message for n in result.notices if "references #" in n.message]


class TestByDefault:
    def test_the_task_is_reported_and_nothing_is_created_for_it(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN})

        result = harness.sync()

        assert result.ok, result.failed
        assert [i.title for i in harness.issues()] == ["Write the notes"]
        assert harness.plan("plan.md") == PLAN.replace(
            b"- [ ] Write the notes\n", b"- [ ] Write the notes (#1)\n"
        )
        (message,) = reference_notices(result)
        assert message.startswith("plan.md:6: ")
        assert "#40" in message
        assert 'missing_reference = "create"' in message
        assert [n.number for n in result.notices if n.message == message] == [40]

    def test_the_next_run_reports_it_again_and_does_nothing(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN})
        harness.sync()
        data = harness.plan("plan.md")

        again = harness.sync()

        assert again.actions == []
        assert len(reference_notices(again)) == 1
        assert harness.plan("plan.md") == data
        assert len(harness.issues()) == 1

    def test_a_reference_that_became_another_tasks_issue_creates_nothing(
        self, make_harness: MakeHarness
    ) -> None:
        # `#1` is missing when the run starts; plansync then makes #1 for the first task.
        plan = PLAN.replace(b"(#40)", b"(#1)")
        harness = make_harness({"plan.md": plan})

        result = harness.sync()

        assert result.ok, result.failed
        assert [i.title for i in harness.issues()] == ["Write the notes"]
        assert b"- [ ] Ship the thing (#1)\n" in harness.plan("plan.md")
        assert harness.sync().actions == []


class TestWithCreate:
    def test_the_task_gets_an_issue_and_its_reference_is_replaced(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({"plan.md": PLAN}, project_toml=CREATE)

        result = harness.sync()

        assert result.ok, result.failed
        number = harness.number("plan.md", "phase-1-ship/ship-the-thing")
        assert len(harness.issues()) == 2
        assert b"- [ ] Ship the thing (#%d)\n" % number in harness.plan("plan.md")
        assert b"#40" not in harness.plan("plan.md")
        assert harness.sync().actions == []

    def test_a_reference_that_became_another_tasks_issue_is_replaced(
        self, make_harness: MakeHarness
    ) -> None:
        plan = PLAN.replace(b"(#40)", b"(#1)")
        harness = make_harness({"plan.md": plan}, project_toml=CREATE)

        result = harness.sync()

        assert result.ok, result.failed
        assert harness.plan("plan.md") == (
            b"# Release plan\n\n## Phase 1: Ship\n\n"
            b"- [ ] Write the notes (#1)\n- [ ] Ship the thing (#2)\n"
        )
        assert harness.sync().actions == []

    def test_a_table_rows_reference_is_replaced_in_its_issue_cell(
        self, make_harness: MakeHarness
    ) -> None:
        plan = (
            b"# Table plan\n\n"
            b"| # | Task | Issue |\n|---|------|-------|\n"
            b"| 1 | Write the notes | #40 |\n"
            b"| 2 | Ship the thing | #51, other/repo#7 |\n"
        )
        harness = make_harness({"plan.md": plan}, project_toml=CREATE)

        result = harness.sync()

        assert result.ok, result.failed
        lines = harness.plan("plan.md").splitlines()
        assert lines[4] == b"| 1 | Write the notes | #1  |"
        assert lines[5] == b"| 2 | Ship the thing | #2, other/repo#7  |"
        assert harness.sync().actions == []


class TestAfterTheStateStoreIsLost:
    """The task's issue was deleted on the tracker, then the state store was lost: the
    reference on its line is all that is left, and it names an issue that is gone."""

    def lose_issue_and_store(
        self, make_harness: MakeHarness, project_toml: str = ""
    ) -> SyncHarness:
        harness = make_harness({"plan.md": PLAN}, project_toml=CREATE)
        harness.sync()
        assert b"- [ ] Ship the thing (#2)\n" in harness.plan("plan.md")
        harness.store.delete_issue(harness.repo, 2)
        harness.state_path.unlink()
        harness.reconfigure(project_toml=project_toml)
        return harness

    def test_by_default_the_dead_reference_is_reported(self, make_harness: MakeHarness) -> None:
        harness = self.lose_issue_and_store(make_harness)
        data = harness.plan("plan.md")

        result = harness.sync()

        assert result.ok, result.failed
        # The first task is found again by its marker; nothing is created, no line edited.
        assert "LinkIssue" in [type(a).__name__ for a in result.actions]
        assert not [a for a in result.actions if type(a).__name__ in ("CreateIssue", "EditPlan")]
        assert harness.plan("plan.md") == data
        assert [i.number for i in harness.issues()] == [1]
        (message,) = reference_notices(result)
        assert message.startswith("plan.md:6: ")
        assert "#2" in message

    def test_with_create_the_dead_reference_is_replaced(self, make_harness: MakeHarness) -> None:
        harness = self.lose_issue_and_store(make_harness, CREATE)

        result = harness.sync()

        assert result.ok, result.failed
        number = harness.number("plan.md", "phase-1-ship/ship-the-thing")
        assert number != 2
        assert b"- [ ] Ship the thing (#%d)\n" % number in harness.plan("plan.md")
        assert b"(#2)" not in harness.plan("plan.md")
        assert harness.sync().actions == []

"""A todo.txt-style plan (aidevops) that names its task's existing issue with `ref:GH#N` /
`ref:GL#N`: the task is linked to that issue and no second issue is made for it; a reference
to the other kind of tracker is no link here."""

from __future__ import annotations

from harness import SyncHarness

from conftest import MakeHarness

PLAN = """# TODO

## Phase 1: Sync

- [ ] t019.1 Schema migration ~4h #db @alice
- [ ] t019.2 Sync script ~8h #sync blocked-by:t019.1 ref:{mine}#{number}
- [ ] t019.3 Export the old data ~2h ref:{other}#{number}
"""


def _plan(harness: SyncHarness, number: int) -> bytes:
    mine, other = ("GH", "GL") if harness.kind == "github" else ("GL", "GH")
    return PLAN.format(mine=mine, other=other, number=number).encode()


class TestExistingReference:
    def test_the_task_is_linked_to_its_issue_and_nothing_is_duplicated(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({})
        existing = harness.store.create_issue(harness.repo, "Sync script", "Filed by hand.")
        number = existing if isinstance(existing, int) else existing.number
        plan = _plan(harness, number)
        harness.write_plan("TODO.md", plan)

        result = harness.sync()

        assert result.ok, result.failed
        titles = sorted(i.title for i in harness.issues())
        assert titles == [
            "[t019.1] Schema migration",
            "[t019.2] Sync script",
            "[t019.3] Export the old data",
        ]
        assert harness.number("TODO.md", "t019.2") == number
        # The referenced line is left as it is: the reference already names the issue.
        written = harness.plan("TODO.md").decode().splitlines()
        assert written[5] == plan.decode().splitlines()[5]

    def test_a_second_run_changes_nothing(self, make_harness: MakeHarness) -> None:
        harness = make_harness({})
        existing = harness.store.create_issue(harness.repo, "Sync script", "Filed by hand.")
        number = existing if isinstance(existing, int) else existing.number
        harness.write_plan("TODO.md", _plan(harness, number))
        harness.sync()
        data = harness.plan("TODO.md")

        again = harness.sync()

        assert again.actions == []
        assert harness.plan("TODO.md") == data
        assert len(harness.issues()) == 3

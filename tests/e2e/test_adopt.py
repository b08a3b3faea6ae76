"""Issues that exist before the first sync, without plansync's marker, are adopted instead of
made again: by the task's ID in their title, and with `adopt = "title"` by the task's exact
title. Two candidates, a closed one, or one another task holds adopt nothing; the run says so.
Against the sandbox, on GitHub and GitLab.
"""

from __future__ import annotations

from collections.abc import Callable

from harness import SyncHarness

from plansync.model.changeset import LinkIssue

PLAN = "plan.md"
MakeHarness = Callable[..., SyncHarness]

TASKS = b"""# Launch

## Phase 1: Build

- [ ] API-1: Sketch the schema
- [ ] API-2: Wire the endpoint
- [ ] API-3: Publish the docs
- [ ] Write the release notes
"""


def issue_count(harness: SyncHarness) -> int:
    return len(harness.issues())


def adopted(harness: SyncHarness, result: object) -> dict[str, int]:
    """The tasks the run linked to an existing issue, by key, with the issue's number."""
    actions = getattr(result, "actions", [])
    return {a.task.key: a.number for a in actions if isinstance(a, LinkIssue)}


class TestAdoptedByTheIdInTheTitle:
    def test_each_form_of_id_title_is_adopted_and_the_rest_created(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: TASKS})
        one = harness.store.create_issue(harness.repo, "[API-1] Schema sketch")
        two = harness.store.create_issue(harness.repo, "API-2: Wire it up", body="Notes.")
        three = harness.store.create_issue(harness.repo, "API-3 Publish the docs")

        first = harness.sync()

        assert first.ok, [r.detail for r in first.failed]
        assert adopted(harness, first) == {"API-1": one, "API-2": two, "API-3": three}
        assert issue_count(harness) == 4  # only the task without an ID got a new issue
        plan = harness.plan(PLAN)
        for key, number in (("API-1", one), ("API-2", two), ("API-3", three)):
            assert f"{key}:".encode() in plan
            assert f"(#{number})".encode() in plan
            assert harness.issues_by_task()[f"{PLAN}#{key}"] == [number]
        assert "Notes." in harness.issue(two).body  # the person's text stays
        again = harness.sync()
        assert again.ok
        assert not again.actions

    def test_the_dry_run_lists_the_adoptions(self, make_harness: MakeHarness) -> None:
        harness = make_harness({PLAN: TASKS})
        one = harness.store.create_issue(harness.repo, "[API-1] Schema sketch")

        preview = harness.sync(dry_run=True)

        (link,) = [a for a in preview.actions if isinstance(a, LinkIssue)]
        assert (link.task.key, link.number) == ("API-1", one)
        assert "adopted" in link.why
        assert issue_count(harness) == 1


class TestAdoptedByTitle:
    def test_the_same_title_is_adopted_only_when_the_project_says_so(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: TASKS})
        notes = harness.store.create_issue(harness.repo, "Write the release notes")

        harness.sync()

        assert len(harness.issues_by_task()[f"{PLAN}#phase-1-build/write-the-release-notes"]) == 1
        assert harness.issues_by_task()[f"{PLAN}#phase-1-build/write-the-release-notes"] != [notes]

    def test_with_adopt_title_the_open_issue_of_that_title_is_the_task_s(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: TASKS}, project_toml='adopt = "title"\n')
        notes = harness.store.create_issue(harness.repo, "Write the  release notes")

        first = harness.sync()

        assert first.ok
        assert adopted(harness, first)["phase-1-build/write-the-release-notes"] == notes
        assert issue_count(harness) == 4


class TestNothingIsAdopted:
    def test_two_candidates_adopt_none_and_create_none(self, make_harness: MakeHarness) -> None:
        harness = make_harness({PLAN: TASKS})
        harness.store.create_issue(harness.repo, "[API-1] Schema sketch")
        harness.store.create_issue(harness.repo, "API-1: Schema, again")

        first = harness.sync()

        assert "API-1" not in adopted(harness, first)
        notices = [n.message for n in first.notices if n.task and n.task.key == "API-1"]
        assert any("could each be this task's" in m for m in notices), notices
        assert issue_count(harness) == 2 + 3  # API-2, API-3 and the notes are created
        assert b"API-1: Sketch the schema\n" in harness.plan(PLAN)  # no reference written

    def test_a_closed_candidate_is_reported_not_adopted(self, make_harness: MakeHarness) -> None:
        harness = make_harness({PLAN: TASKS})
        old = harness.store.create_issue(harness.repo, "[API-1] Schema sketch")
        harness.store.close_issue(harness.repo, old)

        first = harness.sync()

        assert "API-1" not in adopted(harness, first)
        notices = [n.message for n in first.notices if n.task and n.task.key == "API-1"]
        assert any(f"closed issue #{old}" in m for m in notices), notices
        assert harness.issue(old).state == "closed"
        assert issue_count(harness) == 1 + 3

    def test_a_candidate_another_task_references_is_not_taken(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({PLAN: b"# Launch\n\n- [ ] API-1: Sketch\n- [ ] Other work\n"})
        held = harness.store.create_issue(harness.repo, "[API-1] Sketch")
        harness_plan = f"# Launch\n\n- [ ] API-1: Sketch\n- [ ] Other work (#{held})\n"
        harness.write_plan(PLAN, harness_plan.encode())

        first = harness.sync()

        assert first.ok
        assert adopted(harness, first) == {"other-work": held}
        numbers = harness.issues_by_task()[f"{PLAN}#API-1"]
        assert numbers != [held]
        assert len(numbers) == 1

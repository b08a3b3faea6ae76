"""Issue references other tools write on a task's line: `ref:GH#510` / `ref:GL#7`, GitHub's
`GH-510`, and full issue URLs, in every shape of task; and the tokens that look like them but
are none (a task's own ID, a word, a code span). Reading one never changes a title or a key."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import IssueRef, PlanDocument, Task
from plansync.planfile.fields import parse_issue_refs
from plansync.planfile.parse import parse_plan


def read(text: str) -> PlanDocument:
    return parse_plan(text.encode(), Path("plan.md"))


def by_line(document: PlanDocument) -> dict[int, Task]:
    return {task.line: task for task in document.tasks}


def texts(task: Task) -> list[str]:
    return [ref.text for ref in task.issue_refs]


class TestTheForms:
    def test_tool_references_name_their_kind_of_tracker(self) -> None:
        github, gitlab = parse_issue_refs("see ref:GH#510 and ref:GL#7")
        assert github == IssueRef(510, "ref:GH#510", tracker="github")
        assert gitlab == IssueRef(7, "ref:GL#7", tracker="gitlab")

    def test_github_short_form(self) -> None:
        assert parse_issue_refs("Fix the login GH-510.") == (
            IssueRef(510, "GH-510", tracker="github"),
        )

    def test_urls_carry_their_host_and_the_kind_their_shape_says(self) -> None:
        github, gitlab, items, other = parse_issue_refs(
            "https://github.com/acme/app/issues/510 "
            "https://gitlab.example.org:8443/group/sub/proj/-/issues/5 "
            "https://gitlab.example.org/group/proj/-/work_items/6 "
            "https://code.example.org/acme/app/issues/9"
        )
        assert (github.repo, github.host, github.tracker) == ("acme/app", "github.com", "github")
        assert (gitlab.repo, gitlab.host, gitlab.tracker, gitlab.number) == (
            "group/sub/proj",
            "gitlab.example.org:8443",
            "gitlab",
            5,
        )
        assert (items.repo, items.tracker, items.number) == ("group/proj", "gitlab", 6)
        # A host that is neither github.com nor a `/-/` path may be either kind.
        assert (other.repo, other.host, other.tracker) == ("acme/app", "code.example.org", None)

    def test_a_form_of_another_tracker_is_no_repeat_of_the_short_one(self) -> None:
        assert [r.text for r in parse_issue_refs("#5 ref:GL#5 GH-5 #5")] == [
            "#5",
            "ref:GL#5",
            "GH-5",
        ]

    @pytest.mark.parametrize(
        "text",
        [
            "fooGH-517 bar",
            "GH-5-2",
            "GH-5.1",
            "a/GH-5",
            "gh-5",
            "xref:GH#5",
            "ref:GH#5x",
            "ref:GX#5",
            "https://github.com/acme/app/pull/5",
        ],
    )
    def test_near_misses_are_no_references(self, text: str) -> None:
        assert parse_issue_refs(text) == ()


class TestInEveryShapeOfTask:
    PLAN = """# Plan

## Phase 1: Build

- [ ] Fix the login page GH-510
- [ ] Add the cache ref:GH#513
- [ ] Tune it https://github.com/acme/app/issues/514
- [ ] Split it (https://gitlab.example.org/group/proj/-/issues/5)

| Task | Issue |
|------|-------|
| Row one | GH-520 |
| Row two | https://github.com/acme/app/issues/521 |
| Row three | ref:GH#522 |
| Row four GH-523 | |

### Task 4: Heading task ref:GH#530

- Owner: @ana
"""

    def test_each_line_references_its_issue(self) -> None:
        tasks = by_line(read(self.PLAN))
        assert {line: texts(task) for line, task in tasks.items()} == {
            5: ["GH-510"],
            6: ["ref:GH#513"],
            7: ["https://github.com/acme/app/issues/514"],
            8: ["https://gitlab.example.org/group/proj/-/issues/5"],
            12: ["GH-520"],
            13: ["https://github.com/acme/app/issues/521"],
            14: ["ref:GH#522"],
            15: ["GH-523"],
            17: ["ref:GH#530"],
        }

    def test_titles_and_keys_stay_as_they_were_before_the_forms_were_read(self) -> None:
        # The token stays in the title (and so in the key) where it stood in the title before:
        # a plan synced then keeps its keys, and its issues keep their titles.
        document = read(self.PLAN)
        assert document.format == "generic"
        tasks = by_line(document)
        assert tasks[5].title == "Fix the login page GH-510"
        assert tasks[5].key == "phase-1-build/fix-the-login-page-gh-510"
        assert tasks[6].title == "Add the cache ref:GH#513"
        assert tasks[6].key == "phase-1-build/add-the-cache-ref-gh-513"
        # A trailing `(URL)` was left out of the title before, as `(#5)` is.
        assert tasks[8].title == "Split it"
        assert tasks[12].title == "Row one"
        assert tasks[15].title == "Row four GH-523"
        assert tasks[17].title == "Heading task ref:GH#530"

    def test_a_todo_txt_line_reads_its_reference_once(self) -> None:
        # Two checkbox lines with todo.txt fields make the file aidevops: the title runs to
        # the first field there, as it did before.
        document = read("# TODO\n\n- [ ] t019.2 Sync script ~8h ref:GH#510\n- [ ] t019.3 Go ~1h\n")
        assert document.format == "aidevops"
        task = document.tasks[0]
        assert task.issue_refs == (IssueRef(510, "ref:GH#510", tracker="github"),)
        assert task.title == "Sync script"


class TestNotReferences:
    def test_the_lines_own_id_is_no_reference(self) -> None:
        tasks = by_line(read("# P\n\n- [ ] GH-512: Ship it\n- [ ] Write the docs (GH-511)\n"))
        assert (tasks[3].id, texts(tasks[3])) == ("GH-512", [])
        assert (tasks[4].id, texts(tasks[4])) == ("GH-511", [])

    def test_an_id_the_plan_defines_is_that_task_wherever_it_is_named(self) -> None:
        plan = "# P\n\n## Phase 1: Go\n\n- [ ] GH-510: Ship it\n- [ ] Review GH-510 and GH-9\n"
        tasks = by_line(read(plan))
        assert texts(tasks[5]) == []
        assert texts(tasks[6]) == ["GH-9"]  # GH-9 is no task of the plan: the issue

    def test_a_heading_tasks_id_is_no_reference(self) -> None:
        (task,) = read("# P\n\n### Task 4: Heading task GH-530\n\n- Owner: @ana\n").tasks
        assert (task.key, texts(task)) == ("GH-530", [])

    def test_a_word_is_no_reference(self) -> None:
        (task,) = read("# P\n\n- [ ] Word fooGH-517 bar\n").tasks
        assert texts(task) == []

    def test_a_url_or_form_in_a_code_span_is_quoted_not_linked(self) -> None:
        plan = (
            "# P\n\n"
            "- [ ] Quote `https://github.com/acme/app/issues/516` here\n"
            "- [ ] Quote `ref:GH#7` and `GH-8`\n"
            "- [ ] Both `https://github.com/acme/app/issues/9` https://github.com/acme/app/issues/9\n"
            "- [ ] Short `#61` still counts\n"
        )
        tasks = by_line(read(plan))
        assert texts(tasks[3]) == []
        assert texts(tasks[4]) == []
        assert texts(tasks[5]) == ["https://github.com/acme/app/issues/9"]
        assert texts(tasks[6]) == ["#61"]

    def test_a_url_of_another_repository_is_read_with_its_repository(self) -> None:
        # The reader reads it as written; the sync links only its own repository's issues.
        (task,) = read("# P\n\n- [ ] Other https://github.com/other/app/issues/515\n").tasks
        (ref,) = task.issue_refs
        assert (ref.repo, ref.number) == ("other/app", 515)

    def test_a_url_in_a_table_cells_code_span_is_quoted_not_linked(self) -> None:
        plan = (
            "# P\n\n| Task | Issue |\n|---|---|\n"
            "| Quote | `https://github.com/acme/app/issues/5` |\n"
            "| Link | https://github.com/acme/app/issues/6 |\n"
        )
        tasks = by_line(read(plan))
        assert texts(tasks[5]) == []
        assert texts(tasks[6]) == ["https://github.com/acme/app/issues/6"]


@pytest.mark.parametrize("form", ["GH-4", "ref:GH#4", "ref:GL#4"])
def test_a_form_claimed_by_a_heading_list_moves_no_task(form: str) -> None:
    # A heading's list (`(Issues #4)`) claims the tasks that reference #4 as plansync writes
    # references; another tool's form links its task and changes neither milestone nor key.
    document = read(f"- [ ] Port the parser {form}\n\n## Milestone 1 (Issues #4)\n")
    (task,) = document.tasks
    assert task.milestone is None
    assert task.key == read(f"- [ ] Port the parser {form}\n").tasks[0].key
    (plain,) = read("- [ ] Port the parser #4\n\n## Milestone 1 (Issues #4)\n").tasks
    assert plain.milestone == "Milestone 1"

"""A plan that already links its tasks to existing issues the way other tools write it
(`ref:GH#N` / `ref:GL#N`, GitHub's `GH-N`, a full issue URL of the project's repository):
each such task is linked to that issue, no issue is created for it, its line is left byte for
byte as written, and later edits still reach the issue. A URL of another repository, a form
of the other kind of tracker, or a URL in a code span links nothing. Against the sandbox, on
GitHub and GitLab, through the real clients.
"""

from __future__ import annotations

from collections.abc import Callable

from harness import SyncHarness

from plansync.model.changeset import CreateIssue, LinkIssue

PLAN = "plan.md"
MakeHarness = Callable[..., SyncHarness]
SUMMARY = "[projects.summary]\n"


def existing(harness: SyncHarness, title: str) -> int:
    found = harness.store.create_issue(harness.repo, title, "Filed by hand.")
    return found if isinstance(found, int) else found.number


def issue_url(harness: SyncHarness, number: int, repo: str | None = None) -> str:
    path = "issues" if harness.kind == "github" else "-/issues"
    return f"{harness.sandbox.url}/{repo or harness.repo}/{path}/{number}"


class Linked:
    """A plan whose tasks link existing issues, one per form and shape: three checkboxes
    (`GH-N` or `#N`, `ref:GH#N` / `ref:GL#N`, a URL), a table row's issue cell and a heading
    task (URLs); and two that link nothing: a URL in a code span, another repository's."""

    def __init__(self, harness: SyncHarness) -> None:
        self.harness = harness
        mine = "GH" if harness.kind == "github" else "GL"
        self.numbers = [
            existing(harness, title)
            for title in ("Sketch", "Wire", "Docs", "Cache", "Quoted", "Upstream", "Index")
        ]
        one, two, three, four, five, six, seven = self.numbers
        # GitHub's `GH-N` has no GitLab twin: on GitLab the first line links by `#N`.
        short = f"GH-{one}" if harness.kind == "github" else f"#{one}"
        self.lines = [
            f"- [ ] Sketch the schema {short}",
            f"- [ ] Wire the endpoint ref:{mine}#{two}",
            f"- [ ] Publish the docs {issue_url(harness, three)}",
            f"- [ ] Quote the link `{issue_url(harness, five)}` in the docs",
            f"- [ ] Read the upstream notes {issue_url(harness, six, 'other/elsewhere')}",
        ]
        self.row = f"| Tune the cache | {issue_url(harness, four)} |"
        self.heading = f"### Task 7: Tune the index {issue_url(harness, seven)}"
        text = "\n".join(
            [
                "# Launch",
                "",
                "## Phase 1: Build",
                "",
                *self.lines,
                "",
                "| Task | Issue |",
                "|------|-------|",
                self.row,
                "",
                self.heading,
                "",
                "- Owner: @ana",
                "",
            ]
        )
        self.data = text.encode()
        harness.write_plan(PLAN, self.data)


class TestLinkForms:
    def test_each_form_links_its_issue_with_no_create_and_no_byte_changed(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({}, summary_toml=SUMMARY)
        plan = Linked(harness)
        one, two, three, four, five, six, seven = plan.numbers

        result = harness.sync()

        assert result.ok, [r.detail for r in result.failed]
        linked = {a.number: a.why for a in result.actions if isinstance(a, LinkIssue)}
        assert set(linked) == {one, two, three, four, seven}
        mine = "GH" if harness.kind == "github" else "GL"
        assert linked[two] == f"the plan references #{two} (as ref:{mine}#{two})"
        assert linked[three].endswith(f"(as {issue_url(harness, three)})")
        creates = [a for a in result.actions if isinstance(a, CreateIssue)]
        # Only the quoted link's task and the other repository's get issues of their own.
        assert [a.tracker_title.split(" `")[0].split(" http")[0] for a in creates] == [
            "Quote the link",
            "Read the upstream notes",
        ]
        assert len(harness.issues()) == 7 + 2
        marked = harness.issues_by_task()
        for number in (one, two, three, four, seven):
            assert len([n for found in marked.values() for n in found if n == number]) == 1
        assert five not in [n for found in marked.values() for n in found]
        assert six not in [n for found in marked.values() for n in found]
        written = harness.plan(PLAN).decode().splitlines()
        # The linked lines keep every byte: no `(#N)` is added beside the link they carry.
        for line in (*plan.lines[:3], plan.row, plan.heading):
            assert line in written
        # The two tasks that got new issues get their reference written.
        quoted, upstream = [harness.number(PLAN, c.task.key) for c in creates]
        assert f"{plan.lines[3]} (#{quoted})" in written
        assert f"{plan.lines[4]} (#{upstream})" in written
        assert "**Coverage:** 7 / 7 tasks linked to an issue." in "\n".join(written)

    def test_a_second_run_changes_nothing(self, make_harness: MakeHarness) -> None:
        harness = make_harness({})
        Linked(harness)
        assert harness.sync().ok
        data = harness.plan(PLAN)

        again = harness.sync()

        assert again.actions == []
        assert harness.plan(PLAN) == data
        assert len(harness.issues()) == 9

    def test_ticks_and_retitles_still_reach_the_linked_issues(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({})
        plan = Linked(harness)
        two, three, four = plan.numbers[1:4]
        assert harness.sync().ok

        harness.edit_plan(PLAN, b"- [ ] Wire the endpoint", b"- [x] Wire the endpoint")
        harness.edit_plan(PLAN, b"Publish the docs", b"Publish the user docs")
        harness.edit_plan(PLAN, b"| Tune the cache |", b"| Tune the query cache |")
        result = harness.sync()

        assert result.ok, [r.detail for r in result.failed]
        assert not [a for a in result.actions if isinstance(a, CreateIssue)]
        assert harness.issue(two).state == "closed"
        assert harness.issue(three).title.startswith("Publish the user docs")
        assert harness.issue(four).title == "Tune the query cache"
        assert len(harness.issues()) == 9
        text = harness.plan(PLAN).decode()
        assert f"(#{three})" not in text
        assert f"(#{four})" not in text

    def test_a_close_on_the_tracker_ticks_the_line_and_nothing_else(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({})
        plan = Linked(harness)
        one = plan.numbers[0]
        assert harness.sync().ok
        before = harness.plan(PLAN)

        harness.store.close_issue(harness.repo, one)
        assert harness.sync().ok

        after = harness.plan(PLAN)
        assert after == before.replace(
            plan.lines[0].encode(), plan.lines[0].replace("[ ]", "[x]", 1).encode()
        )


class TestFormsOfTheOtherTracker:
    def test_they_link_nothing_and_the_task_gets_its_own_issue(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({})
        number = existing(harness, "Elsewhere")
        other = "GL" if harness.kind == "github" else "GH"
        lines = [f"- [ ] Move the store ref:{other}#{number}"]
        if harness.kind == "gitlab":
            lines.append(f"- [ ] Port the client GH-{number}")
        harness.write_plan(PLAN, ("# Launch\n\n" + "\n".join(lines) + "\n").encode())

        result = harness.sync()

        assert result.ok
        assert not [a for a in result.actions if isinstance(a, LinkIssue)]
        assert len(harness.issues()) == 1 + len(lines)
        written = harness.plan(PLAN).decode()
        for line in lines:
            assert f"{line} (#" in written


class TestALinkToAMissingIssue:
    def test_creates_nothing_and_the_run_names_the_form(self, make_harness: MakeHarness) -> None:
        harness = make_harness({})
        mine = "GH" if harness.kind == "github" else "GL"
        line = f"- [ ] Wire the endpoint ref:{mine}#99 {issue_url(harness, 98)}"
        data = f"# Launch\n\n{line}\n".encode()
        harness.write_plan(PLAN, data)

        result = harness.sync()

        assert harness.issues() == []
        assert harness.plan(PLAN) == data
        messages = " ".join(n.message for n in result.notices)
        assert f"ref:{mine}#99" in messages
        assert issue_url(harness, 98) in messages

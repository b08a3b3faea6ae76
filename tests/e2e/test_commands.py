"""`/plan` commands typed in issue comments, end to end against the sandbox's GitHub and GitLab:
the planfile's bytes (only the task's line changes; encoding and line endings kept) and the
issue after the same run; refusals; each comment answered once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from harness import SyncHarness

from builders import changed_line_pairs
from plansync.commands.authorise import REPLY_MARKER, forget_permissions
from plansync.errors import PermissionDeniedError
from plansync.model.changeset import Status
from plansync.model.remote import Permission

MakeHarness = Callable[..., SyncHarness]

NAME = "plan.md"
PLAN = (
    "# Demo plan\r\n"
    "\r\n"
    "## Phase 1: Foundations\r\n"
    "\r\n"
    "- [ ] Write the parser \u2192 reader\r\n"
    "- [ ] Write the editor (2h)\r\n"
    "\r\n"
    "## Phase 2: Delivery\r\n"
    "\r\n"
    "| ID | Task | Estimate | Status |\r\n"
    "|----|------|----------|--------|\r\n"
    "| T1 | Ship the CLI | 90min | Todo |\r\n"
    "\r\n"
    "- REL-1: Publish the release notes\r\n"
).encode()
PARSER = "phase-1-foundations/write-the-parser-reader"
EDITOR = "phase-1-foundations/write-the-editor"
ALICE = "alice"


@pytest.fixture(autouse=True)
def _fresh_permissions() -> None:
    forget_permissions()


def _synced(make_harness: MakeHarness) -> SyncHarness:
    harness = make_harness({NAME: PLAN})
    assert harness.sync().ok
    harness.store.set_permission(harness.repo, ALICE, "write")
    return harness


def _only(harness: SyncHarness, before: bytes, *changes: tuple[bytes, bytes]) -> None:
    """The planfile is `before` with each (old, new) fragment replaced, and nothing else."""
    expected = before
    for old, new in changes:
        assert expected.count(old) == 1, old
        expected = expected.replace(old, new)
    after = harness.plan(NAME)
    assert after.decode() == expected.decode()
    assert len(changed_line_pairs(before, after)) == len(changes)


def _comment(harness: SyncHarness, number: int, body: str, user: str = ALICE) -> int:
    return harness.store.add_comment(harness.repo, number, body, user=user)


def _replies(harness: SyncHarness, number: int) -> list[str]:
    return [c.body for c in harness.store.comments(harness.repo, number) if REPLY_MARKER in c.body]


def _reactions(harness: SyncHarness, comment_id: int) -> list[str]:
    return sorted(r.content for r in harness.store.comment(harness.repo, comment_id).reactions)


def _key_of(harness: SyncHarness, title: str) -> int:
    [issue] = [i for i in harness.issues() if title in i.title]
    return int(issue.number)


class TestEachVerbInTheSameRun:
    def test_done_ticks_the_checkbox_and_closes_the_issue(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, "Finished it.\n\n/plan done\n")

        before = harness.plan(NAME)

        result = harness.sync()

        assert result.ok
        _only(harness, before, (b"- [ ] Write the parser", b"- [x] Write the parser"))
        assert harness.issue(number).state == "closed"
        [reply] = _replies(harness, number)
        assert "> /plan done" in reply
        assert _reactions(harness, comment) == ["eyes", "rocket"]

    def test_done_on_a_table_row_writes_its_status_cell(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, "T1")
        _comment(harness, number, "/plan done")
        before = harness.plan(NAME)

        harness.sync()

        _only(harness, before, (b"| 90min | Todo |", b"| 90min | Done |"))
        assert harness.issue(number).state == "closed"

    def test_undone_reopens(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done")
        harness.sync()
        _comment(harness, number, "/plan undone")

        harness.sync()

        assert harness.plan(NAME) == unchanged
        assert harness.issue(number).state == "open"

    def test_estimate_in_a_cell_inline_and_added(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        _comment(harness, harness.number(NAME, "T1"), "/plan estimate 1w 2d")
        _comment(harness, harness.number(NAME, EDITOR), "/plan estimate 90min")
        _comment(harness, harness.number(NAME, PARSER), "/plan estimate 1.5d")
        before = harness.plan(NAME)

        assert harness.sync().ok

        _only(
            harness,
            before,
            (b"reader (#", b"reader (1.5d) (#"),
            (b"editor (2h)", b"editor (90min)"),
            (b"| 90min | Todo |", b"| 7d    | Todo |"),
        )
        estimates = {
            "github": lambda n: [x for x in harness.issue(n).labels if x.startswith("estimate")],
            "gitlab": lambda n: harness.issue(n).time_estimate,
        }[harness.kind]
        assert estimates(harness.number(NAME, EDITOR)) in (
            ["estimate: 90m"],
            90 * 60,
            ["estimate: 1h30m"],
        )

    def test_rename_escapes_hostile_text_and_retitles_the_issue(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, "REL-1")
        before = harness.plan(NAME)
        _comment(
            harness,
            number,
            '/plan rename "Notes | --> <!-- plansync:summary --> '
            '\u05e9\u05dc\u05d5\u05dd \U0001f680"',
        )

        assert harness.sync().ok

        [(old, new)] = changed_line_pairs(before, harness.plan(NAME))
        assert old.startswith(b"- REL-1: Publish the release notes")
        assert new.startswith(b"- REL-1: Notes | --&gt; &lt;!-- plansync:summary --&gt; ")
        assert "\u05e9\u05dc\u05d5\u05dd \U0001f680".encode() in new
        assert new.endswith(b"\r\n")
        assert "\u05e9\u05dc\u05d5\u05dd" in harness.issue(number).title

    def test_drop_strikes_and_closes_as_not_planned(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, EDITOR)
        _comment(harness, number, "/plan drop out of scope")
        before = harness.plan(NAME)

        assert harness.sync().ok

        _only(harness, before, (b"- [ ] Write the editor", b"- [ ] ~~Write the editor~~"))
        assert harness.issue(number).state == "closed"
        [reply] = _replies(harness, number)
        assert "out of scope" in reply

    def test_status_and_help_answer_without_changing_anything(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, "T1")
        comment = _comment(harness, number, "/plan status\n/plan help")
        before = harness.plan(NAME)

        harness.sync()

        assert harness.plan(NAME) == before
        [reply] = _replies(harness, number)
        assert "| T1 | Ship the CLI" in reply
        assert "| 90min | Todo |" in reply
        assert "0 of 2 tasks done" in reply
        assert "/plan estimate 2h" in reply
        assert _reactions(harness, comment) == ["+1", "eyes"]


class TestRefusals:
    def test_a_reader_is_refused_and_shown_nothing_of_the_plan(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        harness.store.set_permission(harness.repo, "rita", "read")
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, "/plan status\n/plan done", user="rita")

        harness.sync()

        assert harness.plan(NAME) == unchanged
        assert harness.issue(number).state == "open"
        [reply] = _replies(harness, number)
        assert "write permission" in reply
        assert "Write the parser" not in reply
        assert _reactions(harness, comment) == ["confused", "eyes"]

    def test_allow_list_lets_a_reader_command(self, make_harness: MakeHarness) -> None:
        harness = make_harness({NAME: PLAN}, project_toml="")
        harness.reconfigure(
            summary_toml='[projects.commands]\nallow = ["rita"]\n'
            "[projects.summary]\nenabled = false\nmilestones = false\n"
        )
        assert harness.sync().ok
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done", user="rita")

        harness.sync()

        assert harness.issue(number).state == "closed"

    def test_commands_turned_off_read_no_comments(self, make_harness: MakeHarness) -> None:
        harness = make_harness({NAME: PLAN})
        harness.reconfigure(
            summary_toml="[projects.commands]\nenabled = false\n"
            "[projects.summary]\nenabled = false\nmilestones = false\n"
        )
        assert harness.sync().ok
        harness.store.set_permission(harness.repo, ALICE, "write")
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, "/plan done")
        unchanged = harness.plan(NAME)
        harness.store.requests.clear()

        harness.sync()

        assert harness.plan(NAME) == unchanged
        assert _reactions(harness, comment) == []
        paths = [entry.path for entry in harness.store.requests.entries]
        assert not any("comments" in path or "notes" in path for path in paths)

    @pytest.mark.parametrize(
        ("body", "says"),
        [
            ("/plan frobnicate", "`frobnicate` is not a command"),
            ("/plan estimate soon", "`soon` is not a duration"),
            ("/plan estimate 3h-4h", "is not a duration"),
            (
                '/plan milestone "Week 9"',
                "No section of the plan is titled `Week 9`. The sections with tasks: "
                "`Phase 1: Foundations`, `Phase 2: Delivery`.",
            ),
        ],
    )
    def test_a_bad_command_gets_confused_and_what_to_type(
        self, make_harness: MakeHarness, body: str, says: str
    ) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, body)

        harness.sync()

        assert harness.plan(NAME) == unchanged
        [reply] = _replies(harness, number)
        assert says in reply
        assert f"> {body}" in reply
        assert _reactions(harness, comment) == ["confused", "eyes"]

    def test_an_issue_outside_the_plan_gets_help_only(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        stranger = harness.store.create_issue(harness.repo, "Someone's idea")
        _comment(harness, stranger, "/plan done\n/plan help")

        harness.sync()

        assert harness.plan(NAME) == unchanged
        [reply] = _replies(harness, stranger)
        assert "not a task of the plan" in reply
        assert "/plan rename" in reply

    @pytest.mark.parametrize(
        "body",
        [
            "```\n/plan done\n```",
            "    /plan done",
            "> /plan done",
            "<!--\n/plan done\n-->",
            "- /plan done",
        ],
    )
    def test_a_command_in_code_or_a_quote_is_ignored(
        self, make_harness: MakeHarness, body: str
    ) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, body)

        harness.sync()

        assert harness.plan(NAME) == unchanged
        assert _replies(harness, number) == []
        assert _reactions(harness, comment) == []

    def test_bots_and_plansyncs_own_replies_are_never_commands(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        harness.store.set_permission(harness.repo, "ci[bot]", "admin")
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done", user="ci[bot]")
        _comment(harness, number, f"{REPLY_MARKER}\n/plan done")  # as plansync itself

        harness.sync()

        assert harness.plan(NAME) == unchanged
        assert len(_replies(harness, number)) == 1  # the one it was given, none of its own


class TestOnce:
    def test_a_comment_is_run_once_and_an_edit_is_not_run(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, "/plan estimate 3h")
        harness.sync()
        first = harness.plan(NAME)
        harness.store.edit_comment(harness.repo, comment, "/plan estimate 5h")

        harness.sync()
        harness.sync()

        assert harness.plan(NAME) == first
        [reply] = _replies(harness, number)
        assert "An edit of this comment is not run again" in reply

    def test_comments_from_before_the_first_run_are_history(
        self, make_harness: MakeHarness
    ) -> None:
        harness = make_harness({NAME: PLAN})
        harness.store.set_permission(harness.repo, ALICE, "write")
        stranger = harness.store.create_issue(harness.repo, "Old issue")
        _comment(harness, stranger, "/plan help")

        harness.sync()
        harness.sync()

        assert _replies(harness, stranger) == []

    def test_a_quiet_run_after_commands_reads_comments_with_304s(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        _comment(harness, harness.number(NAME, PARSER), "/plan done")
        harness.sync()
        harness.sync()
        tracker = harness.tracker()

        result = harness.sync(tracker=tracker)

        assert result.ok
        assert tracker.stats.writes == 0
        if harness.kind == "github":
            assert tracker.stats.not_modified == tracker.stats.total


class TestDryRun:
    def test_shows_pending_commands_and_answers_nobody(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        unchanged = harness.plan(NAME)
        number = harness.number(NAME, PARSER)
        comment = _comment(harness, number, "/plan done")
        writes = harness.writes()

        result = harness.sync(dry_run=True)

        assert harness.writes() == writes
        assert harness.plan(NAME) == unchanged
        assert _reactions(harness, comment) == []
        assert any("/plan done -> applied" in n.message for n in result.notices)
        _, after = result.diffs[NAME]
        assert after.count(b"- [x] Write the parser") == 1
        assert any(r.status is Status.APPLIED for r in harness.sync().results)
        assert harness.issue(number).state == "closed"


FIELDS_PLAN = (
    b"# Fields\n"
    b"\n"
    b"## Phase 3: Later\n"
    b"\n"
    b"| ID | Task | Priority | Owner | Status |\n"
    b"|----|------|----------|-------|--------|\n"
    b"| T2 | Write the docs | HIGH | dev1 | Todo |\n"
    b"\n"
    b"- [ ] T3: Polish the site (low)\n"
    b"  - **Owner:** dev2\n"
    b"  - Depends on: T2\n"
    b"- [ ] T4: Tidy up\n"
)
PEOPLE = '[projects.people]\ndev1 = "alice"\ndev2 = "bob"\ndev3 = "carol"\n'


def _fields(make_harness: MakeHarness) -> tuple[SyncHarness, bytes]:
    harness = make_harness({NAME: FIELDS_PLAN}, project_toml=PEOPLE)
    for user in ("alice", "bob", "carol"):
        harness.store.set_permission(harness.repo, user, "write")
    assert harness.sync().ok
    return harness, harness.plan(NAME)


class TestFieldVerbs:
    def test_priority_in_a_cell_and_in_the_title_group(self, make_harness: MakeHarness) -> None:
        harness, before = _fields(make_harness)
        _comment(harness, harness.number(NAME, "T2"), "/plan priority low")
        _comment(harness, harness.number(NAME, "T3"), "/plan priority P1")
        _comment(harness, harness.number(NAME, "T4"), "/plan priority high")

        assert harness.sync().ok

        _only(
            harness,
            before,
            (b"| HIGH |", b"| LOW  |"),
            (b"Polish the site (low)", b"Polish the site (critical)"),
            (b"T4: Tidy up", b"T4: Tidy up (high)"),
        )
        labels = set(harness.issue(harness.number(NAME, "T4")).labels)
        assert "priority: high" in labels

    def test_assign_and_unassign_through_the_people_map(self, make_harness: MakeHarness) -> None:
        harness, before = _fields(make_harness)
        t2, t3 = harness.number(NAME, "T2"), harness.number(NAME, "T3")
        _comment(harness, t2, "/plan assign @carol")
        _comment(harness, t3, "/plan unassign @bob\n/plan assign @alice")

        assert harness.sync().ok

        _only(
            harness,
            before,
            (b"| dev1 |", b"| dev1, dev3 |"),
            (b"**Owner:** dev2", b"**Owner:** dev1"),
        )
        assert sorted(harness.issue(t2).assignees) == ["alice", "carol"]
        assert harness.issue(t3).assignees == ["alice"]

    def test_assign_someone_the_map_does_not_know_is_refused(
        self, make_harness: MakeHarness
    ) -> None:
        harness, before = _fields(make_harness)
        number = harness.number(NAME, "T2")
        _comment(harness, number, "/plan assign @mallory")

        harness.sync()

        assert harness.plan(NAME) == before
        [reply] = _replies(harness, number)
        assert "not in the project's people map" in reply

    def test_depends_and_nodepends_edit_the_depends_line(self, make_harness: MakeHarness) -> None:
        harness, before = _fields(make_harness)
        number = harness.number(NAME, "T3")
        _comment(harness, number, "/plan depends T4\n/plan nodepends T2\n/plan depends ZZ-9")

        harness.sync()

        _only(harness, before, (b"Depends on: T2\n", b"Depends on: T4\n"))
        [reply] = _replies(harness, number)
        assert "`ZZ-9` is no task ID" in reply
        t4 = harness.number(NAME, "T4")
        assert f"#{t4}" in harness.issue(number).body


class TestStructureVerbs:
    def test_move_takes_the_task_to_the_end_of_the_other_list(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, EDITOR)
        before = harness.plan(NAME)
        _comment(harness, number, '/plan milestone "Phase 2"')

        assert harness.sync().ok

        after = harness.plan(NAME)
        lines = before.split(b"\r\n")
        moved = next(line for line in lines if b"Write the editor" in line)
        release = next(line for line in lines if b"REL-1" in line)
        lines.remove(moved)
        at = lines.index(release)
        assert after == b"\r\n".join([*lines[: at + 1], moved, *lines[at + 1 :]])
        [phase_2] = [
            m for m in harness.store.milestones(harness.repo) if m.title.startswith("Phase 2")
        ]
        assert harness.issue(number).milestone == phase_2.number
        assert len(harness.issues()) == 4  # no new issue for the moved task

    def test_move_across_shapes_is_refused(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, "T1")
        before = harness.plan(NAME)
        _comment(harness, number, '/plan move "Phase 1: Foundations"')

        harness.sync()

        assert harness.plan(NAME) == before
        [reply] = _replies(harness, number)
        assert "move it by hand" in reply

    def test_add_writes_the_sections_shape_and_the_issue_follows(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        before = harness.plan(NAME)
        number = harness.number(NAME, PARSER)
        _comment(
            harness,
            number,
            '/plan add "Write the <b>linter</b> | fast" estimate 3h\n'
            '/plan add "Ship the installer" in "Phase 2" estimate 1d',
        )

        assert harness.sync().ok

        after = harness.plan(NAME)
        assert after.count(b"\r\n") == before.count(b"\r\n") + 2
        assert b"- [ ] Write the &lt;b>linter&lt;/b> | fast (3h)" in after
        assert b"- REL-2: Ship the installer (1d)" in after
        titles = [i.title for i in harness.issues()]
        assert "[REL-2] Ship the installer" in titles
        assert len(harness.issues()) == 6

    def test_add_to_a_table_writes_a_row_with_the_next_id(self, make_harness: MakeHarness) -> None:
        table = b"# Table\n\n## Work\n\n| ID | Task | Estimate | Status |\n|---|---|---|---|\n"
        harness = make_harness({NAME: table + b"| DOC-009 | Write | 2h | Todo |\n\nAfter.\n"})
        harness.store.set_permission(harness.repo, ALICE, "write")
        assert harness.sync().ok
        before = harness.plan(NAME)
        _comment(harness, harness.number(NAME, "DOC-009"), '/plan add "Proofread | it" estimate 1h')

        assert harness.sync().ok

        row = b"| DOC-010 | Proofread \\| it | 1h | Todo |\n"
        assert harness.plan(NAME).replace(b" (#2)", b"") == before.replace(
            b"\n\nAfter", b"\n" + row + b"\nAfter"
        )
        assert any(i.title == "[DOC-010] Proofread | it" for i in harness.issues())

    def test_track_adopts_an_issue_nobody_planned(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        stranger = harness.store.create_issue(harness.repo, "Fix the \u05e9 crash \U0001f41b")
        _comment(harness, stranger, '/plan track "Phase 1"')

        assert harness.sync().ok
        assert harness.sync().ok

        after = harness.plan(NAME)
        line = f"- [ ] Fix the \u05e9 crash \U0001f41b (#{stranger})".encode()
        assert after.count(line) == 1
        assert len(harness.issues()) == 5  # adopted, not duplicated
        assert harness.number(NAME, "phase-1-foundations/fix-the-crash") == stranger


class TestHostileComments:
    def test_ten_thousand_lines_with_a_command_at_the_end(self, make_harness: MakeHarness) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        noise = "".join(f"line {n} \u202e\u05e9 --> <!--\n" for n in range(10_000))
        _comment(harness, number, noise[:60_000] + "\n\n/plan done\n")

        assert harness.sync().ok

        assert b"- [x] Write the parser" in harness.plan(NAME)
        assert harness.issue(number).state == "closed"

    def test_a_thousand_commands_run_up_to_the_limit_the_reply_states(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, EDITOR)
        before = harness.plan(NAME)
        _comment(harness, number, "".join(f"/plan estimate {n % 9 + 3}h\n" for n in range(1000)))

        assert harness.sync().ok

        [reply] = _replies(harness, number)
        assert reply.count("> /plan estimate") == 20
        assert "Only the first 20 commands of a comment are run; the 980 after them were not" in (
            reply
        )
        # The twentieth (n = 19) set it last: 19 % 9 + 3 = 4h.
        _only(harness, before, (b"editor (2h)", b"editor (4h)"))

    def test_markers_and_comment_ends_in_arguments_stay_text(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        hostile = "--> <!-- /plansync:summary --> <!-- plansync:task=x#y -->"
        _comment(
            harness,
            number,
            f'/plan add "{hostile} \u202eevil \U0001f600"\n/plan estimate {hostile}\n'
            f"/plan {hostile}",
        )

        assert harness.sync().ok

        after = harness.plan(NAME)
        assert after.count(b"<!--") == 0
        assert after.count(b"-->") == 0
        [new] = [line for line in after.split(b"\r\n") if b"evil" in line]
        assert new.startswith(b"- [ ] --&gt; &lt;!-- /plansync:summary --&gt;")
        [reply] = _replies(harness, number)
        body = reply.split("\n", 1)[1]  # after plansync's own marker line
        assert "-->" not in body
        assert "<!--" not in body
        assert "is not a duration" in body


class TestTrackerFailures:
    def test_a_refused_reply_is_posted_by_the_next_run_and_the_command_runs_once(
        self, make_harness: MakeHarness, hook_writes: Callable[..., Any]
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done\n/plan estimate 3h")
        refused: list[str] = []

        def refuse_first_reply(n: int, name: str) -> None:
            if name == "post_comment" and not refused:
                refused.append(name)
                raise PermissionDeniedError("the issue is locked")

        result = harness.sync(tracker=hook_writes(harness.tracker(), before=refuse_first_reply))

        assert any("the issue is locked" in n.message for n in result.notices)
        assert harness.issue(number).state == "closed"  # the plan changed: the issue followed
        assert _replies(harness, number) == []
        after = harness.plan(NAME)

        harness.sync()
        harness.sync()

        assert harness.plan(NAME) == after
        [reply] = _replies(harness, number)
        assert "> /plan estimate 3h" in reply

    def test_an_unreadable_permission_leaves_the_comment_for_the_next_run(
        self, make_harness: MakeHarness
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done")
        tracker = harness.tracker()
        real = tracker.permission

        def unreadable(user: str) -> Permission:
            raise PermissionDeniedError("the token may not read collaborators")

        tracker.permission = unreadable  # type: ignore[method-assign]
        result = harness.sync(tracker=tracker)
        assert any("may not read collaborators" in n.message for n in result.notices)
        assert harness.issue(number).state == "open"
        tracker.permission = real  # type: ignore[method-assign]

        harness.sync()

        assert harness.issue(number).state == "closed"
        assert len(_replies(harness, number)) == 1

    def test_a_plan_saved_meanwhile_is_kept_and_the_command_runs_next_time(
        self, make_harness: MakeHarness, hook_writes: Callable[..., Any]
    ) -> None:
        harness = _synced(make_harness)
        number = harness.number(NAME, PARSER)
        _comment(harness, number, "/plan done")

        def someone_saves(n: int, name: str) -> None:
            if n == 1:  # the eyes: the plan was read, the command not yet written
                harness.write_plan(NAME, harness.plan(NAME) + b"\r\nA note someone added.\r\n")

        result = harness.sync(tracker=hook_writes(harness.tracker(), before=someone_saves))

        assert any("changed while commands ran" in n.message for n in result.notices)
        assert harness.plan(NAME).endswith(b"A note someone added.\r\n")
        assert harness.issue(number).state == "open"
        assert _replies(harness, number) == []

        harness.sync()

        after = harness.plan(NAME)
        assert b"- [x] Write the parser" in after
        assert after.endswith(b"A note someone added.\r\n")
        assert harness.issue(number).state == "closed"
        assert len(_replies(harness, number)) == 1

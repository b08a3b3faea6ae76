"""The handlers, pure: a command and the task it is about -> the change asked of the plan and
the words of the answer. Tables of cases, no tracker, no files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plansync.clock import FakeClock
from plansync.commands.authorise import (
    Authoriser,
    answered_comment,
    forget_permissions,
    is_bot,
    reply_marker,
)
from plansync.commands.dispatch import handle, handle_unmanaged
from plansync.commands.duration import DurationError, parse_duration
from plansync.commands.edits import apply_change
from plansync.commands.newtask import NewTask, ShapeError, new_task_line, next_id
from plansync.commands.outcome import ChangeKind, Verdict
from plansync.commands.parse import parse_commands
from plansync.commands.reply import reaction_for, reply_body
from plansync.commands.structure import PlanView
from plansync.commands.verbs import TaskContext
from plansync.model.plan import PlanDocument
from plansync.model.remote import Permission
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import split_text_lines
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules

PATH = Path("plan.md")
RULES = ReaderRules()
PLAN = (
    b"# Plan\n"
    b"\n"
    b"## Phase 1: Build\n"
    b"\n"
    b"| ID | Task | Estimate | Priority | Owner | Status |\n"
    b"|----|------|----------|----------|-------|--------|\n"
    b"| FIX-006 | Build it | 2h | High | ann | Todo |\n"
    b"\n"
    b"## Phase 2: Check\n"
    b"\n"
    b"- [ ] Check it (90min)\n"
    b"  - Depends on: FIX-006\n"
    b"- [x] Done already\n"
    b"\n"
    b"### Tasks\n"
    b"\n"
    b"Tasks:\n"
    b"1. First numbered\n"
    b"2. Second numbered\n"
)


def _document(raw: bytes = PLAN) -> PlanDocument:
    return parse_plan(raw, PATH, RULES)


def _lines(raw: bytes = PLAN) -> tuple[str, ...]:
    return tuple(line.rstrip("\r\n") for line in split_text_lines(decode_plan(raw, PATH).text))


def _context(title: str, raw: bytes = PLAN) -> TaskContext:
    document = _document(raw)
    [task] = [t for t in document.tasks if t.title == title]
    return TaskContext(
        "plan.md",
        task,
        _lines(raw),
        people={"ann": "alice", "bo": "bob"},
        task_ids=frozenset(t.id for t in document.tasks if t.id),
        document=document,
    )


def _run(text: str, title: str, raw: bytes = PLAN) -> tuple[Verdict, str, bytes]:
    [command] = parse_commands(text).commands
    outcome = handle(command, _context(title, raw))
    data = raw
    if outcome.change is not None:
        data = apply_change(raw, PATH, RULES, outcome.change)
    return outcome.verdict, outcome.message, data


def _changed(before: bytes, after: bytes) -> list[tuple[str, str]]:
    old, new = before.decode().split("\n"), after.decode().split("\n")
    if len(old) != len(new):
        return [("lines", f"{len(old)} -> {len(new)}")]
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


class TestTaskVerbs:
    @pytest.mark.parametrize(
        ("text", "title", "old", "new"),
        [
            ("/plan done", "Build it", "| 2h | High | ann | Todo |", "| 2h | High | ann | Done |"),
            ("/plan done", "Check it", "- [ ] Check it (90min)", "- [x] Check it (90min)"),
            ("/plan undone", "Done already", "- [x] Done already", "- [ ] Done already"),
            ("/plan drop", "Check it", "- [ ] Check it (90min)", "- [ ] ~~Check it~~ (90min)"),
            ("/plan estimate 3h", "Build it", "| 2h ", "| 3h "),
            ("/plan estimate 1w 2d", "Check it", "(90min)", "(7d)"),
            ("/plan estimate clear", "Check it", "Check it (90min)", "Check it"),
            ("/plan priority low", "Build it", "| High |", "| Low  |"),
            ("/plan priority p0", "Check it", "it (90min)", "it (blocker) (90min)"),
            ("/plan assign @bob", "Build it", "| ann |", "| ann, bo |"),
            ("/plan unassign @alice", "Build it", "| ann |", "|     |"),
            ("/plan nodepends FIX-006", "Check it", "Depends on: FIX-006", "Depends on: none"),
            ('/plan rename "Check it all"', "Check it", "Check it (90min)", "Check it all (90min)"),
        ],
    )
    def test_each_verb_changes_only_its_tasks_line(
        self, text: str, title: str, old: str, new: str
    ) -> None:
        verdict, _, after = _run(text, title)
        assert verdict is Verdict.APPLIED
        [(before_line, after_line)] = _changed(PLAN, after)
        assert old in before_line
        assert before_line.replace(old, new) == after_line

    @pytest.mark.parametrize(
        ("text", "title", "says"),
        [
            ("/plan done", "Done already", "Already done"),
            ("/plan undone", "Check it", "Already open"),
            ("/plan estimate 90min", "Check it", "already `90min`"),
            ("/plan priority high", "Build it", "already `high`"),
            ("/plan assign @alice", "Build it", "already the owner"),
            ("/plan depends FIX-006", "Check it", "already depends"),
            ('/plan move "Phase 1: Build"', "Build it", "already in"),
            ("/plan rename Build it", "Build it", "already has that title"),
        ],
    )
    def test_a_command_the_plan_already_reflects_changes_nothing(
        self, text: str, title: str, says: str
    ) -> None:
        verdict, message, after = _run(text, title)
        assert verdict is Verdict.APPLIED
        assert says in message
        assert after == PLAN

    @pytest.mark.parametrize(
        ("text", "title", "says"),
        [
            ("/plan done now", "Build it", "takes no arguments"),
            ("/plan done", "First numbered", "no checkbox or status cell"),
            ("/plan estimate", "Build it", "Say how long"),
            ("/plan estimate 2 hours later", "Build it", "is not a duration"),
            ("/plan estimate 0h", "Build it", "more than zero"),
            ("/plan estimate 1000w", "Build it", "over a hundred weeks"),
            ("/plan estimate 1-2h", "Build it", "is not a duration"),
            ("/plan priority urgent", "Build it", "Say one priority"),
            ("/plan assign @mallory", "Build it", "not in the project's people map"),
            ("/plan assign", "Build it", "Name one person"),
            ("/plan depends NOPE-1", "Check it", "is no task ID"),
            ('/plan move "Nowhere"', "Check it", "No section of the plan is titled `Nowhere`"),
            ('/plan move "Phase 1"', "Check it", "a list item and a table row do not mix"),
            ("/plan rename", "Check it", "Say the new title"),
            ("/plan frob", "Check it", "`frob` is not a command"),
            ("/plan", "Check it", "A verb is missing"),
            ('/plan add "x" in "Nowhere"', "Check it", "No section"),
            ('/plan add "x" estimate soon', "Check it", "is not a duration"),
            ("/plan add", "Check it", "the title is missing"),
        ],
    )
    def test_refusals_say_what_to_type(self, text: str, title: str, says: str) -> None:
        verdict, message, after = _run(text, title)
        assert verdict is Verdict.REFUSED
        assert says in message
        assert after == PLAN

    def test_move_and_add_keep_every_line_and_its_ending(self) -> None:
        raw = PLAN.replace(b"\n", b"\r\n")
        _, _, moved = _run('/plan move "Tasks"', "Check it", raw)
        assert sorted(moved.split(b"\r\n")) == sorted(raw.split(b"\r\n"))
        assert moved.endswith(
            b"2. Second numbered\r\n- [ ] Check it (90min)\r\n  - Depends on: FIX-006\r\n"
        )
        _, _, added = _run('/plan add "Third | one" in "Tasks" estimate 2h', "Check it", raw)
        assert added == raw + b"3. Third | one (2h)\r\n"

    def test_status_shows_the_line_fenced_and_the_milestone(self) -> None:
        raw = PLAN.replace(b"Check it (90min)", b"Check `~~~` it (90min)")
        verdict, message, _ = _run("/plan status", "Check ~~~ it", raw)
        assert verdict is Verdict.ANSWERED
        assert "~~~~\n- [ ] Check `~~~` it (90min)\n~~~~" in message
        assert "Milestone `Phase 2: Check`: 1 of 4 tasks done." in message


class TestUnmanagedIssues:
    def _views(self) -> list[PlanView]:
        return [PlanView("plan.md", _document(), _lines())]

    def test_only_help_and_track_work(self) -> None:
        [done, helped, tracked] = parse_commands("/plan done\n/plan help\n/plan track").commands
        assert handle_unmanaged(done, self._views(), 9, "x").verdict is Verdict.REFUSED
        assert handle_unmanaged(helped, self._views(), 9, "x").verdict is Verdict.ANSWERED
        outcome = handle_unmanaged(tracked, self._views(), 9, "Fix | it")
        assert outcome.change is not None
        assert outcome.change.kind is ChangeKind.ADD
        assert outcome.change.value == "3. Fix | it (#9)"

    def test_an_issue_the_plan_references_is_not_tracked_twice(self) -> None:
        raw = PLAN.replace(b"Done already", b"Done already (#9)")
        views = [PlanView("plan.md", _document(raw), _lines(raw))]
        [tracked] = parse_commands('/plan track "Phase 2"').commands
        outcome = handle_unmanaged(tracked, views, 9, "x")
        assert outcome.change is None
        assert "already has it" in outcome.message


class TestNewTaskShapes:
    @pytest.mark.parametrize(
        ("plan", "new", "line"),
        [
            ("- [ ] First\n", NewTask("Next"), "- [ ] Next"),
            ("* [x] First\n", NewTask("Next", "2h"), "* [ ] Next (2h)"),
            ("- [ ] **T9**: First\n", NewTask("Next"), "- [ ] **T10**: Next"),
            ("- FIX-009: First\n", NewTask("Next"), "- FIX-010: Next"),
            (
                "- FIX-009: First\n",
                NewTask("T1: Sneaky # <b>"),
                "- FIX-010: &#84;1: Sneaky # &lt;b>",
            ),
            ("Tasks:\n1. First\n", NewTask("- Next", reference="#4"), "2. \\- Next (#4)"),
            (
                "| ID | Task | Estimate | Status |\n|---|---|---|---|\n"
                "| AB-01 | First | 1h | Done |\n",
                NewTask("Next | one", "3h"),
                "| AB-02 | Next \\| one | 3h | Todo |",
            ),
        ],
    )
    def test_a_new_task_takes_the_lists_shape(self, plan: str, new: NewTask, line: str) -> None:
        raw = f"# P\n\n## Phase 1\n\n{plan}".encode()
        document = _document(raw)
        last = document.tasks[-1]
        assert new_task_line(document, _lines(raw)[last.line - 1], last, new) == line

    def test_next_id_counts_on_from_the_highest_of_the_series(self) -> None:
        raw = b"# P\n\n- FIX-002: a\n- FIX-010: b\n- OPS-099: c\n"
        assert next_id(_document(raw), "FIX-002") == "FIX-011"
        with pytest.raises(ShapeError):
            next_id(_document(raw), "maze-ph6.x")

    def test_a_day_item_list_takes_no_new_task(self) -> None:
        raw = b"# P\n\n## Week 1: Core\n\n- **Days 1-2**: Implement it\n"
        document = _document(raw)
        last = document.tasks[-1]
        with pytest.raises(ShapeError):
            new_task_line(document, _lines(raw)[last.line - 1], last, NewTask("x"))


class TestDurations:
    @pytest.mark.parametrize(
        ("words", "minutes", "text"),
        [
            (["2h"], 120, "2h"),
            (["90min"], 90, "90min"),
            (["1.5d"], 720, "1.5d"),
            (["1w", "2d"], 3360, "7d"),
            (["1h", "30m"], 90, "90min"),
            (["2h", "2h"], 240, "4h"),
        ],
    )
    def test_durations(self, words: list[str], minutes: int, text: str) -> None:
        assert parse_duration(words) == (minutes, text)

    def test_clear(self) -> None:
        assert parse_duration(["clear"]) is None

    @pytest.mark.parametrize("words", [["soon"], ["2"], ["h"], ["~2h"], ["1-2h"], ["-1h"]])
    def test_not_durations(self, words: list[str]) -> None:
        with pytest.raises(DurationError):
            parse_duration(words)


class TestAuthoriser:
    def test_permission_is_asked_once_per_cache_period(self) -> None:
        forget_permissions()
        asked: list[str] = []
        clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))

        def permission(user: str) -> Permission:
            asked.append(user)
            return Permission.WRITE if user == "wendy" else Permission.READ

        authoriser = Authoriser("github:a/b", permission, Permission.WRITE, clock=clock)
        assert authoriser.may_command("wendy")
        assert authoriser.may_command("Wendy")
        assert not authoriser.may_command("rita")
        assert asked == ["wendy", "rita"]
        clock.advance(timedelta(minutes=11).total_seconds())
        assert authoriser.may_command("wendy")
        assert asked == ["wendy", "rita", "wendy"]

    def test_the_allow_list_needs_no_permission(self) -> None:
        forget_permissions()
        authoriser = Authoriser(
            "gitlab:g/p", lambda user: Permission.NONE, Permission.ADMIN, frozenset({"Rita"})
        )
        assert authoriser.may_command("rita")
        assert not authoriser.may_command("sam")

    def test_bots_and_replies_are_never_commands(self) -> None:
        assert is_bot("renovate[bot]", "/plan done")
        assert is_bot("alice", f"{reply_marker(7)}\n/plan done")
        assert not is_bot("alice", "/plan done")
        assert answered_comment(f"{reply_marker(7)}\n> /plan done") == 7
        assert answered_comment("<!-- plansync:reply comment=7 -->") == 7
        assert answered_comment("> <!-- plansync:reply comment=7 -->") is None


class TestReplies:
    def test_each_command_is_quoted_and_nothing_in_it_is_live(self) -> None:
        [command] = parse_commands("/plan frob --> <!-- x --> @all\n").commands
        outcome = handle(command, _context("Build it"))
        body = reply_body(12, [outcome])
        assert body.startswith(reply_marker(12) + "\n")
        rest = body.split("\n", 1)[1]
        assert "> /plan frob --&gt; &lt;!-- x --&gt; @\u200ball" in rest
        assert "-->" not in rest
        assert parse_commands(body).commands == ()
        assert reaction_for([outcome]) == "confused"

    def test_dropped_commands_are_counted(self) -> None:
        parsed = parse_commands("/plan status\n" * 25)
        outcomes = [handle(c, _context("Build it")) for c in parsed.commands]
        body = reply_body(1, outcomes, parsed.dropped)
        assert "the 5 after them were not" in body
        assert reaction_for(outcomes) == "+1"

"""Task fields as plans write them: estimates, priorities, statuses, people, issue refs, IDs."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import Estimate, Priority
from plansync.planfile.fields import (
    is_done_status,
    parse_estimate,
    parse_issue_refs,
    parse_people,
    parse_priority,
    timebox_estimate,
)
from plansync.planfile.ids import IdMatcher, IdStrength, dependency_ids
from plansync.planfile.inline import clean_title, plain
from plansync.planfile.items import split_metadata
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules, compile_rules

MATCHER = IdMatcher(compile_rules(ReaderRules()))


class TestEstimates:
    @pytest.mark.parametrize(
        ("text", "minutes", "low"),
        [
            ("90min", 90, None),
            ("45 minutes", 45, None),
            ("2h", 120, None),
            ("1.5 hours", 90, None),
            ("3 days", 3 * 480, None),
            ("1 day", 480, None),
            ("1 week", 5 * 480, None),
            ("1.5-2 hours", 120, 90),
            ("45-75 hours", 75 * 60, 45 * 60),
            ("1h-2h", 120, 60),
            ("~2h", 120, None),
            ("`4h`", 240, None),
            ("1h30m", 90, None),
            ("2,5h", 150, None),
        ],
    )
    def test_durations(self, text: str, minutes: int, low: int | None) -> None:
        assert parse_estimate(text) == Estimate(minutes=minutes, text=text, min_minutes=low)

    @pytest.mark.parametrize(
        "text", ["", "soon", "678ms", "2-3 hours of focused execution", "3-1 days", "35 tests"]
    )
    def test_non_estimates(self, text: str) -> None:
        assert parse_estimate(text) is None

    def test_time_boxes_count_their_days(self) -> None:
        assert timebox_estimate("Days 1-2") == Estimate(minutes=960, text="Days 1-2")
        assert timebox_estimate("Day 5") == Estimate(minutes=480, text="Day 5")
        assert timebox_estimate("Days 13–14") == Estimate(minutes=960, text="Days 13–14")
        assert timebox_estimate("Week 1") is None
        assert timebox_estimate("Days 4-2") is None


class TestPriorities:
    @pytest.mark.parametrize(
        ("text", "priority"),
        [
            ("🔥 CRITICAL", Priority.CRITICAL),
            ("CRITICAL", Priority.CRITICAL),
            ("P1", Priority.CRITICAL),
            ("P2", Priority.HIGH),
            ("P3", Priority.MEDIUM),
            ("P4", Priority.LOW),
            ("HIGH", Priority.HIGH),
            ("🔒 HIGH", Priority.HIGH),
            ("☁️ MED", Priority.MEDIUM),
            ("MEDIUM", Priority.MEDIUM),
            ("low", Priority.LOW),
            ("BLOCKER", Priority.BLOCKER),
            ("P2 HIGH IMPACT (4% → 64%)", Priority.HIGH),
        ],
    )
    def test_words(self, text: str, priority: Priority) -> None:
        assert parse_priority(text) is priority

    @pytest.mark.parametrize("text", ["", "🔥", "PROOF OF CONCEPT", "T1", "urgent-ish"])
    def test_non_priorities(self, text: str) -> None:
        assert parse_priority(text) is None


class TestStatusAndPeople:
    @pytest.mark.parametrize("text", ["done", "Done", "DONE", "completed", "✅ Done", "[x]", "x"])
    def test_done(self, text: str) -> None:
        assert is_done_status(text)

    @pytest.mark.parametrize("text", ["", "todo", "in progress", "open", "blocked"])
    def test_not_done(self, text: str) -> None:
        assert not is_done_status(text)

    def test_user_names(self) -> None:
        assert parse_people("@alice, bob") == ("alice", "bob")
        assert parse_people("carol & dave") == ("carol", "dave")
        assert parse_people("alice, alice") == ("alice",)

    @pytest.mark.parametrize(
        "text", ["", "TBD", "Test Suite Specialist", "Can be done in parallel"]
    )
    def test_no_one_a_tracker_could_assign(self, text: str) -> None:
        assert parse_people(text) == ()


class TestIssueRefs:
    def test_short_references(self) -> None:
        refs = parse_issue_refs("#61, #66")
        assert [(r.number, r.text, r.repo) for r in refs] == [(61, "#61", None), (66, "#66", None)]

    def test_a_range_stands_for_every_number_in_it(self) -> None:
        assert [r.number for r in parse_issue_refs("#37, #40, #42-45")] == [37, 40, 42, 43, 44, 45]

    def test_other_repositories_and_urls(self) -> None:
        refs = parse_issue_refs(
            "group/sub/project#12 and https://github.com/octo/repo/issues/7 and "
            "https://gitlab.example.com/team/app/-/issues/9"
        )
        assert [(r.number, r.repo) for r in refs] == [
            (12, "group/sub/project"),
            (7, "octo/repo"),
            (9, "team/app"),
        ]
        assert refs[1].url == "https://github.com/octo/repo/issues/7"
        assert refs[0].text == "group/sub/project#12"

    @pytest.mark.parametrize("text", ["Internal", "Multiple", "C#", "&#39;", "", "issue 12"])
    def test_words_are_no_references(self, text: str) -> None:
        assert parse_issue_refs(text) == ()


class TestIds:
    @pytest.mark.parametrize(
        ("text", "found", "strength"),
        [
            ("FIX-006 implementation", "FIX-006", IdStrength.STRONG),
            ("see PERSIST-004/005", "PERSIST-004", IdStrength.STRONG),
            ("`maze-ph6.1.1` - Config", "maze-ph6.1.1", IdStrength.DOTTED),
            ("app-1.2 - Invite", "app-1.2", IdStrength.DOTTED),
            ("bd-a1b2", "bd-a1b2", IdStrength.DOTTED),
        ],
    )
    def test_found_in_text(self, text: str, found: str, strength: IdStrength) -> None:
        (match,) = MATCHER.find(plain(text))
        assert (match.id, match.strength) == (found, strength)

    @pytest.mark.parametrize(
        "text",
        [
            "UTF-8",
            "SHA-256",
            "CVE-2024-1234",
            "T12 in prose",
            "end-to-end",
            "utf-8",
            "maze-ph6.1.x",
        ],
    )
    def test_not_ids_in_text(self, text: str) -> None:
        assert MATCHER.find(text) == []

    def test_generic_ids_only_as_a_whole_cell_or_a_lead(self) -> None:
        whole = MATCHER.whole("T12")
        assert whole is not None
        assert whole.strength is IdStrength.GENERIC
        assert MATCHER.whole("P1") is None  # a priority
        lead = MATCHER.leading("T3: Write the parser")
        assert lead is not None
        assert lead.id == "T3"
        assert MATCHER.leading("T3 words") is None

    def test_extra_patterns_are_whole_tokens(self) -> None:
        matcher = IdMatcher(compile_rules(ReaderRules(extra_id_patterns=(r"WEB\d+",))))
        assert [m.id for m in matcher.find("WEB12 and XWEB3 and WEB4x")] == ["WEB12"]

    def test_dependencies_keep_wildcards_as_written(self) -> None:
        text = "Pipeline (maze-ph6.3.x), Config (maze-ph6.1.x), T4 and SEC-001"
        assert dependency_ids(MATCHER, text) == ("maze-ph6.3.x", "maze-ph6.1.x", "T4", "SEC-001")


class TestTitles:
    @pytest.mark.parametrize(
        ("text", "title"),
        [
            ("**🔥 Replace Mock Infrastructure**", "Replace Mock Infrastructure"),
            ("Implement `execute_until()`", "Implement execute_until()"),
            ("Keep `__init__` and snake_case_names", "Keep __init__ and snake_case_names"),
            ("[Docs](https://x.y/z) *now* <!-- plansync: ignore -->", "Docs now"),
            ("🏗️ File Organization & Cleanup", "File Organization & Cleanup"),
            ("Fix Regression (678ms → <500ms) ⚡", "Fix Regression (678ms → <500ms)"),
        ],
    )
    def test_markdown_and_decoration_are_dropped(self, text: str, title: str) -> None:
        assert clean_title(text) == title


class TestIssueRefsInOnePass:
    def test_a_long_hyphen_run_is_read_in_one_pass(self) -> None:
        # `ABC-1-1-1...`: a pattern rescanning the run from every start would take seconds.
        text = "- [ ] ABC" + "-1" * 20_000
        assert parse_issue_refs(text) == ()
        assert [r.text for r in parse_issue_refs(text + " #5 a-1-1/b#6")] == ["#5", "a-1-1/b#6"]

    @pytest.mark.parametrize(
        ("text", "found"),
        [
            ("#1-a/b#2", ["a/b#2"]),
            ("x#1-#2", ["#2"]),
            ("a//b-c/d#1", ["c/d#1"]),
            ("https://g.com/o/r/issues/5#3-#3", ["https://g.com/o/r/issues/5"]),
        ],
    )
    def test_references_glued_to_other_text(self, text: str, found: list[str]) -> None:
        assert [r.text for r in parse_issue_refs(text)] == found


class TestHostileLinesParse:
    def test_a_long_hyphen_run_in_a_task(self) -> None:
        raw = ("- [ ] ABC" + "-1" * 20_000 + "\n").encode()
        (task,) = parse_plan(raw, Path("plan.md")).tasks
        assert task.title.startswith("ABC-1-1")
        assert task.issue_refs == ()


class TestTrailingMetadata:
    @pytest.mark.parametrize(
        ("text", "title", "minutes", "priority"),
        [
            ("Load test (2h) (#12)", "Load test", 120, None),
            ("Ship (P1) ✅ (#5)", "Ship", None, Priority.CRITICAL),
            ("Ship (P1, 2h) (1h)", "Ship", 120, Priority.CRITICAL),
            ("Fix logout (see #14-15) (#16)", "Fix logout (see #14-15)", None, None),
            ("(#5)", "", None, None),
        ],
    )
    def test_every_trailing_group_of_metadata_is_read(
        self, text: str, title: str, minutes: int | None, priority: Priority | None
    ) -> None:
        found, estimate, found_priority = split_metadata(text)
        assert found == title
        assert (estimate.minutes if estimate else None, found_priority) == (minutes, priority)

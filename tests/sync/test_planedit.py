"""Planfile edits by task key: each edit touches its task's line only, failures are reported,
and the file is replaced only if nobody changed it in the meantime."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from builders import changed_line_numbers
from plansync.model.changeset import EditPlan, PlanEditKind
from plansync.model.plan import PlanDocument, Task
from plansync.model.sync import TaskRef
from plansync.planfile.decode import as_stored, decode_plan
from plansync.planfile.lines import split_lines, strip_bom
from plansync.planfile.parse import parse_plan
from plansync.planfile.rules import ReaderRules
from plansync.sync.planedit import EditOutcome, apply_edits, write_if_unchanged

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PATH = Path("plans/p.md")
RULES = ReaderRules()

PLAN = (
    "# Plan\n"
    "\n"
    "## Phase 1: Build\n"
    "\n"
    "- [ ] Write the spec  \n"
    "- [x] FIX-1: Set up CI\n"
    "- FIX-2: Plain id item\n"
    "- **Tasks:**\n"
    "  1. Export the tickets\n"
    "\n"
    "| ID | Task           | Status | Issue |\n"
    "|----|----------------|--------|-------|\n"
    "| T1 | Write the docs | todo   |       |\n"
    "| T2 | Ship it        | Done   | #61   |\n"
    "\n"
    "| ID | Task      |\n"
    "|----|-----------|\n"
    "| T3 | No status |\n"
    "\n"
    "## Notes\n"
    "\n"
    "Trailing text with tabs\t and \u2705 emoji.\n"
).encode()

SPEC = "phase-1-build/write-the-spec"
EXPORT = "phase-1-build/export-the-tickets"


def edit(key: str, kind: PlanEditKind, value: str = "", old: str = "") -> EditPlan:
    return EditPlan(TaskRef(PATH.as_posix(), key), kind, why="test", value=value, old=old)


def run(raw: bytes, *edits: EditPlan) -> EditOutcome:
    return apply_edits(raw, PATH, RULES, edits)


def line(raw: bytes, number: int) -> bytes:
    return split_lines(strip_bom(raw)[1])[number - 1]


def read(raw: bytes) -> PlanDocument:
    return parse_plan(raw, PATH, RULES)


def task_at(raw: bytes, number: int, path: Path = PATH) -> Task:
    """The task on line `number` (a retitle changes the key of a task without an ID)."""
    return next(t for t in parse_plan(raw, path, RULES).tasks if t.line == number)


class TestTickAndUntick:
    def test_checkbox_item(self) -> None:
        outcome = run(PLAN, edit(SPEC, PlanEditKind.TICK), edit("FIX-1", PlanEditKind.UNTICK))
        assert changed_line_numbers(PLAN, outcome.data) == [5, 6]
        assert line(outcome.data, 5) == b"- [x] Write the spec  \n"
        assert line(outcome.data, 6) == b"- [ ] FIX-1: Set up CI\n"
        assert len(outcome.applied) == 2
        assert outcome.failed == ()
        assert read(outcome.data).task(SPEC).done
        assert not read(outcome.data).task("FIX-1").done

    def test_table_row_with_a_status_column(self) -> None:
        outcome = run(PLAN, edit("T1", PlanEditKind.TICK), edit("T2", PlanEditKind.UNTICK))
        assert changed_line_numbers(PLAN, outcome.data) == [13, 14]
        assert line(outcome.data, 13) == b"| T1 | Write the docs | Done   |       |\n"
        assert line(outcome.data, 14) == b"| T2 | Ship it        | Todo   | #61   |\n"
        assert outcome.failed == ()

    def test_ticking_a_done_task_is_applied_without_a_change(self) -> None:
        outcome = run(PLAN, edit("FIX-1", PlanEditKind.TICK), edit("T2", PlanEditKind.TICK))
        assert outcome.data == PLAN
        assert len(outcome.applied) == 2

    @pytest.mark.parametrize(
        ("key", "reason"),
        [
            ("T3", "table has no status column"),
            ("FIX-2", "id-item without a checkbox"),
            (EXPORT, "numbered-item without a checkbox"),
        ],
    )
    @pytest.mark.parametrize("kind", [PlanEditKind.TICK, PlanEditKind.UNTICK])
    def test_task_that_cannot_show_done_ness_fails(
        self, key: str, reason: str, kind: PlanEditKind
    ) -> None:
        wanted = edit(key, kind)
        outcome = run(PLAN, wanted)
        assert outcome.data == PLAN
        assert outcome.applied == ()
        assert len(outcome.failed) == 1
        failed, message = outcome.failed[0]
        assert failed == wanted
        assert reason in message
        assert message.startswith(f"{PATH}:{read(PLAN).task(key).line}: ")
        assert "\n" not in message


class TestLink:
    @pytest.mark.parametrize(
        ("key", "number", "linked"),
        [
            (SPEC, 5, b"- [ ] Write the spec (#12)  \n"),
            ("FIX-1", 6, b"- [x] FIX-1: Set up CI (#12)\n"),
            ("FIX-2", 7, b"- FIX-2: Plain id item (#12)\n"),
            (EXPORT, 9, b"  1. Export the tickets (#12)\n"),
            ("T1", 13, b"| T1 | Write the docs | todo   | #12   |\n"),
            ("T2", 14, b"| T2 | Ship it        | Done   | #61, #12 |\n"),
            ("T3", 18, b"| T3 | No status (#12) |\n"),
        ],
    )
    def test_each_shape_gets_the_reference_on_its_line(
        self, key: str, number: int, linked: bytes
    ) -> None:
        outcome = run(PLAN, edit(key, PlanEditKind.LINK, "#12"))
        assert outcome.failed == ()
        assert changed_line_numbers(PLAN, outcome.data) == [number]
        assert line(outcome.data, number) == linked
        assert [ref.number for ref in read(outcome.data).task(key).issue_refs][-1] == 12

    def test_empty_reference_fails_with_the_editors_reason(self) -> None:
        outcome = run(PLAN, edit(SPEC, PlanEditKind.LINK, " "))
        assert outcome.data == PLAN
        assert "empty" in outcome.failed[0][1]


class TestRetitle:
    @pytest.mark.parametrize(
        ("key", "old", "number", "retitled"),
        [
            (SPEC, "Write the spec", 5, b"- [ ] Draft the spec  \n"),
            ("FIX-1", "Set up CI", 6, b"- [x] FIX-1: Draft the spec\n"),
            ("FIX-2", "Plain id item", 7, b"- FIX-2: Draft the spec\n"),
            ("T1", "Write the docs", 13, b"| T1 | Draft the spec | todo   |       |\n"),
            ("T3", "No status", 18, b"| T3 | Draft the spec |\n"),
        ],
    )
    def test_each_shape_gets_its_new_title(
        self, key: str, old: str, number: int, retitled: bytes
    ) -> None:
        outcome = run(PLAN, edit(key, PlanEditKind.RETITLE, "Draft the spec", old))
        assert outcome.failed == ()
        assert changed_line_numbers(PLAN, outcome.data) == [number]
        assert line(outcome.data, number) == retitled
        assert task_at(outcome.data, number).title == "Draft the spec"

    def test_title_not_on_its_line_fails_and_changes_nothing(self) -> None:
        outcome = run(PLAN, edit("FIX-1", PlanEditKind.RETITLE, "New", "Set up CD"))
        assert outcome.data == PLAN
        assert outcome.applied == ()
        assert "does not contain the task title 'Set up CD'" in outcome.failed[0][1]

    def test_tracker_text_is_escaped(self) -> None:
        outcome = run(PLAN, edit("T1", PlanEditKind.RETITLE, "a | b <!-- x", "Write the docs"))
        assert line(outcome.data, 13) == b"| T1 | a \\| b &lt;!-- x | todo   |       |\n"
        assert read(outcome.data).task("T1").title == "a | b <!-- x"


class TestStrikeAndUnstrike:
    @pytest.mark.parametrize(
        ("key", "title", "number", "struck"),
        [
            (SPEC, "Write the spec", 5, b"- [ ] ~~Write the spec~~  \n"),
            ("FIX-2", "Plain id item", 7, b"- FIX-2: ~~Plain id item~~\n"),
            ("T2", "Ship it", 14, b"| T2 | ~~Ship it~~    | Done   | #61   |\n"),
        ],
    )
    def test_strike_wraps_the_title_and_unstrike_restores_it(
        self, key: str, title: str, number: int, struck: bytes
    ) -> None:
        outcome = run(PLAN, edit(key, PlanEditKind.STRIKE, title))
        assert changed_line_numbers(PLAN, outcome.data) == [number]
        assert line(outcome.data, number) == struck
        assert read(outcome.data).task(key).title == title
        restored = run(outcome.data, edit(key, PlanEditKind.UNSTRIKE, title))
        assert restored.failed == ()
        assert restored.data == PLAN

    def test_striking_twice_wraps_once(self) -> None:
        once = run(PLAN, edit(SPEC, PlanEditKind.STRIKE, "Write the spec")).data
        twice = run(once, edit(SPEC, PlanEditKind.STRIKE, "Write the spec"))
        assert twice.data == once
        assert len(twice.applied) == 1

    def test_unstriking_a_title_that_is_not_struck_changes_nothing(self) -> None:
        outcome = run(PLAN, edit("FIX-1", PlanEditKind.UNSTRIKE, "Set up CI"))
        assert outcome.data == PLAN
        assert len(outcome.applied) == 1

    def test_striking_a_title_that_is_not_there_fails(self) -> None:
        outcome = run(PLAN, edit(SPEC, PlanEditKind.STRIKE, "Gone"))
        assert outcome.data == PLAN
        assert "does not contain the task title 'Gone'" in outcome.failed[0][1]
        outcome = run(PLAN, edit(SPEC, PlanEditKind.UNSTRIKE, "Gone"))
        assert "does not contain the task title '~~Gone~~'" in outcome.failed[0][1]


ALL_KINDS = (
    edit(SPEC, PlanEditKind.TICK),
    edit("FIX-1", PlanEditKind.LINK, "#7"),
    edit("FIX-1", PlanEditKind.RETITLE, "Set up CI \u2192 CD", "Set up CI"),
    edit("FIX-2", PlanEditKind.STRIKE, "Plain id item"),
    edit(EXPORT, PlanEditKind.LINK, "https://example.com/o/r/issues/9"),
    edit("T1", PlanEditKind.TICK),
    edit("T1", PlanEditKind.LINK, "#8"),
    edit("T2", PlanEditKind.RETITLE, "Ship it \u2192 prod", "Ship it"),
    edit("T3", PlanEditKind.LINK, "#10"),
)
EDITED_LINES = [5, 6, 7, 9, 13, 14, 18]


class TestOneParseIsEnough:
    def test_many_edits_in_one_call_equal_one_call_per_edit(self) -> None:
        outcome = run(PLAN, *ALL_KINDS)
        assert outcome.failed == ()
        assert outcome.applied == ALL_KINDS
        stepwise = PLAN
        for one in ALL_KINDS:
            stepwise = run(stepwise, one).data
        assert outcome.data == stepwise
        assert changed_line_numbers(PLAN, outcome.data) == EDITED_LINES

    def test_no_edit_moves_a_line(self) -> None:
        edited = run(PLAN, *ALL_KINDS).data
        assert len(split_lines(edited)) == len(split_lines(PLAN))
        before = [(t.line, t.end_line, t.kind) for t in read(PLAN).tasks]
        assert [(t.line, t.end_line, t.kind) for t in read(edited).tasks] == before

    def test_same_input_same_outcome(self) -> None:
        assert run(PLAN, *ALL_KINDS) == run(PLAN, *ALL_KINDS)

    def test_the_runs_own_reading_of_the_bytes_gives_the_same_outcome(self) -> None:
        document = parse_plan(PLAN, PATH, RULES)
        given = apply_edits(PLAN, PATH, RULES, ALL_KINDS, document)
        assert given == run(PLAN, *ALL_KINDS)
        mojibake = as_stored(PLAN.decode(), "cp1252").encode()
        document = parse_plan(mojibake, PATH, RULES)
        assert apply_edits(mojibake, PATH, RULES, ALL_KINDS, document) == run(mojibake, *ALL_KINDS)

    def test_unknown_keys_fail_without_touching_the_rest(self) -> None:
        unknown = edit("NOPE-1", PlanEditKind.TICK)
        outcome = run(PLAN, unknown, *ALL_KINDS, edit("NOPE-2", PlanEditKind.LINK, "#1"))
        assert outcome.data == run(PLAN, *ALL_KINDS).data
        assert [f for f, _ in outcome.failed] == [unknown, edit("NOPE-2", PlanEditKind.LINK, "#1")]
        assert outcome.failed[0][1].startswith(
            "plans/p.md: no task with key 'NOPE-1' in the planfile; "
        )
        assert run(PLAN, unknown).data == PLAN

    def test_a_failed_edit_does_not_stop_the_next_on_the_same_line(self) -> None:
        outcome = run(
            PLAN,
            edit("FIX-2", PlanEditKind.TICK),
            edit("FIX-2", PlanEditKind.LINK, "#3"),
        )
        assert line(outcome.data, 7) == b"- FIX-2: Plain id item (#3)\n"
        assert len(outcome.failed) == len(outcome.applied) == 1


class TestEveryOtherByteIsKept:
    def test_crlf_and_bom(self) -> None:
        raw = b"\xef\xbb\xbf" + PLAN.replace(b"\n", b"\r\n")
        outcome = run(raw, *ALL_KINDS)
        assert outcome.failed == ()
        assert outcome.data.startswith(b"\xef\xbb\xbf# Plan\r\n")
        assert changed_line_numbers(raw, outcome.data) == EDITED_LINES
        lf = run(PLAN, *ALL_KINDS).data
        assert outcome.data == b"\xef\xbb\xbf" + lf.replace(b"\n", b"\r\n")

    def test_a_plan_stored_as_mojibake(self) -> None:
        raw = as_stored(PLAN.decode(), "cp1252").encode()
        assert decode_plan(raw, PATH).encoding.mojibake == "cp1252"
        outcome = run(raw, *ALL_KINDS)
        assert outcome.failed == ()
        assert changed_line_numbers(raw, outcome.data) == EDITED_LINES
        assert decode_plan(outcome.data, PATH).encoding == decode_plan(raw, PATH).encoding
        assert "CI â†’ CD".encode() in line(outcome.data, 6)
        plain = run(PLAN, *ALL_KINDS).data
        for number in EDITED_LINES:
            edited, expected = task_at(outcome.data, number), task_at(plain, number)
            assert (edited.title, edited.done, edited.issue_refs) == (
                expected.title,
                expected.done,
                expected.issue_refs,
            )

    def test_the_mojibake_example(self) -> None:
        path = EXAMPLES / "support-migration.md"
        raw = path.read_bytes()
        key = "export-the-old-tickets-json"
        title = "Export the old tickets \u2192 JSON"
        new_title = "Export the old tickets \u2192 JSON f\u00fcr alle"
        edits = [
            edit(key, PlanEditKind.RETITLE, new_title, title),
            edit(key, PlanEditKind.LINK, "#4"),
            edit(key, PlanEditKind.TICK),
            edit("train-the-agents-2-1h-sessions", PlanEditKind.STRIKE, "Train the agents"),
        ]
        outcome = apply_edits(raw, path, RULES, edits)
        assert outcome.applied == (edits[0], edits[1], edits[3])
        assert "numbered-item without a checkbox" in outcome.failed[0][1]
        assert changed_line_numbers(raw, outcome.data) == [11, 21]
        assert (
            line(outcome.data, 11)
            == ("  1. " + as_stored(new_title, "cp1252") + " (#4)\r\n").encode()
        )
        task = task_at(outcome.data, 11, path)
        assert task.title == new_title
        assert [ref.number for ref in task.issue_refs] == [4]
        assert decode_plan(outcome.data, path).encoding == decode_plan(raw, path).encoding


class TestWriteIfUnchanged:
    def test_writes_when_the_file_still_holds_what_was_read(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(PLAN)
        os.chmod(path, 0o640)
        assert write_if_unchanged(path, PLAN, b"new")
        assert path.read_bytes() == b"new"
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

    def test_refuses_when_the_file_changed_and_keeps_the_other_bytes(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(b"someone else's edit\n")
        assert not write_if_unchanged(path, PLAN, b"new")
        assert path.read_bytes() == b"someone else's edit\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

    def test_refuses_when_the_file_changes_while_the_new_bytes_are_written(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(PLAN)
        real_fsync = os.fsync

        def fsync_then_someone_saves(fd: int) -> None:
            real_fsync(fd)
            path.write_bytes(b"saved meanwhile\n")

        monkeypatch.setattr(os, "fsync", fsync_then_someone_saves)
        assert not write_if_unchanged(path, PLAN, b"new")
        monkeypatch.undo()
        assert path.read_bytes() == b"saved meanwhile\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

    def test_nothing_to_change_writes_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(PLAN)
        os.utime(path, ns=(1_000_000_000, 1_000_000_000))
        assert write_if_unchanged(path, PLAN, PLAN)
        assert path.stat().st_mtime_ns == 1_000_000_000
        assert path.read_bytes() == PLAN

    def test_a_missing_file_is_not_recreated(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        assert not write_if_unchanged(path, PLAN, b"new")
        assert list(tmp_path.iterdir()) == []

    def test_a_linked_planfile_stays_a_link(self, tmp_path: Path) -> None:
        real = tmp_path / "real.md"
        real.write_bytes(PLAN)
        link = tmp_path / "plan.md"
        link.symlink_to(real)
        assert write_if_unchanged(link, PLAN, b"new")
        assert link.is_symlink()
        assert real.read_bytes() == b"new"

    def test_the_edits_then_the_write(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(PLAN)
        raw = path.read_bytes()
        outcome = apply_edits(raw, path, RULES, [edit(SPEC, PlanEditKind.TICK)])
        assert write_if_unchanged(path, raw, outcome.data)
        assert parse_plan(path.read_bytes(), path, RULES).task(SPEC).done


class TestTitlesCheckedOnceForAllEdits:
    def test_a_retitle_that_would_change_the_line_s_id_is_refused_and_the_rest_applied(
        self,
    ) -> None:
        # `OPS-9 OPS-9`: the second token defines the task; a new title replacing it would
        # leave the line read as another task.
        raw = b"## Week 1\n\n1. OPS-9 OPS-9\n- [ ] OPS-2: Two\n- [ ] OPS-3: Three\n"
        path = Path("plan.md")
        tasks = {t.id: t for t in parse_plan(raw, path).tasks}
        ops9, ops2, ops3 = (TaskRef("plan.md", tasks[i].key) for i in ("OPS-9", "OPS-2", "OPS-3"))
        edits = [
            EditPlan(ops9, PlanEditKind.RETITLE, "retitled", "ZZ-7 New", "OPS-9"),
            EditPlan(ops9, PlanEditKind.LINK, "link", "#9"),
            EditPlan(ops2, PlanEditKind.RETITLE, "retitled", "Second", "Two"),
            EditPlan(ops3, PlanEditKind.LINK, "link", "#3"),
        ]

        outcome = apply_edits(raw, path, ReaderRules(), edits)

        assert outcome.data == (
            b"## Week 1\n\n1. OPS-9 OPS-9\n- [ ] OPS-2: Second\n- [ ] OPS-3: Three (#3)\n"
        )
        assert [e.value for e in outcome.applied] == ["Second", "#3"]
        (retitle, why), (link, undone) = outcome.failed
        assert (retitle.kind, link.kind) == (PlanEditKind.RETITLE, PlanEditKind.LINK)
        assert why.startswith("plan.md:3: Line 3: with the new title the reader would read")
        assert "left for the next run" in undone

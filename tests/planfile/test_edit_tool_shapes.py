"""The editor on every shape of the formats in `formats/`: ticking, clearing, retitling and
linking each task changes only that task's line, and the reader reads the change back (same
key, ID and line). `[~]`, `[/]` and `[-]` keep their place: only the mark changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.model.plan import Task, TaskKind
from plansync.planfile.edit import add_issue_link, set_checkbox, set_table_status, set_task_title
from plansync.planfile.parse import parse_plan, read_plan

FORMATS = Path(__file__).parent / "formats"
PLANS = sorted(FORMATS.glob("*.md"))


def tasks_of(path: Path) -> list[tuple[Path, Task]]:
    return [(path, t) for t in read_plan(path).tasks]


ALL = [pair for path in PLANS for pair in tasks_of(path)]
IDS = [f"{p.name}:{t.line}" for p, t in ALL]


def other_lines_unchanged(before: bytes, after: bytes, line: int) -> None:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    assert [x for i, x in enumerate(old, 1) if i != line] == [
        x for i, x in enumerate(new, 1) if i != line
    ]


def reread(raw: bytes, path: Path, line: int) -> Task:
    (task,) = [t for t in parse_plan(raw, path).tasks if t.line == line]
    return task


@pytest.mark.parametrize(("path", "task"), ALL, ids=IDS)
def test_retitle(path: Path, task: Task) -> None:
    raw = path.read_bytes()
    edited = set_task_title(
        raw, task.line, task.title, "Renamed by the tracker", task.table, task.id
    )
    other_lines_unchanged(raw, edited, task.line)
    again = reread(edited, path, task.line)
    assert (again.title, again.id, again.done) == ("Renamed by the tracker", task.id, task.done)


@pytest.mark.parametrize(("path", "task"), ALL, ids=IDS)
def test_link(path: Path, task: Task) -> None:
    raw = path.read_bytes()
    edited = add_issue_link(raw, task.line, "#4242", task.table, task.id)
    other_lines_unchanged(raw, edited, task.line)
    again = reread(edited, path, task.line)
    assert 4242 in [r.number for r in again.issue_refs]
    assert (again.key, again.title, again.id, again.done) == (
        task.key, task.title, task.id, task.done,
    )  # fmt: skip
    assert add_issue_link(edited, task.line, "#4242", task.table, task.id) == edited


TICKABLE = [(p, t) for p, t in ALL if t.kind is TaskKind.CHECKBOX or t.table is not None]


@pytest.mark.parametrize(
    ("path", "task"), TICKABLE, ids=[f"{p.name}:{t.line}" for p, t in TICKABLE]
)
def test_tick_and_clear(path: Path, task: Task) -> None:
    raw = path.read_bytes()
    if task.table is not None:
        if task.table.index_of("status") is None:
            pytest.skip("a table without a status column cannot show done")
        flipped = set_table_status(raw, task.line, task.table, not task.done)
    else:
        flipped = set_checkbox(raw, task.line, not task.done)
    other_lines_unchanged(raw, flipped, task.line)
    again = reread(flipped, path, task.line)
    assert (again.done, again.key, again.title) == (not task.done, task.key, task.title)
    if task.kind is TaskKind.CHECKBOX:
        # Only the mark between the brackets changed.
        old = raw.splitlines()[task.line - 1]
        new = flipped.splitlines()[task.line - 1]
        assert len(old) == len(new)
        assert sum(a != b for a, b in zip(old, new, strict=True)) == 1


class TestStatesKeptByteExact:
    PLAN = b"# P\n\n## Phase 1: X\n\n- [~] T1: half done\n- [/] T2: partial\n- [-] T3: dropped\n"

    def test_asking_for_what_the_mark_already_says_changes_nothing(self) -> None:
        assert set_checkbox(self.PLAN, 5, False) == self.PLAN  # `[~]` is open
        assert set_checkbox(self.PLAN, 6, False) == self.PLAN  # `[/]` is open
        assert set_checkbox(self.PLAN, 7, True) == self.PLAN  # `[-]` counts as done

    def test_ticking_an_in_progress_task_writes_only_the_mark(self) -> None:
        assert set_checkbox(self.PLAN, 5, True) == self.PLAN.replace(b"[~]", b"[x]")
        assert set_checkbox(self.PLAN, 7, False) == self.PLAN.replace(b"[-]", b"[ ]")

    def test_an_optional_kiro_task_keeps_its_star(self) -> None:
        plan = b"- [ ]* 2.2 Write tests\n- [ ] 2.3 More\n"
        assert set_checkbox(plan, 1, True) == b"- [x]* 2.2 Write tests\n- [ ] 2.3 More\n"


class TestRetitlesThatWouldTipTheFormat:
    def test_a_kiro_item_whose_title_starts_with_a_group_keeps_its_id(self) -> None:
        raw = b"# Plan\n- [ ]* 1.42 Ship\n- [ ]* 1.41 (P1) Ship\n"
        after = set_task_title(raw, 3, "(P1) Ship", "Qz renamed task", None, "1.41")
        assert after == b"# Plan\n- [ ]* 1.42 Ship\n- [ ]* 1.41: Qz renamed task\n"
        document = parse_plan(after, Path("tasks.md"))
        assert document.format == "kiro"
        assert [(t.id, t.title) for t in document.tasks] == [
            ("1.42", "Ship"),
            ("1.41", "Qz renamed task"),
        ]

    def test_a_title_that_would_change_how_another_line_reads_is_refused(self) -> None:
        # Line 3 repeats line 2's ID, so its title is `1.41`: renaming it would leave one
        # numbered item, the file would no longer read as Kiro's, and line 2 would lose its ID.
        raw = b"# Plan\n- [ ]* 1.41 Ship\n- [ ]* 1.41 (P1)\n"
        (_, second) = parse_plan(raw, Path("tasks.md")).tasks
        with pytest.raises(ValueError, match="read the task on line 2 otherwise"):
            set_task_title(raw, 3, second.title, "Qz renamed task", None, second.id)

    def test_a_todo_item_whose_title_starts_with_a_group_keeps_its_id_and_fields(self) -> None:
        raw = b"- [-] t01.41 (P1) Ship ~2h #sync @ann blocked-by:t01\n"
        after = set_task_title(raw, 1, "(P1) Ship", "Ping @bob", None, "t01.41")
        assert after == b"- [-] t01.41: Ping &#64;bob ~2h #sync @ann blocked-by:t01\n"
        (task,) = parse_plan(after, Path("todo.md")).tasks
        assert (task.id, task.title, task.assignees) == ("t01.41", "Ping @bob", ("ann",))

    def test_field_shaped_words_stay_as_written_outside_todo_files(self) -> None:
        raw = b"# Plan\n\n- [ ] Ship\n"
        after = set_task_title(raw, 3, "Ship", "Ask @bob about risk:low", None, None)
        assert after == b"# Plan\n\n- [ ] Ask @bob about risk:low\n"

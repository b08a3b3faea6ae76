"""Where the summary block goes in a planfile, and writing it there byte-exactly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plansync.errors import PlanfileError
from plansync.model.changeset import SummaryPlace
from plansync.model.plan import Task
from plansync.planfile.decode import decode_plan
from plansync.planfile.lines import dominant_ending, split_lines, strip_bom
from plansync.planfile.parse import parse_plan
from plansync.summary.place import SUMMARY_BEGIN, SUMMARY_END, insertion_line, write_summary

REPOSITORY = Path(__file__).resolve().parents[2]
SHARED_PLANS = REPOSITORY.parent / "shared" / "plans"
EXAMPLES = REPOSITORY / "examples"
BEGIN, END = SUMMARY_BEGIN.encode(), SUMMARY_END.encode()
# Content of the kind plansync writes in its block (ID mentions, the milestone table) that
# would read as tasks anywhere else in a planfile.
TASKLIKE = (
    "**Progress:** 1 / 2 tasks done (50%)\n\n"
    "| Milestone | Done | Progress | % | Estimate done / left | Due |\n"
    "|---|---:|---|---:|---|---|\n| Week 9 | 1 / 2 | `#####.....` | 50% | - | - |\n\n"
    "- not linked, sync failed: `OPS-099` Not a task\n"
    '- conflict on title of `WEB-12` Nor this: plan "a", tracker "b"\n'
)


def shared_plan(name: str) -> bytes:
    path = SHARED_PLANS / name
    if not path.is_file():
        pytest.skip(f"the shared plans folder {SHARED_PLANS} (or {name} in it) is absent")
    return path.read_bytes()


def lines_of(raw: bytes) -> list[bytes]:
    return split_lines(strip_bom(raw)[1])


def tasks(raw: bytes) -> tuple[Task, ...]:
    return parse_plan(raw, Path("plan.md")).tasks


def shifted(task: Task, after: int, by: int) -> Task:
    if task.line <= after:
        return task
    return replace(task, line=task.line + by, end_line=task.end_line + by)


# ----------------------------------------------------------------------------------------------
# insertion_line


class TestAfterTitle:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("# Plan\n**Owner:** web\n**Due**: May\n\n## Week 1\n", 4),
            ("# Plan\n\n**Owner:** web\n**Due**: May\n\n## Week 1\n", 5),
            ("# Plan\n\n_Owner:_ web\nStatus: in progress\nTeam lead: Ana\n\n## W1\n", 6),
            ("# Plan\n\n__Owner__: web\n*Due:* May\n\n- [ ] a\n", 5),
            ("# Plan\n\n## Week 1\n", 2),
            ("# Plan\n## Week 1\n", 1),
            ("# Plan\n\nThis plan covers the relaunch.\nOwner: web\n\n## Week 1\n", 2),
            ("# Plan\n\n**Owner:** web\nWe start on Monday, as agreed.\n\n## W1\n", 2),
            ("# Plan\n\nSee: https://example.com\n\n## W1\n", 4),
            ("# Plan\n\nhttps://example.com/docs\n\n## W1\n", 2),
            ("# Plan\n\n- **Owner:** web\n\n## W1\n", 2),
            ("# Plan\n\n**Owner:** web\n## W1\n", 3),
            ("Plan\n====\n\n**Owner:** web\n\n## W1\n", 5),
            ("Long\ntitle\n===\n\n## W1\n", 4),
            ("#hashtag\n===\n\n## W1\n", 3),
            ("Intro text.\n\n# Plan\n\n## W1\n", 4),
            ("- # In a list\n\n# Plan\n\n## W1\n", 4),
            ("> # Quoted\n\n# Plan\n\n## W1\n", 4),
            ("## Only a section\n\n- [ ] a\n", 0),
            ("", 0),
            ("# Plan", 1),
            ("# Plan\n", 1),
        ],
    )
    def test_insertion_line(self, text: str, expected: int) -> None:
        assert insertion_line(text.encode(), "after-title") == expected

    def test_crlf_file(self) -> None:
        raw = b"# Plan\r\n\r\n**Owner:** web\r\n\r\n## Week 1\r\n"
        assert insertion_line(raw, "after-title") == 4

    def test_bom_file(self) -> None:
        raw = b"\xef\xbb\xbf# Plan\n\n## Week 1\n"
        assert insertion_line(raw, "after-title") == 2
        assert insertion_line(raw, "top") == 0

    def test_front_matter_is_never_split(self) -> None:
        raw = b"---\n# a YAML comment\ntitle: Plan\ntags:\n  - q1\n---\n# Plan\n\n## W1\n"
        assert insertion_line(raw, "top") == 6
        assert insertion_line(raw, "after-title") == 8

    def test_front_matter_without_a_title_goes_after_it(self) -> None:
        raw = b"---\ntitle: Plan\n...\n## W1\n- [ ] a\n"
        assert insertion_line(raw, "after-title") == 3

    def test_a_leading_rule_before_markdown_is_no_front_matter(self) -> None:
        raw = b"---\n# Plan\n\nSome prose here.\n\n---\n## W1\n"
        assert insertion_line(raw, "top") == 0
        assert insertion_line(raw, "after-title") == 3


class TestBigFiles:
    """Markdown is read from the top only as far as the title and the block under it: the
    answer is the same wherever in a big file the title lies."""

    PROSE = "Prose → about the plan, café ✨.\n\n"

    @pytest.mark.parametrize("before", [0, 100, 127, 128, 129, 500, 3000])
    def test_title_after_many_paragraphs(self, before: int) -> None:
        text = self.PROSE * before + "# Plan\n\n**Owner:** web\n\n" + self.PROSE * 2000
        assert insertion_line(text.encode(), "after-title") == 2 * before + 4

    @pytest.mark.parametrize("before", [60, 126, 127, 128, 510])
    def test_setext_title_on_the_lines_read_first(self, before: int) -> None:
        # A `===` on the line after the first lines read makes the paragraph a heading.
        text = self.PROSE * before + "Plan\n===\nOwner: web\n\n" + self.PROSE * 2000
        assert insertion_line(text.encode(), "after-title") == 2 * before + 4

    def test_no_title_in_a_big_file_is_top(self) -> None:
        text = "---\ntitle: Plan\n---\n" + self.PROSE * 5000 + "- [ ] a\n"
        assert insertion_line(text.encode(), "after-title") == 3

    def test_a_fence_opened_above_holds_what_looks_like_a_title(self) -> None:
        text = "```\n" + "code\n" * 1000 + "# Not a title\n```\n\n# Plan\n\n" + self.PROSE
        assert insertion_line(text.encode(), "after-title") == 1006

    def test_end_and_top(self) -> None:
        raw = (self.PROSE * 3000).encode()
        assert insertion_line(raw, "end") == 6000
        assert insertion_line(raw, "top") == 0


class TestOtherPlaces:
    @pytest.mark.parametrize(("place", "expected"), [("top", 0), ("end", 4), ("markers", None)])
    def test_place(self, place: SummaryPlace, expected: int | None) -> None:
        assert insertion_line(b"# Plan\n\n## W1\n- [ ] a", place) == expected

    def test_not_utf8_is_a_planfile_error(self) -> None:
        with pytest.raises(PlanfileError, match="not valid UTF-8"):
            insertion_line(b"# Plan\n\xff\xfe\n", "after-title")


# The line after the title and metadata of each real plan and example, read by hand.
SHARED_EXPECTED = [
    ("000_bef5947b803c63a5.txt", 4),  # metadata right under the H1, no blank between
    ("001_3cc556623f022b87.txt", 6),  # MacRoman mojibake emoji title
    ("002_b0ba0a6134495dfa.txt", 6),  # MacRoman mojibake
    ("003_9ee9e3bf184d3bca.txt", 6),
    ("004_94c9ab7eab5eb102.txt", 6),  # cp1252 mojibake, `**Key**: value`
]
EXAMPLES_EXPECTED = [
    ("launch-plan.md", 5),
    ("platform-roadmap.md", 4),
    ("support-migration.md", 5),  # CRLF, cp1252 mojibake
    ("weekly-rollout.md", 2),  # no metadata
]


class TestRealPlans:
    @pytest.mark.parametrize(("name", "expected"), SHARED_EXPECTED)
    def test_shared_plan(self, name: str, expected: int) -> None:
        raw = shared_plan(name)
        assert insertion_line(raw, "after-title") == expected
        self._block_lands_before_the_first_section(raw)

    @pytest.mark.parametrize(("name", "expected"), EXAMPLES_EXPECTED)
    def test_example(self, name: str, expected: int) -> None:
        raw = (EXAMPLES / name).read_bytes()
        assert insertion_line(raw, "after-title") == expected
        self._block_lands_before_the_first_section(raw)

    @staticmethod
    def _block_lands_before_the_first_section(raw: bytes) -> None:
        after = write_summary(raw, "Progress: 0/1", "after-title")
        assert after is not None
        text = decode_plan(after, Path("plan.md")).text
        head, _, rest = text.partition(SUMMARY_BEGIN)
        assert head.startswith("# ")
        assert head.count("\n#") == 0
        assert rest.split(SUMMARY_END, 1)[1].startswith(("\n\n", "\r\n\r\n"))


# ----------------------------------------------------------------------------------------------
# write_summary


class TestInsert:
    def test_block_then_one_blank_line_before_the_next_block(self) -> None:
        raw = b"# Plan\n\n## Week 1\n- [ ] a\n"
        after = write_summary(raw, "Progress: 0/1", "after-title")
        assert after == (
            b"# Plan\n\n" + BEGIN + b"\nProgress: 0/1\n" + END + b"\n\n## Week 1\n- [ ] a\n"
        )

    def test_no_extra_blank_line_before_a_blank_one(self) -> None:
        raw = b"# Plan\n\n\n## Week 1\n"
        after = write_summary(raw, "x\n", "after-title")
        assert after == b"# Plan\n\n" + BEGIN + b"\nx\n" + END + b"\n\n## Week 1\n"

    def test_insert_then_replace_is_stable(self) -> None:
        raw = b"# Plan\n**Owner:** web\n\n## Week 1\n- [ ] a\n"
        once = write_summary(raw, "Progress: 0/1", "after-title")
        assert once is not None
        assert write_summary(once, "Progress: 0/1", "after-title") is once
        changed = write_summary(once, "Progress: 1/1", "after-title")
        assert changed == once.replace(b"0/1", b"1/1")
        assert write_summary(changed, "Progress: 0/1", "end") == once

    def test_crlf_everywhere(self) -> None:
        raw = b"# Plan\r\n\r\n**Owner:** web  \r\n\r\n## Week 1\r\n- [ ] a\t\r\n"
        after = write_summary(raw, "one\ntwo\n", "after-title")
        assert after is not None
        assert after == (
            b"# Plan\r\n\r\n**Owner:** web  \r\n\r\n"
            + BEGIN
            + b"\r\none\r\ntwo\r\n"
            + END
            + b"\r\n\r\n"
            b"## Week 1\r\n- [ ] a\t\r\n"
        )
        assert b"\n" not in after.replace(b"\r\n", b"")

    def test_crlf_blank_line_after_the_block(self) -> None:
        raw = b"# Plan\r\n## Week 1\r\n"
        after = write_summary(raw, "x", "after-title")
        assert after == b"# Plan\r\n" + BEGIN + b"\r\nx\r\n" + END + b"\r\n\r\n## Week 1\r\n"

    def test_bom_is_kept(self) -> None:
        raw = b"\xef\xbb\xbf# Plan\n\n## W1\n"
        top = write_summary(raw, "x", "top")
        assert top == b"\xef\xbb\xbf" + BEGIN + b"\nx\n" + END + b"\n\n# Plan\n\n## W1\n"
        titled = write_summary(raw, "x", "after-title")
        assert titled == b"\xef\xbb\xbf# Plan\n\n" + BEGIN + b"\nx\n" + END + b"\n\n## W1\n"

    def test_only_a_title_without_a_newline(self) -> None:
        after = write_summary(b"# Plan", "x", "after-title")
        assert after == b"# Plan\n" + BEGIN + b"\nx\n" + END + b"\n"

    def test_end(self) -> None:
        raw = b"# Plan\n\n- [ ] a\n"
        assert write_summary(raw, "x", "end") == raw + BEGIN + b"\nx\n" + END + b"\n"
        unterminated = write_summary(b"# Plan\n\n- [ ] a", "x", "end")
        assert unterminated == raw + BEGIN + b"\nx\n" + END + b"\n"

    def test_top_after_front_matter(self) -> None:
        raw = b"---\ntitle: Plan\n---\n# Plan\n"
        after = write_summary(raw, "x", "top")
        assert after == b"---\ntitle: Plan\n---\n" + BEGIN + b"\nx\n" + END + b"\n\n# Plan\n"

    @settings(deadline=None, max_examples=60)
    @given(
        st.lists(
            st.sampled_from(
                [
                    "# Plan",
                    "Plan",
                    "===",
                    "",
                    "**Owner:** web",
                    "Status: ok",
                    "## W1",
                    "- [ ] a",
                    "prose here.",
                    "---",
                    "title: x",
                    "> # q",
                    "| a |",
                ]
            ),
            max_size=10,
        ),
        st.sampled_from(["\n", "\r\n"]),
        st.sampled_from(["after-title", "top", "end"]),
        st.booleans(),
    )
    def test_every_byte_outside_the_block_is_kept(
        self, lines: list[str], eol: str, place: SummaryPlace, bom: bool
    ) -> None:
        raw = (b"\xef\xbb\xbf" if bom else b"") + eol.join(lines).encode()
        at = insertion_line(raw, place)
        assert at is not None
        after = write_summary(raw, "Progress: 1/2", place)
        assert after is not None
        old, new = lines_of(raw), lines_of(after)
        ending = dominant_ending(strip_bom(raw)[1])  # LF in a file of one line or none
        assert after.startswith(b"\xef\xbb\xbf" if bom else b"")
        # Only a last line without an ending gets one, so the block starts on its own line.
        assert b"".join(new[:at]).rstrip(b"\r\n") == b"".join(old[:at]).rstrip(b"\r\n")
        assert new[at : at + 3] == [
            BEGIN + ending,
            b"Progress: 1/2" + ending,
            END + ending,
        ]
        rest = new[at + 3 :]
        if rest and rest[0] != old[at]:
            assert rest[0] == ending
            assert old[at].strip()
            rest = rest[1:]
        assert rest == old[at:]


class TestMojibakePlans:
    @pytest.mark.parametrize(("name", "expected"), SHARED_EXPECTED)
    def test_bytes_around_the_block_are_the_original(self, name: str, expected: int) -> None:
        raw = shared_plan(name)
        after = write_summary(raw, "✅ 3/10 done → 🎯", "after-title")
        assert after is not None
        old = lines_of(raw)
        head = b"".join(old[:expected])
        tail = b"".join(old[expected:])
        assert after.startswith(head)
        assert after.endswith(tail)
        block = after[len(head) : len(after) - len(tail)]
        assert block.startswith(BEGIN + b"\n")
        assert block.endswith(END + b"\n\n")
        decoded = decode_plan(after, Path(name))
        assert decoded.encoding == decode_plan(raw, Path(name)).encoding
        assert f"{SUMMARY_BEGIN}\n✅ 3/10 done → 🎯\n{SUMMARY_END}\n" in decoded.text

    def test_crlf_mojibake_example(self) -> None:
        raw = (EXAMPLES / "support-migration.md").read_bytes()
        after = write_summary(raw, "✅ 0/3", "after-title")
        assert after is not None
        old = lines_of(raw)
        assert after == b"".join(old[:5]) + BEGIN + "\r\nâœ… 0/3\r\n".encode() + END + (
            b"\r\n\r\n" + b"".join(old[5:])
        )


class TestMarkersPlace:
    def test_without_markers_nothing_is_written(self) -> None:
        assert write_summary(b"# Plan\n\n- [ ] a\n", "x", "markers") is None

    def test_with_markers_the_inside_is_replaced(self) -> None:
        raw = b"# Plan\n\n- [ ] a\n\n" + BEGIN + b"\nold\n" + END + b"\nlast"
        after = write_summary(raw, "new", "markers")
        assert after == b"# Plan\n\n- [ ] a\n\n" + BEGIN + b"\nnew\n" + END + b"\nlast"

    @pytest.mark.parametrize("place", ["after-title", "markers"])
    def test_markers_spaced_otherwise_are_the_same_markers(self, place: SummaryPlace) -> None:
        raw = b"# Plan\n\n<!--plansync:summary-->\nold\n<!--  /plansync:summary  -->\n- [ ] a\n"
        after = write_summary(raw, "new", place)
        assert after == raw.replace(b"\nold\n", b"\nnew\n")
        assert [t.key for t in tasks(after)] == [t.key for t in tasks(raw)]

    def test_a_marker_spaced_inside_its_name_is_not_one(self) -> None:
        raw = b"# Plan\n\n<!-- plansync: summary -->\n- [ ] a\n"
        assert write_summary(raw, "x", "markers") is None

    @pytest.mark.parametrize("place", ["after-title", "top", "end", "markers"])
    def test_existing_markers_win_over_the_place(self, place: SummaryPlace) -> None:
        raw = b"# Plan\n\n## W1\n" + BEGIN + b"\n" + END + b"\n- [ ] a\n"
        after = write_summary(raw, "x", place)
        assert after == b"# Plan\n\n## W1\n" + BEGIN + b"\nx\n" + END + b"\n- [ ] a\n"


class TestMarkersInCode:
    """Markers in a code block are an example of them, the plan's text: never plansync's block,
    neither for the editor nor for the reader."""

    FENCED = b"```md\n" + BEGIN + b"\nan example\n" + END + b"\n```\n"
    INDENTED = b"Text.\n\n    " + BEGIN + b"\n    an example\n    " + END + b"\n"

    IN_ITEM = b"- item\n\n" + b"".join(b"  " + line for line in FENCED.splitlines(True))

    @pytest.mark.parametrize("example", [FENCED, INDENTED, IN_ITEM])
    def test_a_block_is_inserted_and_the_example_kept(self, example: bytes) -> None:
        raw = b"# Plan\n\n- [ ] a\n\n" + example
        after = write_summary(raw, "new", "after-title")
        assert after is not None
        assert after.endswith(example)
        assert after.startswith(b"# Plan\n\n" + BEGIN + b"\nnew\n" + END + b"\n")
        assert write_summary(raw, "new", "markers") is None
        assert [t.key for t in tasks(after)] == [t.key for t in tasks(raw)]

    def test_an_example_after_the_block_is_no_second_marker(self) -> None:
        raw = b"# Plan\n\n" + BEGIN + b"\nold\n" + END + b"\n\n- [ ] a\n\n" + self.FENCED
        after = write_summary(raw, "new", "markers")
        assert after == raw.replace(b"\nold\n", b"\nnew\n", 1)

    def test_the_reader_reads_a_task_between_fenced_markers_as_code(self) -> None:
        # The fence's text is code either way; a begin marker in a fence and an end marker
        # outside it make no block that hides the task between them.
        raw = b"```\n" + BEGIN + b"\n```\n\n- [ ] a\n\n" + END + b"\n"
        assert [t.title for t in tasks(raw)] == ["a"]


class TestDamagedBlocks:
    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"# Plan\n\n" + BEGIN + b"\nold\n", "on line 3 has no `<!-- /plansync"),
            (b"# Plan\nold\n" + END + b"\n", "on line 3 has no `<!-- plansync:summary -->` "),
            (b"# Plan\n" + END + b"\n" + BEGIN + b"\n", "on line 2 comes before .* line 3"),
            (
                b"# Plan\n" + BEGIN + b"\n" + END + b"\n" + BEGIN + b"\n" + END + b"\n",
                "is on lines 2, 4 and .* on lines 3, 5; each must appear once",
            ),
        ],
    )
    @pytest.mark.parametrize("place", ["after-title", "markers"])
    def test_damage_is_reported_with_its_lines(
        self, raw: bytes, message: str, place: SummaryPlace
    ) -> None:
        with pytest.raises(PlanfileError, match=message) as caught:
            write_summary(raw, "x", place)
        assert "Delete the summary marker lines" in str(caught.value)
        assert isinstance(caught.value.__cause__, ValueError)

    def test_content_holding_a_marker_is_refused(self) -> None:
        with pytest.raises(ValueError, match="contains the marker"):
            write_summary(b"# Plan\n", f"a\n{SUMMARY_END}\nb", "after-title")


class TestReadBack:
    def test_the_content_would_read_as_tasks_outside_the_block(self) -> None:
        assert {t.id for t in tasks(TASKLIKE.encode())} == {"OPS-099", "WEB-12"}

    @pytest.mark.parametrize("place", ["after-title", "top", "end"])
    def test_the_block_holds_no_tasks(self, place: SummaryPlace) -> None:
        raw = (
            b"# Plan\n**Owner:** web\n\n## Week 1\n\n- [ ] `T1` Write the spec\n- [x] `T2` Ship\n\n"
            b"| ID | Task |\n|---|---|\n| T3 | Announce |\n"
        )
        before = tasks(raw)
        assert [(t.key, t.title) for t in before] == [
            ("T1", "Write the spec"),
            ("T2", "Ship"),
            ("T3", "Announce"),
        ]
        at = insertion_line(raw, place)
        assert at is not None
        after = write_summary(raw, TASKLIKE, place)
        assert after is not None
        grown = len(lines_of(after)) - len(lines_of(raw))
        assert grown == TASKLIKE.count("\n") + 2 + (place != "end")
        assert tasks(after) == tuple(shifted(t, at, grown) for t in before)
        assert parse_plan(after, Path("plan.md")).title == "Plan"

    @pytest.mark.parametrize(("name", "expected"), SHARED_EXPECTED)
    def test_shared_plans_keep_their_tasks(self, name: str, expected: int) -> None:
        raw = shared_plan(name)
        after = write_summary(raw, TASKLIKE, "after-title")
        assert after is not None
        grown = len(lines_of(after)) - len(lines_of(raw))
        before = tasks(raw)
        assert before
        assert tasks(after) == tuple(shifted(t, expected, grown) for t in before)

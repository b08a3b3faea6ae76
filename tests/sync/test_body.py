"""plansync's block in an issue body: rendered deterministically, found and replaced in place."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plansync.model.changeset import BodySpec
from plansync.sync.body import BODY_END, BODY_START, managed_block, render_body_block, splice
from plansync.trackers.markers import find_marker, task_marker

SPEC = BodySpec(
    description="Move the old tickets.\nKeep their ids.",
    estimate="90min",
    priority="high",
    depends_on=("FIX-004", "FIX-005", "FIX-009"),
    plan_path="plans/x.md",
    plan_url="https://example.com/o/r/blob/main/plans/x.md",
    task_label="FIX-006",
    marker=task_marker("FIX-006"),
)
NUMBERS = {"FIX-004": 12, "FIX-005": 14}


class TestRenderBlock:
    def test_full_shape(self) -> None:
        assert render_body_block(SPEC, NUMBERS) == (
            "<!-- plansync:body -->\n"
            "Move the old tickets.\n"
            "Keep their ids.\n"
            "\n"
            "**Estimate:** 90min · **Priority:** high\n"
            "**Depends on:** #12, #14, FIX-009 (no issue yet)\n"
            "**Plan:** [plans/x.md](https://example.com/o/r/blob/main/plans/x.md)"
            " · task `FIX-006`\n"
            "\n"
            "<!-- plansync:task=FIX-006 -->\n"
            "<!-- /plansync:body -->"
        )

    def test_lines_with_nothing_to_say_are_left_out(self) -> None:
        bare = BodySpec("", None, None, (), "plan.md", None, "ship-it", task_marker("ship-it"))
        assert render_body_block(bare, {}) == (
            "<!-- plansync:body -->\n"
            "**Plan:** plan.md · task `ship-it`\n"
            "\n"
            "<!-- plansync:task=ship-it -->\n"
            "<!-- /plansync:body -->"
        )

    def test_estimate_alone_and_priority_alone(self) -> None:
        only_estimate = replace(SPEC, priority=None, depends_on=())
        assert "\n**Estimate:** 90min\n**Plan:**" in render_body_block(only_estimate, {})
        only_priority = replace(SPEC, estimate="  ", depends_on=())
        assert "\n**Priority:** high\n**Plan:**" in render_body_block(only_priority, {})

    def test_dependencies_keep_the_written_order_and_are_listed_once(self) -> None:
        spec = replace(SPEC, depends_on=("FIX-009", "FIX-005", "FIX-009", "FIX-004"))
        block = render_body_block(spec, NUMBERS)
        assert "**Depends on:** FIX-009 (no issue yet), #14, #12\n" in block

    def test_same_input_same_text(self) -> None:
        reordered = dict(reversed(NUMBERS.items()))
        assert render_body_block(SPEC, NUMBERS) == render_body_block(SPEC, reordered)

    def test_description_blank_lines_around_are_dropped_and_endings_are_lf(self) -> None:
        spec = replace(SPEC, description="\r\n  \r\nfirst\r\n\r\nsecond\rthird\n\n")
        assert render_body_block(spec, NUMBERS).startswith(
            f"{BODY_START}\nfirst\n\nsecond\nthird\n\n**Estimate:**"
        )

    def test_description_cannot_end_the_block_or_hide_the_rest(self) -> None:
        hostile = f"a {BODY_END} b\n<!-- hidden\n{task_marker('OTHER-1')} -->"
        block = render_body_block(replace(SPEC, description=hostile), NUMBERS)
        assert block.count(BODY_END) == 1
        assert block.endswith(BODY_END)
        assert "<!--" not in block.removeprefix(BODY_START).split("\n\n<!-- plansync:task=")[0]
        assert "a &lt;!-- /plansync:body --&gt; b\n&lt;!-- hidden\n" in block
        assert find_marker(block) == "FIX-006"
        assert managed_block(splice("intro", block)) == block

    def test_markdown_in_the_description_is_kept(self) -> None:
        spec = replace(SPEC, description="- [ ] step *one*\n```\ncode | x\n```")
        assert "\n- [ ] step *one*\n```\ncode | x\n```\n\n" in render_body_block(spec, NUMBERS)

    def test_plan_text_on_single_lines_cannot_break_them(self) -> None:
        spec = replace(
            SPEC,
            estimate="2-3\ndays",
            priority="high -->",
            depends_on=("A*1*",),
            plan_path="plans/[draft] x.md",
            plan_url="https://example.com/a b(1).md",
            task_label="a`b",
        )
        block = render_body_block(spec, {})
        assert "**Estimate:** 2-3 days · **Priority:** high --&gt;\n" in block
        assert "**Depends on:** A\\*1\\* (no issue yet)\n" in block
        assert (
            "**Plan:** [plans/\\[draft\\] x.md](https://example.com/a%20b%281%29.md) "
            "· task ``a`b``\n"
        ) in block

    def test_label_starting_with_a_backtick_gets_padded_fences(self) -> None:
        block = render_body_block(replace(SPEC, task_label="`x"), NUMBERS)
        assert "· task `` `x ``\n" in block

    @pytest.mark.parametrize("marker", ["", "<!-- other -->", task_marker("A") + "\n"])
    def test_marker_that_is_not_one_is_refused(self, marker: str) -> None:
        with pytest.raises(ValueError, match="task_marker"):
            render_body_block(replace(SPEC, marker=marker), NUMBERS)


BLOCK = render_body_block(SPEC, NUMBERS)
OTHER_BLOCK = render_body_block(replace(SPEC, priority="low"), NUMBERS)


class TestManagedBlock:
    def test_found_with_its_markers(self) -> None:
        assert managed_block(f"Intro\n\n{BLOCK}\n\nOutro") == BLOCK

    @pytest.mark.parametrize("body", [None, "", "Just text", f"text {BODY_END}"])
    def test_none_without_a_start_marker(self, body: str | None) -> None:
        assert managed_block(body) is None

    def test_crlf_block_reads_as_the_rendered_one(self) -> None:
        body = "Intro\r\n\r\n" + BLOCK.replace("\n", "\r\n") + "\r\n"
        assert managed_block(body) == BLOCK

    def test_block_without_its_end_runs_to_the_end_of_the_body(self) -> None:
        assert managed_block(f"Intro\n{BODY_START}\nold\ntext") == f"{BODY_START}\nold\ntext"

    def test_an_end_marker_before_the_start_is_not_the_end(self) -> None:
        body = f"{BODY_END}\n{BLOCK}"
        assert managed_block(body) == BLOCK


class TestSplice:
    def test_replaces_the_block_and_keeps_the_outside(self) -> None:
        before, after = "Intro  \r\n\twritten by a person\r\n\r\n", "\r\n\r\nOutro \u2705\r\n"
        body = before + BLOCK.replace("\n", "\r\n") + after
        assert splice(body, OTHER_BLOCK) == before + OTHER_BLOCK + after

    @pytest.mark.parametrize("body", [None, "", "  \n", "\r\n"])
    def test_empty_body_becomes_the_block(self, body: str | None) -> None:
        assert splice(body, BLOCK) == BLOCK

    @pytest.mark.parametrize(
        ("body", "spliced"),
        [
            ("Intro", "Intro\n\n" + BLOCK),
            ("Intro\n", "Intro\n\n" + BLOCK),
            ("Intro\n\n", "Intro\n\n" + BLOCK),
            ("Intro\n\n\n", "Intro\n\n\n" + BLOCK),
            ("Intro  ", "Intro  \n\n" + BLOCK),
            ("Intro\r\nmore", "Intro\r\nmore\r\n\r\n" + BLOCK),
            ("Intro\r\n", "Intro\r\n\r\n" + BLOCK),
        ],
    )
    def test_body_without_a_block_gets_it_after_a_blank_line(self, body: str, spliced: str) -> None:
        assert splice(body, BLOCK) == spliced

    def test_block_without_its_end_is_replaced_to_the_end_of_the_body(self) -> None:
        body = f"Intro\n\n{BODY_START}\nold text, end marker cut"
        assert splice(body, BLOCK) == f"Intro\n\n{BLOCK}"

    def test_splicing_the_found_block_back_changes_nothing(self) -> None:
        body = f"Intro\n\n{BLOCK}\nOutro"
        assert splice(body, BLOCK) == body
        assert splice(splice(body, OTHER_BLOCK), BLOCK) == body

    def test_appended_block_is_found_again(self) -> None:
        assert managed_block(splice("Intro", BLOCK)) == BLOCK

    @pytest.mark.parametrize(
        "block",
        [
            "text",
            BLOCK + "\n",
            BLOCK[: -len(BODY_END)],
            BODY_START + BLOCK,
            f"{BODY_START}\n{BODY_END}\n{BODY_END}",
        ],
    )
    def test_text_that_is_not_one_block_is_refused(self, block: str) -> None:
        with pytest.raises(ValueError, match="not one plansync block"):
            splice("Intro", block)

    @given(
        before=st.text(max_size=40).filter(lambda t: "plansync:body" not in t),
        after=st.text(max_size=40).filter(lambda t: "plansync:body" not in t),
    )
    def test_outside_text_is_kept_byte_for_byte(self, before: str, after: str) -> None:
        body = before + BLOCK + after
        assert splice(body, OTHER_BLOCK) == before + OTHER_BLOCK + after
        assert managed_block(body) == BLOCK

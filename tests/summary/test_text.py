"""Escaping of untrusted text and the small formatting helpers of the summary."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from plansync.summary.data import Effort
from plansync.summary.text import bar, code_span, effort_text, escape_text, hours, link_target

# How GitHub and GitLab read a line: CommonMark with tables and strikethrough.
MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
ZWSP = "\u200b"
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def rendered_text(markdown: str) -> str:
    """The text a reader sees for one line of inline markdown; fails if it made any tag."""
    out = MARKDOWN.renderInline(markdown)
    assert "<" not in out, f"{markdown!r} rendered as markup: {out!r}"
    return html.unescape(out)


def flat(text: str) -> str:
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f]+", " ", text).strip()


class TestEscapeTextHostileInput:
    def test_pipe_is_escaped_for_table_cells(self) -> None:
        assert escape_text("a|b", ascii_only=False) == "a\\|b"

    def test_comment_close_becomes_an_entity(self) -> None:
        assert escape_text("x --> y", ascii_only=False) == "x --&gt; y"

    def test_own_end_marker_cannot_survive(self) -> None:
        out = escape_text("<!-- /plansync:summary -->", ascii_only=False)
        assert out == "&lt;!-- /plansync:summary --&gt;"
        assert "<!--" not in out
        assert "-->" not in out

    def test_line_breaks_become_one_space(self) -> None:
        assert escape_text("a\nb\r\nc", ascii_only=False) == "a b c"
        assert escape_text("  a \t\t b\u2028c\x00d  ", ascii_only=False) == "a b c d"

    def test_html_tags_become_text(self) -> None:
        out = escape_text("<script>alert(1)</script>", ascii_only=False)
        assert out == "&lt;script&gt;alert(1)&lt;/script&gt;"
        assert rendered_text(out) == "<script>alert(1)</script>"

    def test_markdown_marks_are_backslash_escaped(self) -> None:
        out = escape_text("**bold** [link](x) `code` ~~gone~~ snake_case a\\b", ascii_only=False)
        assert out == (
            "\\*\\*bold\\*\\* \\[link\\](x) \\`code\\` \\~\\~gone\\~\\~ snake\\_case a\\\\b"
        )
        assert rendered_text(out) == "**bold** [link](x) `code` ~~gone~~ snake_case a\\b"

    def test_ampersand_becomes_an_entity(self) -> None:
        out = escape_text("R&D &copy;", ascii_only=False)
        assert out == "R&amp;D &amp;copy;"
        assert rendered_text(out) == "R&D &copy;"

    def test_mention_is_broken_by_a_zero_width_space(self) -> None:
        out = escape_text("ask @alice", ascii_only=False)
        assert out == f"ask @{ZWSP}alice"
        assert "@alice" not in out
        assert rendered_text(out).replace(ZWSP, "") == "ask @alice"

    def test_mention_in_ascii_only_text(self) -> None:
        out = escape_text("@alice", ascii_only=True)
        assert out == "@&#x200B;alice"
        assert html.unescape(out) == f"@{ZWSP}alice"

    def test_issue_reference_is_left_alone_other_hashes_escaped(self) -> None:
        assert escape_text("fixes #12", ascii_only=False) == "fixes #12"
        assert escape_text("# Heading", ascii_only=False) == "\\# Heading"
        assert escape_text("C# and #tag", ascii_only=False) == "C\\# and \\#tag"

    def test_leading_list_marker_is_escaped(self) -> None:
        assert escape_text("- [ ] fake task", ascii_only=False) == "\\- \\[ \\] fake task"
        assert escape_text("+ item", ascii_only=False) == "\\+ item"
        assert escape_text("1. first", ascii_only=False) == "1\\. first"
        assert escape_text("2) second", ascii_only=False) == "2\\) second"
        # Not a list marker: left as it is.
        assert escape_text("2024.5 release", ascii_only=False) == "2024.5 release"
        assert escape_text("a - b", ascii_only=False) == "a - b"

    def test_emoji_become_entities_when_ascii_only(self) -> None:
        title = "Launch 🚀 café"
        out = escape_text(title, ascii_only=True)
        assert out.isascii()
        assert out == "Launch &#x1F680; caf&#xE9;"
        assert html.unescape(out) == title
        assert rendered_text(out) == title

    def test_emoji_kept_when_not_ascii_only(self) -> None:
        assert escape_text("Launch 🚀", ascii_only=False) == "Launch 🚀"


class TestEscapeTextLimit:
    def test_long_text_is_cut_with_an_ellipsis(self) -> None:
        out = escape_text("x" * 150, ascii_only=False)
        assert out == "x" * 97 + "..."
        assert len(out) == 100

    def test_text_at_the_limit_is_not_cut(self) -> None:
        assert escape_text("y" * 100, ascii_only=False) == "y" * 100

    def test_cut_happens_before_escaping(self) -> None:
        # Cutting the escaped form could split `&lt;` or leave a lone backslash.
        out = escape_text("<" * 20, ascii_only=False, limit=10)
        assert out == "&lt;" * 7 + "..."

    def test_cut_drops_trailing_space(self) -> None:
        assert escape_text("abcd efgh", ascii_only=False, limit=8) == "abcd..."

    def test_limit_counts_after_flattening(self) -> None:
        assert escape_text("a\n\n\n\nb", ascii_only=False, limit=3) == "a b"


class TestEscapeTextProperties:
    @settings(max_examples=300)
    @given(st.text(max_size=80))
    def test_output_is_one_safe_line_that_renders_as_the_input(self, text: str) -> None:
        out = escape_text(text, ascii_only=False, limit=200)
        assert "\n" not in out
        assert "\r" not in out
        assert "<!--" not in out
        assert "-->" not in out
        assert not UNESCAPED_PIPE.search(out)
        assert rendered_text(out).replace(ZWSP, "") == flat(text)

    @settings(max_examples=300)
    @given(st.text(max_size=80))
    def test_ascii_only_output_is_ascii_and_renders_as_the_input(self, text: str) -> None:
        out = escape_text(text, ascii_only=True, limit=200)
        assert out.isascii()
        assert rendered_text(out).replace(ZWSP, "") == flat(text)

    @given(st.text(max_size=200), st.integers(min_value=4, max_value=120))
    def test_rendered_length_never_passes_the_limit(self, text: str, limit: int) -> None:
        out = escape_text(text, ascii_only=False, limit=limit)
        assert len(rendered_text(out).replace(ZWSP, "")) <= limit


class TestCodeSpan:
    def test_plain_id_goes_in_backticks(self) -> None:
        assert code_span("FIX-006", ascii_only=False) == "`FIX-006`"
        assert code_span("maze-ph6.1.1", ascii_only=False) == "`maze-ph6.1.1`"
        assert code_span("TASK_12", ascii_only=False) == "`TASK_12`"

    @pytest.mark.parametrize(
        "text", ["T`1", "A|B", "X-->", "<b>", "a&b", "@me", "é-1", "-1", "x" * 61]
    )
    def test_anything_else_is_escaped_text(self, text: str) -> None:
        out = code_span(text, ascii_only=True)
        assert out == escape_text(text, ascii_only=True, limit=60)
        assert "`" not in out.replace("\\`", "")


class TestLinkTarget:
    def test_plain_url_is_kept(self) -> None:
        url = "https://github.com/o/r/issues/12"
        assert link_target(url) == url

    def test_characters_that_end_a_link_or_a_cell_are_encoded(self) -> None:
        out = link_target("https://x.test/a b)|<c>-->é")
        assert out == "https://x.test/a%20b%29%7C%3Cc%3E--%3E%C3%A9"

    def test_ampersand_is_an_entity(self) -> None:
        assert link_target("https://x.test/?a=1&b=2") == "https://x.test/?a=1&amp;b=2"

    @pytest.mark.parametrize("url", ["javascript:alert(1)", "", "/relative", "ftp://x"])
    def test_non_http_urls_give_no_link(self, url: str) -> None:
        assert link_target(url) is None


class TestHours:
    @pytest.mark.parametrize(
        ("minutes", "text"),
        [
            (45, "45 min"),
            (1, "1 min"),
            (59, "59 min"),
            (60, "1 h"),
            (61, "1 h"),
            (63, "1.1 h"),  # 1.05 h rounds half up
            (90, "1.5 h"),
            (100, "1.7 h"),
            (2700, "45 h"),
            (0, "0 h"),
            (1_000_000, "16666.7 h"),
            (-90, "-1.5 h"),
        ],
    )
    def test_hours(self, minutes: int, text: str) -> None:
        assert hours(minutes) == text


class TestEffortText:
    @pytest.mark.parametrize(
        ("effort", "text"),
        [
            (Effort(2700, 2700), "45 h"),
            (Effort(2700, 4500), "45-75 h"),
            (Effort(45, 90), "45 min-1.5 h"),
            (Effort(15, 45), "15-45 min"),
            (Effort(0, 30), "0-30 min"),
            (Effort(0, 120), "0-2 h"),
            (Effort(0, 0), "0 h"),
            (Effort(30, 30), "30 min"),
        ],
    )
    def test_effort_text(self, effort: Effort, text: str) -> None:
        assert effort_text(effort) == text


class TestBar:
    @pytest.mark.parametrize(
        ("percent", "unicode", "ascii"),
        [
            (0, "░░░░░░░░░░", "[..........]"),
            (9, "░░░░░░░░░░", "[..........]"),
            (10, "█░░░░░░░░░", "[#.........]"),
            (60, "██████░░░░", "[######....]"),
            (99, "█████████░", "[#########.]"),
            (100, "██████████", "[##########]"),
            (150, "██████████", "[##########]"),
            (-5, "░░░░░░░░░░", "[..........]"),
        ],
    )
    def test_bar(self, percent: int, unicode: str, ascii: str) -> None:
        assert bar(percent, ascii_only=False) == unicode
        assert bar(percent, ascii_only=True) == ascii

    def test_width(self) -> None:
        assert bar(50, ascii_only=True, width=4) == "[##..]"
        assert bar(74, ascii_only=False, width=4) == "██░░"

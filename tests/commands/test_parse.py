"""Reading `/plan` commands out of a comment's markdown."""

from __future__ import annotations

import pytest

from plansync.commands.parse import MAX_COMMANDS, MAX_LINE, Command, parse_commands


def verbs(body: str) -> list[tuple[str, tuple[str, ...]]]:
    return [(c.verb, c.args) for c in parse_commands(body).commands]


class TestWhatIsACommand:
    def test_lines_of_their_own_several_per_comment(self) -> None:
        body = "Thanks!\n/plan done\nand also\n/PLAN Estimate 2h\n\n/Plan help"
        assert verbs(body) == [("done", ()), ("estimate", ("2h",)), ("help", ())]

    def test_the_line_numbers_and_text_are_kept(self) -> None:
        (command,) = parse_commands("hi\r\n\r\n  /plan rename  New title  \r\n").commands
        text = "/plan rename  New title"
        assert command == Command("rename", ("New", "title"), "New title", text, 3)

    @pytest.mark.parametrize(
        "body",
        [
            "```\n/plan done\n```",
            "~~~md\n/plan done\n~~~",
            "text\n\n    /plan done\n",
            "> /plan done",
            "> quoted\n> /plan done\n",
            "<!--\n/plan done\n-->",
            "<details>\n/plan done\n</details>",
            "- /plan done",
            "1. /plan done",
            "Please run /plan done",
            "/planning ahead",
            "`/plan done`",
        ],
    )
    def test_not_a_command(self, body: str) -> None:
        assert parse_commands(body).commands == ()

    def test_a_bare_prefix_has_no_verb(self) -> None:
        assert verbs("/plan") == [("", ())]


class TestArguments:
    def test_double_quotes_keep_words_together(self) -> None:
        assert verbs('/plan milestone "Week 2: Integration"') == [
            ("milestone", ("Week 2: Integration",))
        ]
        assert verbs('/plan add "Write the \'docs\'" in "Phase 3" estimate 2h') == [
            ("add", ("Write the 'docs'", "in", "Phase 3", "estimate", "2h"))
        ]

    def test_the_rest_of_the_line_is_kept_as_written(self) -> None:
        (command,) = parse_commands("/plan rename Ship  the ✨ importer → v2").commands
        assert command.rest == "Ship  the ✨ importer → v2"
        assert command.args == ("Ship", "the", "✨", "importer", "→", "v2")

    def test_an_unclosed_quote_is_a_word(self) -> None:
        assert verbs('/plan move "Phase 3') == [("move", ('"Phase', "3"))]


class TestHostileComments:
    def test_at_most_a_limit_of_commands_the_rest_counted(self) -> None:
        parsed = parse_commands("\n".join(["/plan done"] * 1000))
        assert len(parsed.commands) == MAX_COMMANDS
        assert parsed.dropped == 1000 - MAX_COMMANDS

    def test_ten_thousand_lines_without_a_command(self) -> None:
        assert parse_commands("just text\n" * 10_000).commands == ()

    def test_a_very_long_line_is_cut(self) -> None:
        (command,) = parse_commands("/plan rename " + "x" * 50_000).commands
        assert len(command.text) <= MAX_LINE

    def test_markers_in_arguments_stay_text(self) -> None:
        (command,) = parse_commands("/plan rename <!-- /plansync:summary --> | x").commands
        assert command.rest == "<!-- /plansync:summary --> | x"

"""The `/plan` commands of one comment, read from its markdown.

A command is a line of its own, in a paragraph of the comment's top level, that starts with
`/plan` (any case). Lines in code (fenced or indented), HTML blocks and comments, block quotes
and list items are not commands, so quoting a command in a reply (`> /plan done`) never runs it
again. Arguments are split at whitespace; double quotes keep words together
(`/plan milestone "Week 2: Integration"`), as GitLab's quick actions do. Comment text is
untrusted: a comment yields at most `MAX_COMMANDS` commands, and each line is read only up to
`MAX_LINE` characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt

PREFIX = "/plan"
MAX_COMMANDS = 20
MAX_LINE = 1000

# Blocks only: the parser is asked where paragraphs are, never to render them.
_MARKDOWN = MarkdownIt("commonmark").disable(["inline", "text_join"])
_COMMAND = re.compile(r"^ {0,3}/plan(?:\s+(.*))?$", re.IGNORECASE)
_ARGUMENT = re.compile(r'"([^"]*)"|(\S+)')


@dataclass(frozen=True)
class Command:
    """One command as typed: `verb` in lower case ("" for a bare `/plan`), its arguments, the
    rest of the line after the verb as written (for titles), and its 1-based line."""

    verb: str
    args: tuple[str, ...]
    rest: str
    text: str
    line: int


@dataclass(frozen=True)
class ParsedComment:
    commands: tuple[Command, ...]
    dropped: int = 0  # commands past MAX_COMMANDS, not run


def parse_commands(body: str) -> ParsedComment:
    """Every command of a comment, in order."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    found: list[Command] = []
    dropped = 0
    for start, end in _top_level_paragraphs(text):
        for number in range(start, end):
            command = _command(lines[number], number + 1)
            if command is None:
                continue
            if len(found) < MAX_COMMANDS:
                found.append(command)
            else:
                dropped += 1
    return ParsedComment(tuple(found), dropped)


def _top_level_paragraphs(text: str) -> list[tuple[int, int]]:
    """0-based [start, end) line ranges of the paragraphs outside quotes and lists."""
    if "/plan" not in text.lower():
        return []  # most comments: no markdown parse at all
    ranges = []
    for token in _MARKDOWN.parse(text):
        if token.type == "paragraph_open" and token.level == 0 and token.map is not None:
            ranges.append((token.map[0], token.map[1]))
    return ranges


def _command(line: str, number: int) -> Command | None:
    match = _COMMAND.match(line[:MAX_LINE].rstrip())
    if match is None:
        return None
    verb, _, after = (match.group(1) or "").strip().partition(" ")
    arguments = tuple(
        match.group(1) if match.group(1) is not None else match.group(2)
        for match in _ARGUMENT.finditer(after)
    )
    return Command(verb.lower(), arguments, after.strip(), line[:MAX_LINE].strip(), number)

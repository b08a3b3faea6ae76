"""Untrusted text (issue titles, references) made safe for the line it is written on.

`escape_inline` keeps text on one line and out of HTML comments; `escape_cell` also keeps it in
its table cell. A title pulled from a tracker gets `escape_title`, which escapes what the place
it lands in would read as more than text, and nothing else (a title written as typed is one the
next sync finds on its line again):

- `<` before a letter, `/`, `!` or `?` is written `&lt;` (no HTML tag, comment or autolink), and
  a trailing backslash is doubled (it would be a hard break);
- a token the reader would take for a task ID (`ZZ-999 ...`, `T12: ...`, `Week 4: SEC-1 (...)`:
  at the start, or after a leading `Label: `) has its first character written as a character
  reference (`&#90;Z-999`), which renders as itself but which the reader never reads as an ID
  (see `items.id_text`): a title from a tracker never gives a task an ID;
- in a table cell, `|` is written `\\|`, and a space follows a trailing backslash (which would
  escape the cell's closing pipe); elsewhere `|` is, when the next line is shaped like a
  table's delimiter row (the line could become a table's header);
- at the start of a line's text (after a list marker, no checkbox), a block marker (`#`, `>`,
  `-`, `+`, `*`, `1.`, `1)`, a fence, a thematic break, `[ ]`, `[x]: ...`) gets a backslash.

The reader reads such a title back as `pulled_title_text`.
"""

from __future__ import annotations

import re
import unicodedata

from plansync.planfile.edit_table import unescaped_pipe_free
from plansync.planfile.ids import IdMatcher
from plansync.planfile.inline import clean_title, plain
from plansync.planfile.rules import ReaderRules, compile_rules

_NEWLINES = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
# Either of the above: most text holds neither, and is left as it is.
_UNSAFE = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029\x00-\x08\x0e-\x1b\x7f]")
_SPACE_RUN = re.compile(r"[ \t]+")
# `<` that may open raw HTML or an autolink.
_HTML_OPENING = re.compile(r"<(?=[A-Za-z/!?])")

# What opens a block at the start of a line's text: a heading, a list marker, a block quote, a
# fence, a task checkbox, a link reference definition (`[x]: /url`).
_BLOCK_MARKER = re.compile(
    r"#{1,6}(?=[ \t]|$)|[-+*](?=[ \t]|$)|>|`{3,}|~{3,}|\[[ xX]\](?=[ \t]|$)|\[[^\]]*\]:"
)
_ORDERED_MARKER = re.compile(r"\d{1,9}(?=[.)](?:[ \t]|$))")
# A line of three or more `-`, `*` or `_` (spaces between) is a thematic break.
_THEMATIC_BREAK = re.compile(r"(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}")
# Marks that may wrap an ID the reader still reads as one (`**OPS-1**`, `` `app-1.2` ``,
# `[OPS-1](url)`).
_MARKS = "*_~`["
# Before an ID, the reader skips emoji and other symbols (see `inline.strip_decoration`).
_SYMBOLS = frozenset({"So", "Sk", "Mn", "Me", "Cf", "Co", "Cs"})
# A leading `Label: ` makes the ID after it a title-shaped mention (`Week 4: SEC-1 (Title)`).
_LABEL = re.compile(r"[^:]{1,40}:[ \t]+")
_DEFAULT_IDS = IdMatcher(compile_rules(ReaderRules()))


def escape_inline(text: str) -> str:
    """Text made safe for one markdown line: no line breaks, controls or HTML comment marks.

    Line breaks and control characters become spaces; `<!--` and `-->` become `&lt;!--` and
    `--&gt;`, which render the same but cannot open or close a comment (plansync's markers are
    comments).
    """
    flat = _CONTROLS.sub(" ", _NEWLINES.sub(" ", text)) if _UNSAFE.search(text) else text
    if "<!--" in flat or "-->" in flat:
        return flat.replace("<!--", "&lt;!--").replace("-->", "--&gt;")
    return flat


def escape_cell(text: str) -> str:
    """Text made safe for one table cell: `escape_inline`, and `|` written as `\\|`."""
    return unescaped_pipe_free(escape_inline(text))


def escape_title(
    text: str,
    *,
    in_cell: bool,
    own_id: str | None = None,
    ids: IdMatcher | None = None,
    line_start: bool = False,
    pipes: bool = False,
) -> str:
    """A title from a tracker made safe where it lands: one line, trimmed, spaces collapsed,
    and escaped as the module's docstring says. `in_cell`: in a table cell. `own_id`: the ID
    of the task the title is for, which it may name as itself. `ids`: the IDs the reader
    recognises (its rules' `extra_id_patterns` included). `line_start`: the title starts the
    line's text (after a list marker at most). `pipes`: escape `|` outside a cell too."""
    flat = _SPACE_RUN.sub(" ", escape_inline(text)).strip()
    if "<" in flat:
        flat = _HTML_OPENING.sub("&lt;", flat)
    backslashes = len(flat) - len(flat.rstrip("\\"))
    if backslashes % 2:
        flat += "\\"
    if in_cell or pipes:
        flat = unescaped_pipe_free(flat)
    if in_cell:
        # A backslash right before the cell's closing pipe would escape it.
        flat += " " if backslashes else ""
    elif line_start:
        flat = _without_block_marker(flat)
    return _without_ids(flat, own_id, ids or _DEFAULT_IDS)


def pulled_title_text(text: str) -> str:
    """The plain text the reader reads from a tracker's title once `escape_title` wrote it into
    a planfile (without markup, and without emoji at either end, as every title is read): how
    titles from the tracker compare with the plan's."""
    return clean_title(escape_title(text, in_cell=False))


def _without_block_marker(text: str) -> str:
    if _THEMATIC_BREAK.fullmatch(text) or _BLOCK_MARKER.match(text):
        return "\\" + text
    ordered = _ORDERED_MARKER.match(text)
    if ordered is not None:
        return text[: ordered.end()] + "\\" + text[ordered.end() :]
    return text


def _without_ids(text: str, own_id: str | None, ids: IdMatcher) -> str:
    """The text with the ID the reader would find at its start, or right after a leading
    `Label: ` (a mention there defines a task), begun with a character reference (unless it
    is `own_id`)."""
    label = _LABEL.match(text)
    if label is not None:
        text = text[: label.end()] + _id_escaped(text[label.end() :], own_id, ids, lead=False)
    return _id_escaped(text, own_id, ids, lead=True)


def _id_escaped(text: str, own_id: str | None, ids: IdMatcher, *, lead: bool) -> str:
    at = 0
    while at < len(text) and (
        text[at].isspace() or text[at] in _MARKS or unicodedata.category(text[at]) in _SYMBOLS
    ):
        at += 1
    if at == len(text) or not text[at].isalnum():
        return text
    rest = plain(text[at:])
    marked = any(mark in text[:at] for mark in "*_`")
    found = ids.leading(rest, marked=marked) if lead else ids.at_start(rest, numbered=marked)
    if found is None or found.start != 0 or found.id == own_id:
        return text
    # Inside a code span a character reference is not decoded: take the backticks out instead.
    if "`" in text[:at]:
        return text[:at].replace("`", "&#96;") + text[at:]
    return text[:at] + f"&#{ord(text[at])};" + text[at + 1 :]

"""YAML front matter (`---` ... `---` at the top of a file): metadata, never tasks.

Planning tools (ccpm, Backlog.md) keep a task's status, owner and dependencies there. Only the
simple shapes those tools write are read, every value as text: `key: value`, `key: [a, b]`
and a `key:` followed by `- item` lines. Values are never turned into dates, numbers or
booleans, so nothing is reinterpreted. The lines are blanked before markdown is parsed (a
closing `---` under `status: done` would otherwise make a setext heading of it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plansync.planfile.lines import split_text_lines

_FENCE = re.compile(r"^---[ \t]*$")
_KEY = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*$")
_ITEM = re.compile(r"^[ \t]+-[ \t]+(?P<value>.*?)[ \t]*$")
_MAX_LINES = 200  # front matter is short; a lone `---` far down is a rule, not its end


@dataclass(frozen=True)
class FrontMatter:
    """The fields of a file's front matter and where it lies (1-based, both fences included)."""

    fields: dict[str, str | tuple[str, ...]]
    first_line: int
    last_line: int
    lines: dict[str, int]  # key -> the line it is written on

    def text(self, key: str) -> str | None:
        value = self.fields.get(key)
        if isinstance(value, tuple):
            return ", ".join(value) or None
        return value or None

    def items(self, key: str) -> tuple[str, ...]:
        value = self.fields.get(key)
        if value is None:
            return ()
        if isinstance(value, tuple):
            return value
        return tuple(v for v in (_unquote(p) for p in value.split(",")) if v)


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _value(raw: str) -> str | tuple[str, ...]:
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        return tuple(v for v in (_unquote(p) for p in raw[1:-1].split(",")) if v)
    return _unquote(raw)


def read_front_matter(lines: list[str]) -> FrontMatter | None:
    """The front matter opening on the file's first line, or None."""
    if not lines or not _FENCE.match(lines[0].lstrip("\ufeff")):
        return None
    fields: dict[str, str | tuple[str, ...]] = {}
    where: dict[str, int] = {}
    key: str | None = None
    for index in range(1, min(len(lines), _MAX_LINES)):
        line = lines[index]
        if _FENCE.match(line):
            return FrontMatter(fields, 1, index + 1, where)
        item = _ITEM.match(line)
        if item is not None and key is not None:
            previous = fields.get(key)
            listed = previous if isinstance(previous, tuple) else ()
            fields[key] = (*listed, _unquote(item["value"]))
            continue
        found = _KEY.match(line)
        if found is not None:
            key = found["key"].lower()
            fields[key] = _value(found["value"] or "")
            where[key] = index + 1
        elif line.strip() and not line.startswith((" ", "\t", "#")):
            return None  # not YAML of the shape tools write: a rule and prose, not metadata
    return None


def blank_front_matter(text: str, front: FrontMatter | None) -> str:
    """The text with the front matter's lines emptied (line numbers stay as they are)."""
    if front is None:
        return text
    lines = split_text_lines(text)
    for index in range(front.first_line - 1, front.last_line):
        body = lines[index].rstrip("\r\n")
        lines[index] = lines[index][len(body) :]  # the line ending only
    return "".join(lines)

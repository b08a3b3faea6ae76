"""The inline spans `inline.plain` takes apart (HTML comments, images, links, autolinks and
emphasis), found in one pass over the text.

Each function matches exactly what a regular expression would (written next to it), but a
pattern such as `\\*(.+?)\\*` rescans the rest of the line from every opening mark, which takes
seconds on a hostile line of a few thousand unclosed marks. Here every search resumes where the
last one stopped.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable


def _word(char: str) -> bool:
    """What `\\w` matches in a `str` pattern."""
    return char.isalnum() or char == "_"


def without_comments(text: str) -> str:
    """`re.sub(r"<!--.*?-->", "", text, flags=re.DOTALL)`."""
    pieces: list[str] = []
    position = 0
    while (start := text.find("<!--", position)) >= 0:
        end = text.find("-->", start + 4)
        if end < 0:
            break  # no comment closes after this one, nor after any later opening
        pieces.append(text[position:start])
        position = end + 3
    pieces.append(text[position:])
    return "".join(pieces)


class _Next:
    """The next index of `needle` at or after a position, asked for positions that never go
    down: each search resumes where the last one ended."""

    def __init__(self, text: str, needle: str) -> None:
        self.text = text
        self.needle = needle
        self.found = -2  # not searched yet; -1: none after the last position asked

    def at_or_after(self, position: int) -> int:
        if self.found == -1 or self.found >= position:
            return self.found
        self.found = self.text.find(self.needle, position)
        return self.found


def _link_matches(text: str, image: bool) -> list[tuple[int, int, int, int]]:
    """`(start, text start, text end, end)` of each link (or image) in the text."""
    opening = "![" if image else "["
    closing_bracket = _Next(text, "]")
    reference_end = _Next(text, "]")
    closing_paren = _Next(text, ")")
    found: list[tuple[int, int, int, int]] = []
    search = 0
    while (start := text.find(opening, search)) >= 0:
        search = start + 1
        inner = start + len(opening)
        end = closing_bracket.at_or_after(inner)
        if end < 0:
            break  # no `]` after this opening, nor after any later one
        if end == inner and not image:
            continue  # `[]`: a link needs text
        after = text[end + 1 : end + 2]
        if after == "(":
            last = closing_paren.at_or_after(end + 2)
        elif after == "[" and not image:
            last = reference_end.at_or_after(end + 2)
        else:
            last = -1
        if last < 0:
            continue
        found.append((start, inner, end, last + 1))
        search = last + 1
    return found


def unwrap_links(text: str, image: bool) -> str:
    r"""Links `[text](target)` / `[text][ref]`, or images `![alt](src)`, replaced by their text:
    `re.sub(r"\[([^\]]+)\](?:\([^)]*\)|\[[^\]]*\])", r"\1", text)` and
    `re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", text)`."""
    pieces: list[str] = []
    position = 0
    for start, inner, end, last in _link_matches(text, image):
        pieces.append(text[position:start])
        pieces.append(text[inner:end])
        position = last
    pieces.append(text[position:])
    return "".join(pieces)


def link_targets(text: str) -> list[tuple[int, int]]:
    """The spans of the text that are link or image targets (`](target)`, `][ref]`): markup
    the reader drops, so no title is ever found there."""
    return sorted(
        (end, last) for image in (True, False) for _, _, end, last in _link_matches(text, image)
    )


_SCHEMES = ("<http:", "<https:", "<mailto:")


def unwrap_autolinks(text: str) -> str:
    """`re.sub(r"<((?:https?|mailto):[^>\\s]+)>", r"\\1", text)`."""
    pieces: list[str] = []
    position = search = 0
    stop = -1  # the first `>` or whitespace at or after the last content start
    while (start := text.find("<", search)) >= 0:
        search = start + 1
        scheme = next((s for s in _SCHEMES if text.startswith(s, start)), None)
        if scheme is None:
            continue
        content = start + len(scheme)
        if stop < content:
            stop = content
            while stop < len(text) and text[stop] != ">" and not text[stop].isspace():
                stop += 1
        if stop == content or stop == len(text) or text[stop] != ">":
            continue
        pieces.append(text[position:start])
        pieces.append(text[start + 1 : stop])
        position = search = stop + 1
    pieces.append(text[position:])
    return "".join(pieces)


Check = Callable[[str, int], bool]


def unwrap_emphasis(text: str, mark: str, opens: Check, closes: Check) -> str:
    """Every `mark`...`mark` span (at least one character inside, on one line) replaced by its
    inside, where `opens(text, i)` / `closes(text, j)` say whether the mark at `i` / `j` may
    open / close one: `re.sub(rf"{open}{mark}(.+?){close}{mark}", r"\\1", text)` for lookaround
    conditions `open` and `close` on the characters around each mark."""
    size = len(mark)
    closers = [j for j in _positions(text, mark) if closes(text, j)]
    newline = _Next(text, "\n")
    pieces: list[str] = []
    position = 0
    search = 0
    while (start := text.find(mark, search)) >= 0:
        search = start + 1
        if not opens(text, start):
            continue
        index = bisect_left(closers, start + size + 1)
        if index == len(closers):
            break  # no mark after this one can close
        end = closers[index]
        line_end = newline.at_or_after(start + size)
        if 0 <= line_end < end:
            continue
        pieces.append(text[position:start])
        pieces.append(text[start + size : end])
        position = search = end + size
    pieces.append(text[position:])
    return "".join(pieces)


def _positions(text: str, mark: str) -> list[int]:
    found: list[int] = []
    at = text.find(mark)
    while at >= 0:
        found.append(at)
        at = text.find(mark, at + 1)
    return found


def _before(text: str, index: int) -> str:
    return text[index - 1] if index > 0 else ""


def _after(text: str, index: int) -> str:
    return text[index] if index < len(text) else ""


def star_opens(text: str, i: int) -> bool:
    """`(?<![\\w*\\\\])\\*(?=[^\\s*])`"""
    before, after = _before(text, i), _after(text, i + 1)
    return not (before and (_word(before) or before in "*\\")) and bool(
        after and not after.isspace() and after != "*"
    )


def star_closes(text: str, j: int) -> bool:
    """`(?<=[^\\s*\\\\])\\*(?![\\w*])`"""
    before, after = _before(text, j), _after(text, j + 1)
    return bool(before and not before.isspace() and before not in "*\\") and not (
        after and (_word(after) or after == "*")
    )


def underscore_opens(text: str, i: int) -> bool:
    """`(?<![\\w_\\\\])_(?=\\S)`"""
    before, after = _before(text, i), _after(text, i + 1)
    return not (before and (_word(before) or before == "\\")) and bool(
        after and not after.isspace()
    )


def underscore_closes(text: str, j: int) -> bool:
    """`(?<=\\S)_(?![\\w_])`"""
    before, after = _before(text, j), _after(text, j + 1)
    return bool(before and not before.isspace()) and not (after and _word(after))


def double_underscore_opens(text: str, i: int) -> bool:
    """`(?<![\\w_])__(?=\\S)`"""
    before, after = _before(text, i), _after(text, i + 2)
    return not (before and _word(before)) and bool(after and not after.isspace())


def double_underscore_closes(text: str, j: int) -> bool:
    """`(?<=\\S)__(?![\\w_])`"""
    before, after = _before(text, j), _after(text, j + 2)
    return bool(before and not before.isspace()) and not (after and _word(after))

"""plansync's own block in a planfile: the lines between its whole-line markers (the summary
block), found and replaced byte-exactly.

Every line outside the markers stays as it was. The block's lines get the file's dominant line
ending and, in a mojibake file, the file's way of storing text (see `decode`).
"""

from __future__ import annotations

import re

from plansync.planfile.decode import as_stored, storage_of
from plansync.planfile.lines import dominant_ending, split_ending, split_lines, strip_bom
from plansync.planfile.structure import in_code


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def marker_lines(raw: bytes, begin: str, end: str) -> tuple[list[int], list[int]]:
    """The 1-based numbers of the lines that are the marker `begin`, and of those that are
    `end` (the BOM belongs to no line)."""
    begins, ends = _marker_indexes(split_lines(strip_bom(raw)[1]), begin, end)
    return [i + 1 for i in begins], [i + 1 for i in ends]


def _marker_indexes(lines: list[bytes], begin: str, end: str) -> tuple[list[int], list[int]]:
    # Spaces next to the comment's delimiters do not matter (`<!--plansync:summary-->`), as
    # for the reader, which skips such a block: else a re-spaced block would get a second one.
    # A marker in a code block is an example of one, text like any other, as for the reader.
    found: dict[str, list[int]] = {_marker_form(begin): [], _marker_form(end): []}
    # Only the lines up to the last comment are decoded: whether a marker is in a code block
    # depends on the lines before it alone.
    comments = [index for index, line in enumerate(lines) if b"<!--" in line]
    head = lines[: comments[-1] + 1] if comments else []
    texts = [split_ending(line)[0].decode("utf-8", "replace") for line in head]
    for index in comments:
        form = _marker_form(texts[index])
        if form in found:
            found[form].append(index)
    begins, ends = found[_marker_form(begin)], found[_marker_form(end)]
    code = in_code(texts, [i + 1 for i in begins + ends])
    return [i for i in begins if i + 1 not in code], [i for i in ends if i + 1 not in code]


_COMMENT = re.compile(r"^<!--\s*(.*?)\s*-->$")


def _marker_form(line: str) -> str:
    stripped = line.strip()
    return _COMMENT.sub(r"<!--\1-->", stripped)


def replace_between_markers(
    raw: bytes, begin: str, end: str, content: str, insert_after_line: int | None
) -> bytes:
    """Put `content` between the whole-line markers `begin` and `end`.

    If the markers are absent, `begin`, the content and `end` are inserted after line
    `insert_after_line` (0: at the top, after a BOM); with `insert_after_line=None` absent
    markers are an error. The content's lines get the file's dominant line ending and, in a
    mojibake file, the file's way of storing text. Content that contains either marker, and a
    damaged block (one marker without the other, or a marker twice), raise ValueError.
    """
    begin, end = begin.strip(), end.strip()
    if not begin or not end or begin == end:
        raise ValueError("The begin and end markers must be two different, non-empty lines.")
    squeezed = _squeezed(content)
    for marker in (begin, end):
        if _squeezed(marker) in squeezed:
            raise ValueError(
                f"The text to write between plansync's markers contains the marker {marker!r}; "
                "it was refused so the block cannot be closed early or opened twice."
            )
    bom, body = strip_bom(raw)
    lines = split_lines(body)
    eol = dominant_ending(body)
    mojibake = storage_of(raw).of_new_lines
    block = [
        as_stored(text, mojibake).encode("utf-8") + eol for text in re.split(r"\r\n|\r|\n", content)
    ]
    if block and block[-1] == eol:
        block.pop()  # content ending with a newline: that newline ends the last line

    begins, ends = _marker_indexes(lines, begin, end)

    if not begins and not ends:
        if insert_after_line is None:
            raise ValueError(f"The planfile has no {begin!r} marker to write between.")
        return _insert_block(bom, lines, begin, end, block, eol, insert_after_line)
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        numbers = ", ".join(str(i + 1) for i in sorted(begins + ends))
        raise ValueError(
            f"plansync's block {begin!r} ... {end!r} is damaged in the planfile (marker lines: "
            f"{numbers}): each marker must appear once, begin before end. Fix or remove the "
            "markers by hand; plansync will not guess where its block ends."
        )
    start, stop = begins[0] + 1, ends[0]
    if lines[start:stop] == block:
        return raw
    return bom + b"".join([*lines[:start], *block, *lines[stop:]])


def _insert_block(
    bom: bytes, lines: list[bytes], begin: str, end: str, block: list[bytes], eol: bytes, after: int
) -> bytes:
    if not 0 <= after <= len(lines):
        raise ValueError(
            f"Cannot insert plansync's block after line {after}: the planfile has "
            f"{len(lines)} lines."
        )
    head = list(lines[:after])
    if head and not split_ending(head[-1])[1]:
        head[-1] += eol  # the last line had no ending; the block must start on its own line
    new_lines = [
        *head,
        begin.encode("utf-8") + eol,
        *block,
        end.encode("utf-8") + eol,
        *lines[after:],
    ]
    return bom + b"".join(new_lines)

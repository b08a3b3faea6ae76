"""plansync's progress line in a tracker milestone's description. Pure functions, no I/O.

The line sits between `PROGRESS_BEGIN` and `PROGRESS_END`, each marker on its own line; the
rest of the description belongs to the people who wrote it and is kept as it is.
"""

from __future__ import annotations

import re

from plansync.planfile.lines import split_text_lines

__all__ = [
    "PROGRESS_BEGIN",
    "PROGRESS_END",
    "progress_texts",
    "same_description",
    "with_progress",
]

PROGRESS_BEGIN = "<!-- plansync:progress -->"
PROGRESS_END = "<!-- /plansync:progress -->"

# Marker lines as a person or a tracker may have respaced them.
_BEGIN_LINE = re.compile(r"[ \t]*<!--[ \t]*plansync:progress[ \t]*-->[ \t]*")
_END_LINE = re.compile(r"[ \t]*<!--[ \t]*/plansync:progress[ \t]*-->[ \t]*")
_ANY_MARKER = re.compile(r"<!--\s*/?plansync:progress\s*-->")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


def _ending_of(description: str) -> str:
    """`\\r\\n` when most of the description's lines end that way (trackers sometimes store
    CRLF), else `\\n`."""
    crlf = description.count("\r\n")
    return "\r\n" if crlf and crlf >= description.count("\n") - crlf else "\n"


def _body(line: str) -> str:
    return line.rstrip("\r\n")


def _markers(lines: list[str]) -> tuple[list[int], list[int]]:
    begins = [i for i, line in enumerate(lines) if _BEGIN_LINE.fullmatch(_body(line))]
    ends = [i for i, line in enumerate(lines) if _END_LINE.fullmatch(_body(line))]
    return begins, ends


def _without_blocks(lines: list[str], begins: list[int], ends: list[int]) -> list[str]:
    """The lines without any progress marker, nor the lines between a begin and the next end.

    Used on a damaged pair: a milestone description is not a sacred file, and plansync's own
    lines in it can be dropped and written again rather than refused like a damaged planfile.
    """
    dropped = set(begins) | set(ends)
    for begin in begins:
        end = next((e for e in ends if e > begin), None)
        if end is not None:
            dropped.update(range(begin, end + 1))
    return [line for index, line in enumerate(lines) if index not in dropped]


def progress_texts(description: str) -> list[str]:
    """The text `with_progress` writes over: what lies between the one pair of markers, or,
    for a damaged pair, what each begin marker encloses up to the next end (markers left
    out); none without markers."""
    lines = split_text_lines(description)
    begins, ends = _markers(lines)
    if len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0]:
        return ["".join(lines[begins[0] + 1 : ends[0]])]
    markers = set(begins) | set(ends)
    texts: list[str] = []
    for begin in begins:
        end = next((e for e in ends if e > begin), None)
        if end is not None:
            inside = range(begin + 1, end)
            texts.append("".join(lines[i] for i in inside if i not in markers))
    return texts


def with_progress(description: str, line: str) -> str:
    """`description` with `line` between plansync's progress markers.

    Where the markers are, what lies between them is replaced and everything else kept. Where
    they are not, the block is appended after the text, one blank line apart (an empty
    description becomes the block alone). A damaged pair (one marker, or a marker twice) is
    removed with what it encloses, then a fresh block is appended. CRLF stays CRLF. Raises
    ValueError when `line` holds a progress marker.
    """
    if _ANY_MARKER.search(line):
        raise ValueError(
            f"The milestone progress line {line!r} contains a plansync progress marker; it "
            "was refused so the block in the milestone description cannot be closed early."
        )
    eol = _ending_of(description)
    pieces = _LINE_BREAKS.split(line.strip("\r\n"))
    content = eol.join(pieces)
    lines = split_text_lines(description)
    begins, ends = _markers(lines)
    if len(begins) == 1 and len(ends) == 1 and begins[0] < ends[0]:
        begin, end = begins[0], ends[0]
        # The begin marker's own ending, which the block keeps: in a description of mixed
        # endings the dominant one could change with the new lines, and the next run with it.
        own = lines[begin][len(_body(lines[begin])) :]
        inside = own.join(pieces) + own
        return "".join([*lines[: begin + 1], inside, *lines[end:]])
    if begins or ends:
        lines = _without_blocks(lines, begins, ends)
    text = "".join(lines).rstrip()
    block = eol.join((PROGRESS_BEGIN, content, PROGRESS_END))
    return f"{text}{eol}{eol}{block}" if text else block


def _normalised(text: str) -> str:
    lines = _LINE_BREAKS.split(text)
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def same_description(a: str, b: str) -> bool:
    """Whether two descriptions are the same text once line endings are `\\n` and trailing
    whitespace is gone from each line and blank lines from both ends.

    Trackers may normalise what they store; plansync must not update a description again and
    again over such a difference.
    """
    return _normalised(a) == _normalised(b)

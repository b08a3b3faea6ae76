"""Byte-exact edits that add or move whole lines: a new task's line inserted after a line, a
task's lines (with their nested lines) moved after another line. Every line keeps its bytes and
its ending; a line that gains a successor and had no ending (the file's last) gets the file's
dominant one, as does a new line.
"""

from __future__ import annotations

from plansync.planfile.lines import dominant_ending, split_ending, split_lines, strip_bom

__all__ = ["insert_line", "move_lines"]


def _split(raw: bytes) -> tuple[bytes, list[bytes], bytes]:
    bom, body = strip_bom(raw)
    return bom, split_lines(body), dominant_ending(body) or b"\n"


def _ended(line: bytes, ending: bytes) -> bytes:
    return line if split_ending(line)[1] else line + ending


def insert_line(raw: bytes, after: int, text: str) -> bytes:
    """`text` as a new line after line `after` (1-based; 0: at the top)."""
    bom, lines, ending = _split(raw)
    if not 0 <= after <= len(lines):
        raise ValueError(f"Line {after} is outside the planfile; read it again before editing.")
    if "\n" in text or "\r" in text:
        raise ValueError("A new line must be one line.")
    new = text.encode("utf-8") + ending
    if after == len(lines) and lines and not raw.endswith((b"\n", b"\r")):
        new = ending + text.encode("utf-8")  # the file ends without an ending: so it does
        lines.insert(after, new)
        return bom + b"".join(lines)
    if after:
        lines[after - 1] = _ended(lines[after - 1], ending)
    lines.insert(after, new)
    return bom + b"".join(lines)


def move_lines(raw: bytes, first: int, last: int, after: int) -> bytes:
    """Lines `first`..`last` moved to follow line `after` (outside that range)."""
    bom, lines, ending = _split(raw)
    if not 1 <= first <= last <= len(lines) or not 1 <= after <= len(lines):
        raise ValueError("The lines to move are outside the planfile; read it again.")
    if first <= after <= last:
        raise ValueError("A task cannot be moved inside itself.")
    block = [_ended(line, ending) for line in lines[first - 1 : last]]
    rest = lines[: first - 1] + lines[last:]
    at = after - (last - first + 1) if after > last else after
    rest[at - 1] = _ended(rest[at - 1], ending)
    if at == len(rest) and not raw.endswith((b"\n", b"\r")):
        block[-1] = split_ending(block[-1])[0]  # the file ended without an ending: so it does
    return bom + b"".join(rest[:at] + block + rest[at:])

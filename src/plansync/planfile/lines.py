"""Line splitting that keeps every byte: the shared ground of the decoder and the editor.

Only `\\r\\n`, `\\n` and a lone `\\r` end a line, as in markdown. `str.splitlines` is not used
because it also splits on form feeds, U+2028 and friends, which would shift line numbers.
"""

from __future__ import annotations

import re

UTF8_BOM = b"\xef\xbb\xbf"

_BYTE_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
_TEXT_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def split_lines(data: bytes) -> list[bytes]:
    """Split into lines that keep their endings; `b"".join(result) == data` always holds."""
    return _BYTE_LINE.findall(data)


def split_text_lines(text: str) -> list[str]:
    """The `str` twin of `split_lines`: same separators, endings kept."""
    return _TEXT_LINE.findall(text)


def split_ending(line: bytes) -> tuple[bytes, bytes]:
    """`b"abc\\r\\n"` -> `(b"abc", b"\\r\\n")`; a last line without an ending gets `b""`."""
    if line.endswith(b"\r\n"):
        return line[:-2], b"\r\n"
    if line.endswith((b"\n", b"\r")):
        return line[:-1], line[-1:]
    return line, b""


def strip_bom(raw: bytes) -> tuple[bytes, bytes]:
    """`(bom, rest)`: the UTF-8 byte order mark (or `b""`) and the bytes after it."""
    if raw.startswith(UTF8_BOM):
        return UTF8_BOM, raw[len(UTF8_BOM) :]
    return b"", raw


def _ending_counts(data: bytes) -> dict[bytes, int]:
    """How many lines end with each ending. Counted in C, not line by line: every `\r\n` is
    one ending, and the other `\r` and `\n` are one each, as `split_lines` reads them."""
    crlf = data.count(b"\r\n")
    return {b"\n": data.count(b"\n") - crlf, b"\r\n": crlf, b"\r": data.count(b"\r") - crlf}


_STYLE_NAMES = {b"\n": "LF", b"\r\n": "CRLF", b"\r": "CR"}


def newline_style(data: bytes) -> str:
    """`LF`, `CRLF`, `CR`, `mixed` (more than one kind) or `none` (a single unterminated line)."""
    used = [ending for ending, count in _ending_counts(data).items() if count]
    if not used:
        return "none"
    if len(used) > 1:
        return "mixed"
    return _STYLE_NAMES[used[0]]


def dominant_ending(data: bytes) -> bytes:
    """The line ending used most often; LF for a file without any (and on ties, LF then CRLF)."""
    counts = _ending_counts(data)
    best = max(counts.values())
    if best == 0:
        return b"\n"
    return next(ending for ending, count in counts.items() if count == best)

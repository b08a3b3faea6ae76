"""Planfile bytes -> clean text, with the encoding facts the reader reports.

A planfile is UTF-8. Some were damaged once: their UTF-8 bytes were read as cp1252 or MacRoman
and the result saved again as UTF-8, so `✅` became `âœ…` or `‚úÖ` (mojibake). Such a file is
still valid UTF-8; it is repaired here for parsing with one whole-file reverse decode
(`text.encode(code_page).decode("utf-8")`). The bytes on disk are never changed by reading.

The repair never adds or removes a line: the reverse decode maps non-ASCII characters only, and
line endings are ASCII, so line *i* of the text is line *i* of the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ftfy.badness import MOJIBAKE_CATEGORIES, badness, is_bad

from plansync.errors import PlanfileError
from plansync.model import EncodingInfo
from plansync.planfile.lines import newline_style, split_lines, strip_bom

__all__ = [
    "CODE_PAGES",
    "DecodedPlan",
    "as_stored",
    "decode_plan",
    "detect_mojibake",
    "looks_mojibaked",
    "repair_encoding",
    "split_lines",
]

# The code pages a planfile's UTF-8 is known to have been mis-read with, in order of preference.
CODE_PAGES = ("cp1252", "mac_roman")

# cp1252 leaves these five bytes undefined. Tools that mis-read UTF-8 as cp1252 (Windows among
# them) turn them into the C1 control characters of the same number, so both directions map
# them one to one instead of failing.
_CP1252_HOLES_TEXT = re.compile("([\x81\x8d\x8f\x90\x9d])")
_CP1252_HOLES_BYTES = re.compile(b"([\x81\x8d\x8f\x90\x9d])")

# Characters that occur in UTF-8 mojibake, as ftfy classifies them (its "common" class holds
# ordinary punctuation and is left out). ftfy's `badness` misses several MacRoman sequences
# (`‚úÖ` for `✅` scores 0), so when two readings score the same badness the one with fewer
# of these characters wins the tie.
_MOJIBAKE_CHARS = re.compile(
    "[" + "".join(v for k, v in MOJIBAKE_CATEGORIES.items() if k != "common") + "]"
)


@dataclass(frozen=True)
class DecodedPlan:
    """A planfile's bytes and the text to parse.

    `text` has the BOM removed and mojibake repaired; its line endings are exactly the file's
    (`\\n`, `\\r\\n`, `\\r`), line for line.
    """

    text: str
    encoding: EncodingInfo
    raw: bytes


def _encode_code_page(text: str, code_page: str) -> bytes:
    """`text.encode(code_page)` that also maps cp1252's C1 stand-ins back to their bytes."""
    if code_page != "cp1252":
        return text.encode(code_page)
    pieces = _CP1252_HOLES_TEXT.split(text)
    # re.split with one group alternates: text, hole, text, hole, ..., text.
    return b"".join(
        bytes([ord(piece)]) if index % 2 else piece.encode(code_page)
        for index, piece in enumerate(pieces)
    )


def _decode_code_page(data: bytes, code_page: str) -> str:
    """`data.decode(code_page)` that reads cp1252's undefined bytes as C1 controls."""
    if code_page != "cp1252":
        return data.decode(code_page)
    pieces = _CP1252_HOLES_BYTES.split(data)
    return "".join(
        chr(piece[0]) if index % 2 else piece.decode(code_page)
        for index, piece in enumerate(pieces)
    )


def _reverse(text: str, code_page: str) -> str | None:
    """The text before it was mis-read with `code_page`, or None if it cannot have been."""
    try:
        return _encode_code_page(text, code_page).decode("utf-8")
    except UnicodeError:
        return None


def _mojibake_score(text: str) -> tuple[int, int]:
    return badness(text), len(_MOJIBAKE_CHARS.findall(text))


def _repair(text: str) -> tuple[str, str | None]:
    """`(repaired text, code page)`, or `(text, None)` when the whole text is not mojibake."""
    if text.isascii():
        return text, None
    best_text, best_page = text, None
    best_score = _mojibake_score(text)
    for code_page in CODE_PAGES:
        candidate = _reverse(text, code_page)
        if candidate is None or candidate == text:
            continue
        score = _mojibake_score(candidate)
        if score < best_score:
            best_text, best_page, best_score = candidate, code_page, score
    return best_text, best_page


def looks_mojibaked(text: str) -> bool:
    """Whether text still shows mojibake, e.g. a file that is only partly double-encoded."""
    return bool(is_bad(text))


def detect_mojibake(raw: bytes) -> str | None:
    """The code page a whole file was mis-read with (`cp1252`, `mac_roman`), else None.

    None also for bytes that are not UTF-8: there is nothing to undo in them.
    """
    try:
        text = strip_bom(raw)[1].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return _repair(text)[1]


def as_stored(text: str, mojibake: str | None) -> str:
    """Text as a file with that mojibake stores it, so an edit does not mix two encodings.

    `as_stored("✅", "cp1252") == "âœ…"`; with `mojibake=None` the text is returned as is.
    """
    if mojibake is None or text.isascii():
        return text
    return _decode_code_page(text.encode("utf-8"), mojibake)


def _invalid_utf8_error(
    raw: bytes, error: UnicodeDecodeError, offset: int, path: Path | None
) -> str:
    position = offset + error.start
    bad = raw[position]
    before = raw[:position]
    line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
    where = str(path) if path is not None else "The planfile"
    hint = ""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        hint = " The file starts with a UTF-16 byte order mark, so it is probably UTF-16."
    return (
        f"{where}: byte 0x{bad:02X} at offset {position} (line {line}) is not valid UTF-8, and "
        f"the file is not UTF-8 text that was mis-read with another encoding either.{hint} "
        "plansync reads planfiles as UTF-8: open the file in an editor, save it with the "
        "UTF-8 encoding, and run plansync again."
    )


def decode_plan(raw: bytes, path: Path) -> DecodedPlan:
    """Decode a planfile's bytes; `path` is used only to name the file in errors.

    Raises PlanfileError for bytes that are not UTF-8.
    """
    bom, body = strip_bom(raw)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlanfileError(_invalid_utf8_error(raw, error, len(bom), path)) from None
    repaired, code_page = _repair(text)
    if code_page is not None and repaired.startswith("\ufeff"):
        # The BOM of the original file, mis-read along with the rest (`ï»¿`).
        repaired = repaired[1:]
    encoding = EncodingInfo(
        detected="utf-8" if code_page is None else f"utf-8+{code_page}",
        bom=bool(bom),
        newline=newline_style(body),
        mojibake=code_page,
    )
    return DecodedPlan(text=repaired, encoding=encoding, raw=raw)


def repair_encoding(raw: bytes, path: Path | None = None) -> bytes:
    """The file's bytes with mojibake undone: UTF-8, same BOM, same line endings.

    Bytes without whole-file mojibake are returned unchanged. Raises PlanfileError for bytes
    that are not UTF-8 (naming `path` when given).
    """
    bom, body = strip_bom(raw)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlanfileError(_invalid_utf8_error(raw, error, len(bom), path)) from None
    repaired, code_page = _repair(text)
    if code_page is None:
        return raw
    return bom + repaired.encode("utf-8")

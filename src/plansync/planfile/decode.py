"""Planfile bytes -> clean text, with the encoding facts the reader reports.

A planfile is UTF-8. Some were damaged once: their UTF-8 bytes were read as cp1252 or MacRoman
and the result saved again as UTF-8, so `✅` became `âœ…` or `‚úÖ` (mojibake). Such a file is
still valid UTF-8; it is repaired here for parsing with one whole-file reverse decode
(`text.encode(code_page).decode("utf-8")`). When that fails because some lines are clean (a
line added later holds a `✅` that cp1252 cannot encode), each line is repaired on its own: a
line is reverse-decoded when that works strictly and leaves it less mis-encoded. The bytes on
disk are never changed by reading.

The repair never adds or removes a line: the reverse decode maps non-ASCII characters only, and
line endings are ASCII, so line *i* of the text is line *i* of the bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ftfy.badness import MOJIBAKE_CATEGORIES, badness, is_bad

from plansync.errors import PlanfileError
from plansync.model.plan import EncodingInfo
from plansync.planfile.lines import newline_style, split_lines, split_text_lines, strip_bom

__all__ = [
    "CODE_PAGES",
    "DecodedPlan",
    "Storage",
    "as_read",
    "as_stored",
    "decode_plan",
    "detect_mojibake",
    "looks_mojibaked",
    "repair_encoding",
    "split_lines",
    "storage_of",
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
    # True when no line of `text` looks mis-encoded (`looks_mojibaked`), as the decode's own
    # look at the whole text showed; False when that is not known.
    no_mojibake_left: bool = False


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


# ftfy's one anchored sequence: `Ã` or `Â` and a space at the start of the text.
_BAD_LINE_START = re.compile("(?:^|[\r\n])[ÃÂ] ")


def _no_line_looks_mojibaked(text: str, whole_badness: int | None) -> bool:
    """Whether no line of `text` looks mis-encoded, told from ftfy's badness of the whole text
    (None: not known), so a big file is not searched again line by line. ftfy's pattern has
    no look-around: a sequence found in a line alone is found in the whole text too, but for
    the one anchored at the start, which in a line alone stands at each line's start."""
    if whole_badness != 0:
        return False
    if "Ã " not in text and "Â " not in text:
        return True
    return _BAD_LINE_START.search(text) is None


@dataclass(frozen=True)
class _Repair:
    text: str
    code_page: str | None
    lines: tuple[int, ...] | None  # the lines repaired one by one; None: all at once (or none)
    badness: int | None = None  # ftfy's badness of `text`, when worked out


# One run reads a planfile's text several times (parse, summary block, the editor's storage):
# the last few answers are kept, so a big file's mojibake is looked for once, not each time.
@lru_cache(maxsize=2)
def _repair(text: str) -> _Repair:
    """The text with its mojibake undone: all at once when the whole text reverse-decodes,
    else line by line; the text itself when there is nothing to undo."""
    if text.isascii():
        return _Repair(text, None, None, 0)
    best_text, best_page = text, None
    best_score = _mojibake_score(text)
    for code_page in CODE_PAGES:
        candidate = _reverse(text, code_page)
        if candidate is None or candidate == text:
            continue
        score = _mojibake_score(candidate)
        if score < best_score:
            best_text, best_page, best_score = candidate, code_page, score
    if best_page is not None:
        return _Repair(best_text, best_page, None, best_score[0])
    return _repair_lines(text, best_score[0])


def _repair_line(line: str, code_page: str) -> str | None:
    """The line before it was mis-read with `code_page`, when it reverse-decodes strictly,
    stores back to exactly the same text, and is less mis-encoded than before; else None."""
    if line.isascii():
        return None
    candidate = _reverse(line, code_page)
    if candidate is None or candidate == line or as_stored(candidate, code_page) != line:
        return None
    return candidate if _mojibake_score(candidate) < _mojibake_score(line) else None


def _repair_lines(text: str, whole_badness: int) -> _Repair:
    """Each line repaired on its own, with the code page that repairs the most lines."""
    lines = split_text_lines(text)
    best = _Repair(text, None, None, whole_badness)
    best_count = 0
    for code_page in CODE_PAGES:
        repaired = [_repair_line(line, code_page) for line in lines]
        numbers = tuple(n for n, line in enumerate(repaired, start=1) if line is not None)
        if len(numbers) > best_count:
            joined = "".join(
                new if new is not None else old for old, new in zip(lines, repaired, strict=True)
            )
            best, best_count = _Repair(joined, code_page, numbers), len(numbers)
    return best


def looks_mojibaked(text: str) -> bool:
    """Whether text still shows mojibake, e.g. a file that is only partly double-encoded."""
    return bool(is_bad(text))


def detect_mojibake(raw: bytes) -> str | None:
    """The code page a file's mojibake was made with (`cp1252`, `mac_roman`), else None.

    None also for bytes that are not UTF-8: there is nothing to undo in them. See `storage_of`
    for which lines store text that way.
    """
    return storage_of(raw).code_page


@dataclass(frozen=True)
class Storage:
    """How a file stores its text: the mojibake code page, and on which lines.

    `lines` is None when every line does (the whole file is mojibake), else the 1-based lines
    that do; the others are plain UTF-8.
    """

    code_page: str | None
    lines: frozenset[int] | None

    def of_line(self, line: int) -> str | None:
        """The code page text written on `line` must be stored with (None: plain UTF-8)."""
        if self.code_page is None or (self.lines is not None and line not in self.lines):
            return None
        return self.code_page

    @classmethod
    def of_encoding(cls, encoding: EncodingInfo) -> Storage:
        """The storage `decode_plan` found, from the encoding facts it reported."""
        lines = frozenset(encoding.mojibake_lines) if encoding.mojibake_lines else None
        return cls(encoding.mojibake, lines)

    @property
    def of_new_lines(self) -> str | None:
        """The code page for added lines: the file's when all of it is mojibake, else none."""
        return self.code_page if self.lines is None else None


def storage_of(raw: bytes) -> Storage:
    """How the file's bytes store text (see `Storage`), as `decode_plan` reads them."""
    try:
        text = strip_bom(raw)[1].decode("utf-8")
    except UnicodeDecodeError:
        return Storage(None, None)
    repair = _repair(text)
    lines = frozenset(repair.lines) if repair.lines is not None else None
    return Storage(repair.code_page, lines)


def as_stored(text: str, mojibake: str | None) -> str:
    """Text as a file (or line) with that mojibake stores it, so an edit does not mix two
    encodings.

    `as_stored("✅", "cp1252") == "âœ…"`; with `mojibake=None` the text is returned as is.
    """
    if mojibake is None or text.isascii():
        return text
    return _decode_code_page(text.encode("utf-8"), mojibake)


def as_read(text: str, mojibake: str | None) -> str:
    """Stored text as the reader reads it: the inverse of `as_stored` (text that cannot have
    been stored that way is returned as is)."""
    if mojibake is None or text.isascii():
        return text
    repaired = _reverse(text, mojibake)
    return repaired if repaired is not None else text


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
    repair = _repair(text)
    repaired, code_page = repair.text, repair.code_page
    if code_page is not None and repaired.startswith("\ufeff"):
        # The BOM of the original file, mis-read along with the rest (`ï»¿`).
        repaired = repaired[1:]
    detected = "utf-8" if code_page is None else f"utf-8+{code_page}"
    encoding = EncodingInfo(
        detected=detected if repair.lines is None else f"{detected} (partial)",
        bom=bool(bom),
        newline=newline_style(body),
        mojibake=code_page,
        mojibake_lines=repair.lines or (),
    )
    clean = _no_line_looks_mojibaked(repaired, repair.badness)
    return DecodedPlan(text=repaired, encoding=encoding, raw=raw, no_mojibake_left=clean)


def repair_encoding(raw: bytes, path: Path | None = None) -> bytes:
    """The file's bytes with mojibake undone (the whole file, or the lines `decode_plan`
    repairs one by one): UTF-8, same BOM, same line endings.

    Bytes without mojibake are returned unchanged. Raises PlanfileError for bytes that are not
    UTF-8 (naming `path` when given).
    """
    bom, body = strip_bom(raw)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PlanfileError(_invalid_utf8_error(raw, error, len(bom), path)) from None
    repair = _repair(text)
    if repair.code_page is None:
        return raw
    return bom + repair.text.encode("utf-8")

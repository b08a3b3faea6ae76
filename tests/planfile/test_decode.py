"""decode_plan, repair_encoding and the line splitting they share."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plansync.errors import PlanfileError
from plansync.planfile.decode import (
    as_stored,
    decode_plan,
    detect_mojibake,
    looks_mojibaked,
    repair_encoding,
    storage_of,
)
from plansync.planfile.lines import (
    dominant_ending,
    newline_style,
    split_ending,
    split_lines,
    split_text_lines,
)

SHARED_PLANS = Path(__file__).resolve().parents[2].parent / "shared" / "plans"

# The real plans and the code page each one was mis-read with (None: clean UTF-8).
PLAN_MOJIBAKE = {
    "000_bef5947b803c63a5.txt": None,
    "001_3cc556623f022b87.txt": "mac_roman",
    "002_b0ba0a6134495dfa.txt": "mac_roman",
    "003_9ee9e3bf184d3bca.txt": None,
    "004_94c9ab7eab5eb102.txt": "cp1252",
}
CP1252_HOLES = b"\x81\x8d\x8f\x90\x9d"


def shared_plan(name: str) -> bytes:
    path = SHARED_PLANS / name
    if not path.is_file():
        pytest.skip(f"the shared plans folder {SHARED_PLANS} (or {name} in it) is absent")
    return path.read_bytes()


def misread(text: str, code_page: str) -> str:
    """What a tool that reads UTF-8 as `code_page` shows; cp1252's holes become C1 controls."""
    return "".join(
        chr(byte)
        if code_page == "cp1252" and byte in CP1252_HOLES
        else bytes([byte]).decode(code_page)
        for byte in text.encode("utf-8")
    )


def endings(lines: list[bytes]) -> list[bytes]:
    return [split_ending(line)[1] for line in lines]


class TestSharedPlans:
    @pytest.mark.parametrize(("name", "code_page"), PLAN_MOJIBAKE.items())
    def test_every_plan_decodes_with_its_encoding(self, name: str, code_page: str | None) -> None:
        raw = shared_plan(name)
        decoded = decode_plan(raw, SHARED_PLANS / name)
        assert decoded.raw == raw
        assert decoded.encoding.mojibake == code_page
        assert decoded.encoding.detected == ("utf-8" if code_page is None else f"utf-8+{code_page}")
        assert decoded.encoding.bom is False
        assert decoded.encoding.newline == "LF"
        assert not looks_mojibaked(decoded.text)
        if code_page is None:
            assert decoded.text == raw.decode("utf-8")

    @pytest.mark.parametrize("name", PLAN_MOJIBAKE)
    def test_text_keeps_the_files_lines_one_for_one(self, name: str) -> None:
        raw = shared_plan(name)
        text_lines = split_text_lines(decode_plan(raw, Path(name)).text)
        raw_lines = split_lines(raw)
        assert len(text_lines) == len(raw_lines)
        for text_line, raw_line in zip(text_lines, raw_lines, strict=True):
            raw_ending = split_ending(raw_line)[1]
            assert text_line.endswith(raw_ending.decode("ascii"))
            # Stored back the file's way, each repaired line is exactly the file's line.
            assert text_line == raw_line.decode("utf-8") or (
                as_stored(text_line, PLAN_MOJIBAKE[name]) == raw_line.decode("utf-8")
            )

    @pytest.mark.parametrize(
        ("name", "clean", "mojibake"),
        [
            ("001_3cc556623f022b87.txt", "# 🎯 **PARETO EXCELLENCE EXECUTION PLAN**", "üéØ"),
            ("001_3cc556623f022b87.txt", "- ✅ TypeScript: 823 errors → 0 errors", "‚úÖ"),
            ("002_b0ba0a6134495dfa.txt", "# 📊 EXECUTION PLAN - POST-CATASTROPHE", "üìä"),
            ("004_94c9ab7eab5eb102.txt", "**Status**: 📋 Ready for Implementation", "ðŸ“‹"),
            ("004_94c9ab7eab5eb102.txt", "config merging (global → project → CLI)", "â†’"),
        ],
    )
    def test_titles_come_out_clean(self, name: str, clean: str, mojibake: str) -> None:
        raw = shared_plan(name)
        assert mojibake in raw.decode("utf-8")
        text = decode_plan(raw, Path(name)).text
        assert clean in text
        assert mojibake not in text

    @pytest.mark.parametrize("name", [n for n, cp in PLAN_MOJIBAKE.items() if cp])
    def test_raw_text_of_mojibake_plans_looks_mojibaked(self, name: str) -> None:
        assert looks_mojibaked(shared_plan(name).decode("utf-8"))

    @pytest.mark.parametrize(("name", "code_page"), PLAN_MOJIBAKE.items())
    def test_repair_encoding(self, name: str, code_page: str | None) -> None:
        raw = shared_plan(name)
        repaired = repair_encoding(raw)
        if code_page is None:
            assert repaired == raw
            return
        assert repaired != raw
        again = decode_plan(repaired, Path(name))
        assert again.encoding.mojibake is None
        assert again.text == decode_plan(raw, Path(name)).text
        assert repaired.decode("utf-8") == again.text
        assert endings(split_lines(repaired)) == endings(split_lines(raw))


class TestBomAndLineEndings:
    def test_bom_is_reported_and_left_out_of_the_text(self) -> None:
        decoded = decode_plan(b"\xef\xbb\xbf# Plan\n- [ ] a\n", Path("plan.md"))
        assert decoded.encoding.bom is True
        assert decoded.text == "# Plan\n- [ ] a\n"
        assert decoded.raw.startswith(b"\xef\xbb\xbf")

    @pytest.mark.parametrize(
        ("raw", "newline"),
        [
            (b"a\nb\n", "LF"),
            (b"a\r\nb\r\n", "CRLF"),
            (b"a\rb\r", "CR"),
            (b"a\r\nb\nc\r", "mixed"),
            (b"just one line", "none"),
            (b"", "none"),
        ],
    )
    def test_newline_style_and_endings_kept(self, raw: bytes, newline: str) -> None:
        decoded = decode_plan(raw, Path("plan.md"))
        assert decoded.encoding.newline == newline
        assert decoded.text == raw.decode("ascii")

    def test_bom_mojibake_and_crlf_together(self) -> None:
        clean = "# ✅ Done\r\n- [ ] next → later\r\n"
        raw = b"\xef\xbb\xbf" + misread(clean, "cp1252").encode("utf-8")
        decoded = decode_plan(raw, Path("plan.md"))
        assert decoded.text == clean
        assert decoded.encoding.bom is True
        assert decoded.encoding.newline == "CRLF"
        assert decoded.encoding.mojibake == "cp1252"
        assert repair_encoding(raw) == b"\xef\xbb\xbf" + clean.encode("utf-8")

    def test_a_misread_bom_is_not_part_of_the_text(self) -> None:
        raw = misread("\ufeff# ✅ Plan\n", "cp1252").encode("utf-8")
        decoded = decode_plan(raw, Path("plan.md"))
        assert decoded.text == "# ✅ Plan\n"
        assert decoded.encoding.bom is False


class TestMojibake:
    @pytest.mark.parametrize("code_page", ["cp1252", "mac_roman"])
    def test_whole_file_is_repaired(self, code_page: str) -> None:
        clean = "# 🎯 Goals\n- [ ] ✅ Done → next\n- [x] naïve café — it’s 📊\n"
        decoded = decode_plan(misread(clean, code_page).encode("utf-8"), Path("p.md"))
        assert decoded.text == clean
        assert decoded.encoding.mojibake == code_page
        assert decoded.encoding.detected == f"utf-8+{code_page}"

    def test_macroman_is_repaired_where_ftfy_badness_sees_nothing(self) -> None:
        # `‚úÖ` and `‚Üí` score 0 in ftfy's badness; the tie-break must still pick the repair.
        clean = "- ✅ Done → next\n"
        decoded = decode_plan(misread(clean, "mac_roman").encode("utf-8"), Path("p.md"))
        assert decoded.text == clean

    def test_cp1252_undefined_bytes_read_as_c1_controls_reverse(self) -> None:
        # Á Í Ï Ð Ý are C3 81, C3 8D, C3 8F, C3 90, C3 9D: all five bytes cp1252 leaves undefined.
        clean = "# Álmos Íris Ïa Ðor Ýr ✅\n"
        stored = misread(clean, "cp1252")
        assert "\x81" in stored
        assert "\x9d" in stored
        decoded = decode_plan(stored.encode("utf-8"), Path("p.md"))
        assert decoded.text == clean
        assert decoded.encoding.mojibake == "cp1252"

    @pytest.mark.parametrize(
        "clean",
        [
            "plain ascii\n",
            "Café naïve — it’s Ångström ✅ 🎯 → 中文\n",
            "Zürich, São Paulo, Kraków\n",
        ],
    )
    def test_clean_text_is_left_alone(self, clean: str) -> None:
        decoded = decode_plan(clean.encode("utf-8"), Path("p.md"))
        assert decoded.text == clean
        assert decoded.encoding.mojibake is None
        assert detect_mojibake(clean.encode("utf-8")) is None

    def test_partly_mojibake_file_is_repaired_line_by_line(self) -> None:
        # The second line is clean UTF-8 with an emoji cp1252 cannot hold: no whole-file repair.
        clean = "- ✅ Done → next\r\n- 🎯 clean goal\r\n- café ✅\r\nplain\r\n"
        lines = clean.splitlines(keepends=True)
        stored = misread(lines[0], "cp1252") + lines[1] + misread(lines[2], "cp1252") + lines[3]
        raw = stored.encode("utf-8")
        decoded = decode_plan(raw, Path("p.md"))
        assert decoded.text == clean
        assert decoded.encoding.mojibake == "cp1252"
        assert decoded.encoding.mojibake_lines == (1, 3)
        assert decoded.encoding.detected == "utf-8+cp1252 (partial)"
        assert decoded.encoding.newline == "CRLF"
        assert detect_mojibake(raw) == "cp1252"
        assert repair_encoding(raw) == clean.encode("utf-8")
        storage = storage_of(raw)
        assert [storage.of_line(n) for n in (1, 2, 3, 4)] == ["cp1252", None, "cp1252", None]
        assert storage.of_new_lines is None

    def test_a_line_that_does_not_reverse_is_kept_as_is(self) -> None:
        # `âœ` is half of `âœ…`: its bytes are no UTF-8, so nothing can be undone.
        text = "- âœ half a mark\n- 🎯 clean goal\n"
        decoded = decode_plan(text.encode("utf-8"), Path("p.md"))
        assert decoded.text == text
        assert (decoded.encoding.mojibake, decoded.encoding.mojibake_lines) == (None, ())
        assert looks_mojibaked(decoded.text)
        assert repair_encoding(text.encode("utf-8")) == text.encode("utf-8")

    @pytest.mark.parametrize("code_page", ["cp1252", "mac_roman"])
    def test_whole_file_mojibake_is_stored_on_every_line(self, code_page: str) -> None:
        raw = misread("# ✅ Plan\n- [ ] next → later\n", code_page).encode("utf-8")
        storage = storage_of(raw)
        assert decode_plan(raw, Path("p.md")).encoding.mojibake_lines == ()
        assert (storage.of_line(1), storage.of_line(2), storage.of_new_lines) == (
            code_page,
            code_page,
            code_page,
        )

    def test_as_stored_is_the_inverse_of_the_repair(self) -> None:
        for code_page in ("cp1252", "mac_roman"):
            assert as_stored("✅ → 🎯", code_page) == misread("✅ → 🎯", code_page)
        assert as_stored("✅", None) == "✅"


class TestInvalidUtf8:
    def test_error_names_file_offset_line_and_byte(self) -> None:
        with pytest.raises(PlanfileError) as caught:
            decode_plan(b"# ok\nab\xffc\n", Path("plans/q3.md"))
        message = str(caught.value)
        assert "plans/q3.md" in message
        assert "offset 7" in message
        assert "line 2" in message
        assert "0xFF" in message
        assert "save it with the UTF-8 encoding" in message
        assert "\n" not in message

    def test_offset_counts_the_bom(self) -> None:
        with pytest.raises(PlanfileError, match=r"offset 4 \(line 1\)"):
            decode_plan(b"\xef\xbb\xbfa\xe9", Path("p.md"))

    def test_legacy_latin1_text_is_an_error_not_a_guess(self) -> None:
        with pytest.raises(PlanfileError, match="0xE9"):
            decode_plan("Café\n".encode("latin-1"), Path("p.md"))

    def test_utf16_gets_a_hint(self) -> None:
        with pytest.raises(PlanfileError, match="UTF-16"):
            decode_plan("# Plan\n".encode("utf-16"), Path("p.md"))

    def test_repair_encoding_refuses_invalid_utf8(self) -> None:
        with pytest.raises(PlanfileError, match=r"p\.md"):
            repair_encoding(b"\x80", Path("p.md"))


class TestSplitLines:
    @pytest.mark.parametrize(
        ("data", "lines"),
        [
            (b"", []),
            (b"a", [b"a"]),
            (b"a\n", [b"a\n"]),
            (b"a\r\nb\rc\nd", [b"a\r\n", b"b\r", b"c\n", b"d"]),
            (b"\n\r\n\r", [b"\n", b"\r\n", b"\r"]),
            (b"a\x0cb\xe2\x80\xa8c\x85\n", [b"a\x0cb\xe2\x80\xa8c\x85\n"]),
        ],
    )
    def test_examples(self, data: bytes, lines: list[bytes]) -> None:
        assert split_lines(data) == lines

    @given(st.binary())
    def test_lines_join_back_to_the_bytes(self, data: bytes) -> None:
        lines = split_lines(data)
        assert b"".join(lines) == data
        for line in lines[:-1]:
            body, ending = split_ending(line)
            assert ending
            assert b"\n" not in body
            assert b"\r" not in body

    @given(st.text())
    def test_text_and_bytes_split_alike(self, text: str) -> None:
        assert [line.encode("utf-8") for line in split_text_lines(text)] == split_lines(
            text.encode("utf-8")
        )

    @settings(deadline=None)
    @given(st.text(), st.sampled_from([None, "cp1252", "mac_roman"]), st.booleans())
    @example("\ufeff", "cp1252", False)
    @example("\ufeff# ✅\r\n\r", "mac_roman", True)
    def test_decoding_never_moves_a_line(self, text: str, code_page: str | None, bom: bool) -> None:
        stored = text if code_page is None else misread(text, code_page)
        raw = (b"\xef\xbb\xbf" if bom else b"") + stored.encode("utf-8")
        decoded = decode_plan(raw, Path("p.md"))
        body = raw[3:] if bom else raw
        text_endings = endings(split_lines(decoded.text.encode("utf-8")))
        raw_endings = endings(split_lines(body))
        if decoded.text == "" and raw_endings == [b""]:
            return  # a file holding only a mis-read BOM: its one line is empty, so no line
        assert text_endings == raw_endings


# Pieces of lines that ftfy finds mis-encoded (alone or next to each other), and clean ones.
MOJIBAKE_PIECES = ["Ã ", "Â ", "a Ã ", "Ã©", "âœ…", "‚úÖ", "Œ", "Œx", "café", "✅ done", "→", "x"]


class TestNoMojibakeLeft:
    """The decode's look at the whole text tells the reader when no line looks mis-encoded,
    so a big file is not searched again line by line."""

    @settings(deadline=None, max_examples=400)
    @given(
        st.lists(st.lists(st.sampled_from(MOJIBAKE_PIECES), max_size=4).map("".join), max_size=8),
        st.sampled_from(["\n", "\r\n", "\r"]),
        st.sampled_from([None, "cp1252", "mac_roman"]),
    )
    @example(["ok", "Ã é"], "\r", None)
    def test_it_is_told_only_when_no_line_looks_mojibaked(
        self, lines: list[str], ending: str, code_page: str | None
    ) -> None:
        text = ending.join(lines)
        stored = text if code_page is None else misread(text, code_page)
        decoded = decode_plan(stored.encode("utf-8"), Path("p.md"))
        by_line = any(
            looks_mojibaked(line.rstrip("\r\n")) for line in split_text_lines(decoded.text)
        )
        if decoded.no_mojibake_left:
            assert not by_line
        elif not by_line:
            # Not told: only when ftfy finds a sequence across two lines, or the repair went
            # line by line.
            assert looks_mojibaked(decoded.text) or decoded.encoding.mojibake_lines

    def test_clean_and_repaired_files_are_told(self) -> None:
        assert decode_plan("# Plan ✅\n- [ ] café\n".encode(), Path("p.md")).no_mojibake_left
        assert decode_plan(misread("# Plan ✅\n", "cp1252").encode(), Path("p.md")).no_mojibake_left
        assert not decode_plan("ok\rÃ é\n".encode(), Path("p.md")).no_mojibake_left


class TestLineEndingCounts:
    @given(st.lists(st.sampled_from([b"\r", b"\n", b"\r\n", b"x", b"\xc3\xa9"]), max_size=30))
    @example([b"\r", b"\r\n", b"\n", b"\r"])
    def test_counted_as_the_lines_are_split(self, pieces: list[bytes]) -> None:
        data = b"".join(pieces)
        kinds = [split_ending(line)[1] for line in split_lines(data)]
        counts = {ending: kinds.count(ending) for ending in (b"\n", b"\r\n", b"\r")}
        used = [ending for ending, count in counts.items() if count]
        names = {b"\n": "LF", b"\r\n": "CRLF", b"\r": "CR"}
        expected = "none" if not used else "mixed" if len(used) > 1 else names[used[0]]
        assert newline_style(data) == expected
        best = max(counts.values())
        assert dominant_ending(data) == (
            b"\n" if best == 0 else next(e for e, c in counts.items() if c == best)
        )

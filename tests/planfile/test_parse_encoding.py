"""Bytes in, document out: line endings, BOM, mojibake, unreadable files, and reading that never
writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plansync.errors import PlanfileError
from plansync.planfile.parse import parse_plan, read_plan

SHARED_PLANS = Path(__file__).resolve().parents[2].parent / "shared" / "plans"

PLAN = (
    "# Launch\n"
    "\n"
    "## Week 1: Beta ✅\n"
    "| ID | Task | Time |\n"
    "|----|------|------|\n"
    "| WEB-1 | Ship the beta | 2h |\n"
    "\n"
    "- [x] `app-1.1` - Invite testers\n"
    "  - the first 50\n"
    "- **OPS-7**: Collect crash reports\n"
)


def summary(raw: bytes) -> list[tuple[str, str, int, int, str, bool]]:
    document = parse_plan(raw, Path("plan.md"))
    return [(t.key, t.title, t.line, t.end_line, t.description, t.done) for t in document.tasks]


class TestLineEndings:
    def test_crlf_cr_and_lf_read_the_same_lines(self) -> None:
        lf = summary(PLAN.encode("utf-8"))
        assert lf == [
            ("WEB-1", "Ship the beta", 6, 6, "", False),
            ("app-1.1", "Invite testers", 8, 9, "the first 50", True),
            ("OPS-7", "Collect crash reports", 10, 10, "", False),
        ]
        assert summary(PLAN.replace("\n", "\r\n").encode("utf-8")) == lf
        assert summary(PLAN.replace("\n", "\r").encode("utf-8")) == lf

    def test_bom_is_no_part_of_line_one(self) -> None:
        document = parse_plan(b"\xef\xbb\xbf" + PLAN.encode("utf-8"), Path("plan.md"))
        assert document.encoding.bom is True
        assert document.title == "Launch"
        assert [t.line for t in document.tasks] == [6, 8, 10]

    def test_crlf_is_reported(self) -> None:
        document = parse_plan(PLAN.replace("\n", "\r\n").encode("utf-8"), Path("plan.md"))
        assert document.encoding.newline == "CRLF"


class TestMojibake:
    def test_whole_file_mojibake_is_read_repaired_and_reported(self) -> None:
        raw = PLAN.encode("utf-8").decode("cp1252").encode("utf-8")
        document = parse_plan(raw, Path("plan.md"))
        assert document.sections[1].title == "Week 1: Beta"
        assert [t.key for t in document.tasks] == ["WEB-1", "app-1.1", "OPS-7"]
        (warning,) = [w for w in document.warnings if w.code == "mojibake"]
        assert "cp1252" in warning.message
        assert "plan.md" in warning.message

    def test_partial_mojibake_is_repaired_and_reported_with_its_lines(self) -> None:
        damaged = "- [ ] Fix the caf\u00c3\u00a9 menu \u00e2\u0153\u2026\n"  # cp1252 mojibake
        half = "- [ ] Half \u00e2\u0153 a mark\n"  # cannot be undone
        raw = ("# Plan\n\n- [ ] Clean café ✅ line\n" + damaged + half).encode("utf-8")
        document = parse_plan(raw, Path("plan.md"))
        assert [t.title for t in document.tasks] == [
            "Clean café ✅ line",
            "Fix the café menu",
            "Half \u00e2\u0153 a mark",
        ]
        assert document.encoding.mojibake_lines == (4,)
        (warning,) = [w for w in document.warnings if w.code.startswith("mojibake")]
        assert (warning.code, warning.line) == ("mojibake-partial", 5)
        assert "plan.md:5" in warning.message
        assert "line 4 was once read as cp1252" in warning.message
        assert "Line 5 still looks mis-encoded" in warning.message
        assert "--fix-encoding plan.md" in warning.message

    def test_a_clean_line_added_to_a_mojibake_plan_keeps_the_repair(self) -> None:
        path = SHARED_PLANS / "004_94c9ab7eab5eb102.txt"
        if not path.is_file():
            pytest.skip(f"the shared plans folder {SHARED_PLANS} (or 004 in it) is absent")
        original = path.read_bytes()
        raw = original + "- [ ] Celebrate ✅\n".encode()
        before, after = parse_plan(original, path), parse_plan(raw, path)
        assert [t.title for t in after.tasks[:-1]] == [t.title for t in before.tasks]
        assert "Implement config merging (global → project → CLI)" in [t.title for t in after.tasks]
        assert after.tasks[-1].title == "Celebrate"
        assert after.encoding.detected == "utf-8+cp1252 (partial)"
        assert len(after.encoding.mojibake_lines) == 42
        (warning,) = [w for w in after.warnings if w.code.startswith("mojibake")]
        assert warning.code == "mojibake-partial"
        assert "42 lines" in warning.message

    def test_bytes_that_are_not_utf8_raise_a_planfile_error(self) -> None:
        with pytest.raises(PlanfileError, match=r"plan\.md: byte 0xFF"):
            parse_plan(b"# Plan\n- [ ] caf\xff\n", Path("plan.md"))


class TestReadPlan:
    def test_reading_never_writes(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        raw = PLAN.replace("\n", "\r\n").encode("utf-8")
        path.write_bytes(raw)
        os.utime(path, ns=(1_500_000_000_000_000_000, 1_500_000_000_000_000_000))
        document = read_plan(path)
        assert document.path == path
        assert path.read_bytes() == raw
        assert path.stat().st_mtime_ns == 1_500_000_000_000_000_000
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

    def test_a_missing_file_is_named(self, tmp_path: Path) -> None:
        with pytest.raises(PlanfileError, match=r"nope\.md: no such planfile"):
            read_plan(tmp_path / "nope.md")

    def test_a_folder_is_no_planfile(self, tmp_path: Path) -> None:
        with pytest.raises(PlanfileError, match="is a folder"):
            read_plan(tmp_path)

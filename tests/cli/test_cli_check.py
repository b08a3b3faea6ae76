"""`plansync check`: tables, --json, exit codes, and --fix-encoding on request only."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from plansync.cli.app import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def no_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from an empty folder so no config/plansync.toml steers the reader."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PLANSYNC_CONFIG", raising=False)
    return tmp_path


class TestCheckOutput:
    def test_tables_for_every_example(self, no_config: Path) -> None:
        code, out, _ = run("check", str(EXAMPLES))
        assert code == 0
        for name in ("launch-plan.md", "platform-roadmap.md", "support-migration.md"):
            assert name in out
        assert "Milestones" in out
        assert "Tasks" in out

    def test_json_has_the_documented_shape(self, no_config: Path) -> None:
        code, out, _ = run("check", "--json", str(EXAMPLES / "launch-plan.md"))
        assert code == 0
        data = json.loads(out)
        (file,) = data["files"]
        assert set(file) == {"path", "encoding", "title", "milestones", "tasks", "warnings"}
        assert set(file["encoding"]) == {"detected", "bom", "newline"}
        assert file["title"] == "Website Relaunch Plan"
        task = file["tasks"][0]
        assert set(task) == {
            "key",
            "id",
            "title",
            "done",
            "kind",
            "milestone",
            "estimate_minutes",
            "priority",
            "assignees",
            "depends_on",
            "issue_refs",
            "criterion",
            "line",
        }
        assert task["title"] == "Audit the current site's pages"
        assert task["done"] is True
        assert task["estimate_minutes"] == 90
        assert task["line"] == 10

    def test_mis_encoded_example_reads_clean(self, no_config: Path) -> None:
        code, out, _ = run("check", "--json", str(EXAMPLES / "support-migration.md"))
        assert code == 0
        (file,) = json.loads(out)["files"]
        assert file["encoding"] == {"detected": "utf-8+cp1252", "bom": False, "newline": "CRLF"}
        assert file["title"] == "Support Desk Migration – Execution Plan"
        titles = [t["title"] for t in file["tasks"]]
        assert "Export the old tickets → JSON" in titles


class TestCheckExitCodes:
    def test_unreadable_file_exits_2_and_names_it(self, no_config: Path) -> None:
        code, _, err = run("check", str(no_config / "missing.md"))
        assert code == 2
        assert "missing.md" in err

    def test_a_symlink_loop_exits_2_naming_it(self, no_config: Path) -> None:
        (no_config / "a.md").symlink_to(no_config / "b.md")
        (no_config / "b.md").symlink_to(no_config / "a.md")
        code, out, err = run("check", str(no_config / "a.md"))
        assert code == 2
        assert "a.md: the planfile is a symbolic link that leads back to itself" in err
        assert "Point the link at a plan file" in err
        assert "Traceback" not in out + err

    def test_invalid_utf8_exits_2_with_the_offset(self, no_config: Path) -> None:
        bad = no_config / "bad.md"
        bad.write_bytes(b"# Plan\n- [ ] caf\xe9 \xff\n")
        code, _, err = run("check", str(bad))
        assert code == 2
        assert "bad.md" in err
        assert "offset 16 (line 2)" in err

    def test_strict_exits_1_on_warnings(self, no_config: Path) -> None:
        plan = no_config / "plan.md"
        plan.write_text("# Plan\n\n- [ ] a task outside any milestone\n", encoding="utf-8")
        assert run("check", str(plan))[0] == 0
        assert run("check", "--strict", str(plan))[0] == 1

    def test_invalid_config_exits_2(self, no_config: Path) -> None:
        cfg = no_config / "bad.toml"
        cfg.write_text("[reader]\nnope = 1\n", encoding="utf-8")
        code, _, err = run("check", "--config", str(cfg), str(EXAMPLES))
        assert code == 2
        assert "bad.toml" in err
        assert "reader.nope" in err


class TestReadingChangesNothing:
    def test_check_leaves_bytes_and_mtime(self, no_config: Path) -> None:
        copy = no_config / "support-migration.md"
        shutil.copy2(EXAMPLES / "support-migration.md", copy)
        before = (copy.read_bytes(), copy.stat().st_mtime_ns)
        assert run("check", str(copy))[0] == 0
        assert (copy.read_bytes(), copy.stat().st_mtime_ns) == before


class TestFixEncoding:
    def test_shows_diff_and_writes_only_with_yes(self, no_config: Path) -> None:
        copy = no_config / "support-migration.md"
        shutil.copy2(EXAMPLES / "support-migration.md", copy)
        original = copy.read_bytes()

        code, out, _ = run("check", "--fix-encoding", str(copy))
        assert code == 1, "a repair was needed and not written"
        assert "+# 🚀 Support Desk Migration" in out
        assert copy.read_bytes() == original, "no --yes and no terminal: nothing written"

        code, out, _ = run("check", "--fix-encoding", "--yes", str(copy))
        assert code == 0
        repaired = copy.read_bytes()
        assert repaired == original.decode("utf-8").encode("cp1252").decode("utf-8").encode()
        assert repaired.count(b"\r\n") == original.count(b"\r\n")

    @pytest.mark.parametrize("other", ["--json", "--strict"])
    def test_other_modes_are_refused(self, no_config: Path, other: str) -> None:
        code, _, err = run("check", "--fix-encoding", other, str(EXAMPLES))
        assert code == 2
        assert "cannot be combined" in err

    def test_clean_file_is_left_alone(self, no_config: Path) -> None:
        code, out, _ = run("check", "--fix-encoding", "--yes", str(EXAMPLES / "launch-plan.md"))
        assert code == 0
        assert "nothing to repair" in out

"""atomic_write: all or nothing, permissions kept, no temporary left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from plansync.fileio import atomic_write


class TestAtomicWrite:
    def test_replaces_content_and_keeps_mode(self, tmp_path: Path) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(b"old\r\n")
        os.chmod(path, 0o640)
        atomic_write(path, b"new\r\n")
        assert path.read_bytes() == b"new\r\n"
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

    def test_a_failed_write_leaves_the_old_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "plan.md"
        path.write_bytes(b"old")

        def broken_replace(src: object, dst: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", broken_replace)
        with pytest.raises(OSError, match="disk full"):
            atomic_write(path, b"new")
        assert path.read_bytes() == b"old"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.md"]

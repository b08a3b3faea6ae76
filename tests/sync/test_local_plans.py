"""A project's planfiles in a local folder: found by its globs, read and parsed; a file read
again with the same bytes is not parsed again."""

from __future__ import annotations

from pathlib import Path

from plansync.config.load import load_config
from plansync.sync.plans import LocalPlans


def plans_in(tmp_path: Path) -> LocalPlans:
    (tmp_path / "a.md").write_text("# A\n\n- [ ] T1 Write the spec → ok\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# B\n\n- [ ] T2 Ship it\n", encoding="utf-8")
    (tmp_path / "plansync.toml").write_text(
        'root = "."\n[[projects]]\nname = "p"\nplans = ["*.md"]\n'
        '[projects.tracker]\nkind = "github"\nrepo = "demo/plans"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "plansync.toml")
    return LocalPlans(config, config.projects[0])


class TestReadAgain:
    def test_unchanged_files_keep_their_reading(self, tmp_path: Path) -> None:
        source = plans_in(tmp_path)
        first = source.read()
        again = source.read()
        assert [a is b for a, b in zip(first, again, strict=True)] == [True, True]

    def test_a_changed_file_is_read_anew_and_the_others_are_kept(self, tmp_path: Path) -> None:
        source = plans_in(tmp_path)
        first = {p.planfile: p for p in source.read()}
        (tmp_path / "b.md").write_text("# B\n\n- [x] T2 Ship it (#4)\n", encoding="utf-8")
        again = {p.planfile: p for p in source.read()}
        assert again["a.md"] is first["a.md"]
        assert again["b.md"].raw == (tmp_path / "b.md").read_bytes()
        (task,) = again["b.md"].input.document.tasks
        assert task.done
        assert [r.number for r in task.issue_refs] == [4]
        assert again["b.md"].input.lines[2] == "- [x] T2 Ship it (#4)"

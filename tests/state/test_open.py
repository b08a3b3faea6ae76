"""Opening the state database a config names, and the project lock each store provides."""

from __future__ import annotations

from pathlib import Path

import pytest

from plansync.errors import BusyError
from plansync.state.open import memory_state, open_state, sqlite_file, state_exists

SCOPE = "web@github:https://api.github.com/acme/web"


class TestOpening:
    def test_the_file_is_created_on_open_only(self, tmp_path: Path) -> None:
        url = f"sqlite:///{tmp_path / 'deep' / 'state.db'}"
        assert sqlite_file(url) == tmp_path / "deep" / "state.db"
        assert not state_exists(url)
        with open_state(url) as database:
            assert database.where == str(tmp_path / "deep" / "state.db")
        assert state_exists(url)

    def test_a_url_of_another_kind_is_refused(self) -> None:
        with pytest.raises(ValueError, match="sqlite:///"):
            sqlite_file("postgresql://db/plansync")

    def test_memory_state_leaves_no_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        with memory_state() as database:
            database.store("web", SCOPE).add_known_labels(["plansync"])
            assert database.store("web", SCOPE).known_labels() == {"plansync"}
        assert list(tmp_path.iterdir()) == []


class TestTheProjectLock:
    def test_one_run_at_a_time_per_project(self, tmp_path: Path) -> None:
        with open_state(f"sqlite:///{tmp_path / 'state.db'}") as database:
            store = database.store("web", SCOPE)
            with store.lock():
                other_repository = database.store("web", "web@gitlab:x/y")
                with pytest.raises(BusyError, match="web"), other_repository.lock():
                    pass
                with database.store("docs", SCOPE).lock():
                    pass  # another project is not held up
            with store.lock():
                pass  # released

    def test_the_lock_file_sits_beside_the_database(self, tmp_path: Path) -> None:
        database = open_state(f"sqlite:///{tmp_path / 'state.db'}")
        with database, database.store("web", SCOPE).lock():
            assert (tmp_path / "locks" / "web.lock").is_file()

    def test_in_memory_the_lock_holds_within_the_process(self) -> None:
        with memory_state() as database:
            store = database.store("web", SCOPE)
            with store.lock(), pytest.raises(BusyError), store.lock():
                pass
            with store.lock():
                pass

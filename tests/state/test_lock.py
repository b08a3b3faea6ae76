"""One run per project: the project lock excludes other holders, in this process or another,
and the kernel frees it when its holder dies."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from plansync.errors import BusyError, ConfigError, PlansyncError
from plansync.state.lock import ProjectLock

HOLDER = """
import sys
from pathlib import Path
from plansync.state.lock import ProjectLock

lock = ProjectLock(Path(sys.argv[1]), sys.argv[2])
lock.acquire()
print("locked", flush=True)
sys.stdin.read()  # hold the lock until the parent closes stdin, or kills this process
"""


@contextmanager
def holder_process(folder: Path, project: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the project's lock until it ends."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), project],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline() == "locked\n"
            yield child
        finally:
            child.kill()
            child.wait(timeout=10)


class TestInOneProcess:
    def test_a_second_lock_on_the_same_project_is_busy(self, tmp_path: Path) -> None:
        first, second = ProjectLock(tmp_path, "web"), ProjectLock(tmp_path, "web")
        first.acquire()
        with pytest.raises(BusyError) as caught:
            second.acquire()
        assert str(caught.value) == (
            f"Project web is being synced by another run (lock {tmp_path / 'web.lock'}, held "
            f"by pid {os.getpid()}). Wait for it to finish, or stop the daemon "
            "first."
        )
        assert caught.value.exit_code == 1
        assert not second.held
        first.release()

    def test_different_projects_do_not_block_each_other(self, tmp_path: Path) -> None:
        with ProjectLock(tmp_path, "web"), ProjectLock(tmp_path, "app") as app:
            assert app.held
        assert sorted(p.name for p in tmp_path.iterdir()) == ["app.lock", "web.lock"]

    def test_release_lets_the_next_acquire_succeed(self, tmp_path: Path) -> None:
        first, second = ProjectLock(tmp_path, "web"), ProjectLock(tmp_path, "web")
        with first:
            assert first.held
        assert not first.held
        second.acquire()
        assert second.held
        with pytest.raises(BusyError):
            first.acquire()
        second.release()
        first.acquire()
        first.release()

    def test_waiting_polls_until_the_lock_is_free(self, tmp_path: Path) -> None:
        first, second = ProjectLock(tmp_path, "web"), ProjectLock(tmp_path, "web")
        first.acquire()
        timer = threading.Timer(0.3, first.release)
        started = time.monotonic()
        timer.start()
        try:
            second.acquire(wait=10)
        finally:
            timer.join()
        assert 0.3 <= time.monotonic() - started < 5
        assert second.held
        second.release()

    def test_waiting_gives_up_after_the_wait(self, tmp_path: Path) -> None:
        with ProjectLock(tmp_path, "web"):
            started = time.monotonic()
            with pytest.raises(BusyError):
                ProjectLock(tmp_path, "web").acquire(wait=0.35)
            assert 0.35 <= time.monotonic() - started < 2

    def test_the_lock_file_names_the_holder_only_while_it_is_held(self, tmp_path: Path) -> None:
        lock = ProjectLock(tmp_path, "web")
        with lock:
            assert lock.path.read_text() == f"{os.getpid()}\n"
        assert lock.path.read_text() == ""

    def test_a_holder_that_wrote_no_pid_is_not_named(self, tmp_path: Path) -> None:
        lock = ProjectLock(tmp_path, "web")
        with lock:
            lock.path.write_text("")
            with pytest.raises(BusyError) as caught:
                ProjectLock(tmp_path, "web").acquire()
        assert f"(lock {lock.path}). Wait" in str(caught.value)

    def test_acquiring_twice_with_one_object_is_a_mistake(self, tmp_path: Path) -> None:
        with ProjectLock(tmp_path, "web") as lock, pytest.raises(RuntimeError, match="already"):
            lock.acquire()

    def test_releasing_a_lock_not_held_does_nothing(self, tmp_path: Path) -> None:
        lock = ProjectLock(tmp_path, "web")
        lock.release()
        with lock:
            pass
        lock.release()
        assert not lock.held

    def test_project_names_become_one_file_name(self, tmp_path: Path) -> None:
        lock = ProjectLock(tmp_path / "locks", "group/sub project")
        with lock:
            assert lock.path == tmp_path / "locks" / "group%2Fsub%20project.lock"
            assert lock.path.is_file()

    def test_empty_project_name_is_refused(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="non-empty"):
            ProjectLock(tmp_path, "")

    def test_a_folder_that_cannot_be_made_is_a_config_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("not a folder")
        with pytest.raises(ConfigError, match=r"lock file .*file/web\.lock for project 'web'"):
            ProjectLock(blocker, "web").acquire()

    def test_a_platform_without_fcntl_gets_a_clear_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(sys.modules, "fcntl", None)  # makes `import fcntl` fail
        with pytest.raises(PlansyncError, match="Linux or macOS"):
            ProjectLock(tmp_path, "web").acquire()


class TestAcrossProcesses:
    def test_a_process_holding_the_lock_blocks_this_one(self, tmp_path: Path) -> None:
        with holder_process(tmp_path, "web") as child:
            with pytest.raises(BusyError, match=f"held by pid {child.pid}\\)"):
                ProjectLock(tmp_path, "web").acquire()
            with ProjectLock(tmp_path, "app"):
                pass

    def test_the_holder_dying_frees_the_lock(self, tmp_path: Path) -> None:
        with holder_process(tmp_path, "web") as child:
            child.kill()  # no clean-up runs in the child: the kernel drops the lock
            child.wait(timeout=10)
            lock = ProjectLock(tmp_path, "web")
            lock.acquire(wait=5)
            assert lock.held
            lock.release()

    def test_waiting_for_a_holder_that_finishes(self, tmp_path: Path) -> None:
        with holder_process(tmp_path, "web") as child:
            assert child.stdin is not None
            timer = threading.Timer(0.3, child.stdin.close)  # the child then exits
            timer.start()
            lock = ProjectLock(tmp_path, "web")
            try:
                lock.acquire(wait=10)
            finally:
                timer.join()
            assert lock.held
            assert child.wait(timeout=10) == 0
            lock.release()

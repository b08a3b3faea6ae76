"""One run per project at a time: an exclusive `flock` on a lock file per project.

`flock` rather than a pid file: the kernel drops the lock when the process holding it dies,
however it dies, so a killed run never leaves a stale lock behind. The lock belongs to an open
file description, so two `ProjectLock` objects exclude each other even inside one process.
The lock file stays in place after a release (deleting it would let two runs lock two different
files of the same name); it holds the pid of the run holding the lock, for the busy message.
POSIX only (Linux, macOS).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType, TracebackType
from urllib.parse import quote

from plansync.errors import BusyError, ConfigError, PlansyncError

__all__ = ["ProjectLock"]

_POLL_SECONDS = 0.1


def _fcntl() -> ModuleType:
    try:
        import fcntl
    except ImportError:
        raise PlansyncError(
            "plansync's project lock needs POSIX file locks (the fcntl module), which this "
            "platform lacks; run plansync on Linux or macOS."
        ) from None
    return fcntl


class ProjectLock:
    """An exclusive lock on one project, held in the file `folder/<project>.lock` (the project
    name percent-encoded so it is one file name). Use it as a context manager, or call
    `acquire` and `release`."""

    def __init__(self, folder: Path, project: str) -> None:
        if not project:
            raise ValueError("a project lock needs a non-empty project name")
        self.project = project
        self.path = folder / f"{quote(project, safe='')}.lock"
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, trying every 0.1 s for up to `wait` seconds.

        Raises BusyError when another run still holds it after `wait`, ConfigError when the
        lock file cannot be created, and RuntimeError when this object already holds it.
        """
        if self._fd is not None:
            raise RuntimeError(f"the lock {self.path} is already held by this ProjectLock")
        fcntl = _fcntl()
        fd = self._open()
        deadline = time.monotonic() + max(wait, 0.0)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise BusyError(self._busy_message(_holder(fd))) from None
                    time.sleep(min(_POLL_SECONDS, remaining))
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        except BaseException:
            os.close(fd)  # closing also drops the lock if it was taken
            raise
        self._fd = fd

    def release(self) -> None:
        """Give the lock up; releasing a lock that is not held does nothing."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # the pid of a finished run must not name a later holder
            fcntl = _fcntl()
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _open(self) -> int:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            return os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(
                f"The lock file {self.path} for project {self.project!r} cannot be opened "
                f"({exc.strerror}). Check that its folder exists or can be created and that "
                "plansync may write there."
            ) from exc

    def _busy_message(self, pid: int | None) -> str:
        holder = f", held by pid {pid}" if pid is not None else ""
        return (
            f"Project {self.project} is being synced by another run (lock {self.path}{holder}). "
            "Wait for it to finish, or stop the daemon first."
        )


def _holder(fd: int) -> int | None:
    """The pid written in the lock file by the run holding it, when it has written one."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None

"""Writing files without ever leaving a half-written one behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, data: bytes, still_valid: Callable[[], bool] | None = None) -> bool:
    """Replace `path` with `data`: write a temporary file beside it, fsync, rename.

    A crash at any instant leaves either the old file or the new one, never a mix. The file's
    permission bits are kept. With `still_valid`, it is asked right before the rename; when it
    says no, nothing is replaced and False is returned (no temporary file is left).
    """
    directory = path.parent
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        if still_valid is not None and not still_valid():
            tmp.unlink()
            return False
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(directory)
    return True


def _fsync_dir(directory: Path) -> None:
    # The rename is durable only once the folder's entry is on disk (POSIX).
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        return
    finally:
        os.close(fd)

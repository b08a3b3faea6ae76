"""A throwaway PostgreSQL cluster for the tests: `initdb` in a temporary folder, the server on a
free loopback port with its socket in that folder, trust authentication, no fsync; stopped
and deleted at the end.

The server refuses to run as root, so when the tests run as root (as CI does) the cluster
belongs to the `postgres` user the Debian package creates, and `initdb` / `pg_ctl` run as
that user through `runuser`.

    server = PostgresServer.find()      # None: no PostgreSQL binaries on this machine
    server.start()
    url = server.new_database()         # postgresql://postgres@127.0.0.1:PORT/test_N
    server.stop()
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were not found: the PostgreSQL "
    "tests need them. Install them with `apt-get install postgresql` (Debian, Ubuntu), or put "
    "a folder holding them on PATH (or name it in PLANSYNC_TEST_PG_BIN); `.ci/run` installs "
    "them."
)
SUPERUSER = "postgres"
BIN_ENV = "PLANSYNC_TEST_PG_BIN"


def find_bin_dir() -> Path | None:
    """The folder of `initdb` and `pg_ctl`: PLANSYNC_TEST_PG_BIN when set, else the one on PATH,
    else the newest Debian install."""
    chosen = os.environ.get(BIN_ENV)
    if chosen is not None:
        folder = Path(chosen)
        return folder if (folder / "initdb").exists() and (folder / "pg_ctl").exists() else None
    initdb = shutil.which("initdb")
    if initdb is not None:
        folder = Path(initdb).resolve().parent
        if (folder / "pg_ctl").exists():
            return folder
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parts[-3]) if Path(path).parts[-3].isdigit() else 0,
    )
    return Path(debian[-1]).parent if debian else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="plansync-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", SUPERUSER, "--"]
            shutil.chown(self.folder, user=SUPERUSER)

    @classmethod
    def find(cls) -> PostgresServer | None:
        bin_dir = find_bin_dir()
        return None if bin_dir is None else cls(bin_dir)

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self._as_user, *command], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(command)} failed ({done.returncode}): {done.stdout}{done.stderr}"
            )

    def start(self) -> None:
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} "
            f"-c unix_socket_directories={self.folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def new_database(self) -> str:
        """A new, empty database; its URL."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.url(name)

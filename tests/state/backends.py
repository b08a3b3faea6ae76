"""The backends the state store's contract runs against, and the names its tests use."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import psycopg

from plansync.state.base import StateDatabase
from plansync.state.open import open_state

PROJECT = "website"
SCOPE = "website@github:https://api.github.com/acme/web"
OTHER = "website@gitlab:https://gitlab.example/api/v4/acme/web"

BACKENDS = ("sqlite", "postgresql")


@dataclass
class Backend:
    """One backend's database, as plansync opens it and as another program reaches it."""

    name: str
    url: str
    where: str

    def open(self) -> StateDatabase:
        return open_state(self.url)

    def execute(self, statement: str) -> int:
        """Run one statement (no parameters) as another program would; rows it changed, or
        the first column of its first row for a query."""
        if self.name == "sqlite":
            raw = sqlite3.connect(self.where)
            try:
                with raw:
                    cursor = raw.execute(statement)
                    row = cursor.fetchone() if cursor.description else None
                    return int(row[0]) if row is not None else cursor.rowcount
            finally:
                raw.close()
        with psycopg.connect(self.url, autocommit=True) as raw:
            raw.execute("SET search_path TO plansync")
            result = raw.execute(statement)
            row = result.fetchone() if result.description else None
            return int(row[0]) if row is not None else result.rowcount

"""`plansync state copy FROM TO`: every row of one state store into another, e.g. a SQLite file
into the PostgreSQL database several daemons will share.

Both stores are opened (so migrated) first: both are then at this plansync's schema version
and hold the same tables. The source is read in one snapshot; the target is written in one
transaction, which is all or nothing. A target that holds rows is refused unless `replace`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plansync.errors import ConfigError
from plansync.state.open import (
    POSTGRES_SCHEMES,
    is_postgres,
    open_state,
    sqlite_file,
    state_exists,
    where_of,
)

_SQLITE = "sqlite:///"


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    rows: dict[str, int]  # table -> rows copied


def state_url(value: str) -> str:
    """A state URL from what a person typed: a URL, or the path of a SQLite file."""
    if value.startswith((_SQLITE, *POSTGRES_SCHEMES)):
        return value
    if "://" in value:
        raise ConfigError(
            f"{value!r} is neither the path of a SQLite file, a sqlite:/// URL nor a "
            "postgresql:// URL."
        )
    return _SQLITE + str(Path(value).expanduser().resolve())


def copy_state(source_url: str, target_url: str, *, replace: bool = False) -> CopyReport:
    """Copy every row of the store at `source_url` into the one at `target_url` (created when
    it is a SQLite file that does not exist yet)."""
    if source_url == target_url:
        raise ConfigError(f"{source_url} is both the source and the target of the copy.")
    if not state_exists(source_url):
        if is_postgres(source_url):
            raise ConfigError(
                f"The database {where_of(source_url)} holds no plansync state store to copy "
                "from (no `plansync` schema). Check the URL."
            )
        raise ConfigError(
            f"There is no state store at {sqlite_file(source_url)} to copy from. Check the "
            "path (a plansync state file is .plansync/state.db beside the config by default)."
        )
    with open_state(source_url) as source, open_state(target_url) as target:
        tables = source.dump_tables()
        target.load_tables(tables, replace)
        return CopyReport(
            source.where, target.where, {table.table: len(table.rows) for table in tables}
        )

"""Whole tables of a state store, as `plansync state copy` moves them from one backend to
another: every row of every table, the same on both sides since both run the same migrations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from plansync.errors import PlansyncError


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: list[tuple[object, ...]]


class NotEmptyError(PlansyncError):
    """The target of a copy already holds rows, and replacing them was not asked for."""


def check_empty(where: str, held: Mapping[str, int], replace: bool) -> None:
    """Refuse to copy into a store that holds rows, unless they are to be replaced."""
    full = {table: count for table, count in held.items() if count}
    if full and not replace:
        counts = ", ".join(f"{table}: {count}" for table, count in sorted(full.items()))
        raise NotEmptyError(
            f"The state store {where} already holds rows ({counts}). Copying into it would "
            "mix two stores' links. Copy into an empty database, or pass --replace to delete "
            "what it holds first (in the same transaction as the copy)."
        )


def copy_failed(where: str, reason: str) -> PlansyncError:
    return PlansyncError(
        f"The copy into the state store {where} failed ({reason}). Nothing was written there: "
        "the copy is one transaction. Check the source store (plansync status reads it), "
        "then run the copy again."
    )


def insert_statement(table: TableRows, placeholder: str) -> str:
    """INSERT of one row of `table`, with the backend's parameter placeholder."""
    columns = ", ".join(f'"{column}"' for column in table.columns)
    values = ", ".join(placeholder for _ in table.columns)
    return f'INSERT INTO "{table.table}" ({columns}) VALUES ({values})'

"""Rows of the state store's tables as plansync's types, the same for every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from plansync.state import codec
from plansync.state.base import BlockRef, RunRecord


def run_record(row: tuple[Any, ...], summary: dict[str, object]) -> RunRecord:
    """A `runs` row (id, project, started_at, finished_at, dry_run, ok, summary) with its
    summary already decoded."""
    run_id, project, started_at, finished_at, dry_run, ok, _ = row
    return RunRecord(
        id=run_id,
        project=project,
        started_at=datetime.fromisoformat(started_at),
        finished_at=None if finished_at is None else datetime.fromisoformat(finished_at),
        dry_run=bool(dry_run),
        ok=None if ok is None else bool(ok),
        summary=summary,
    )


def block_ref(kind: str, target: str) -> BlockRef:
    """A `written_blocks` row's block; CodecError when the row names no such block."""
    try:
        return BlockRef(kind, target)
    except ValueError as exc:
        raise codec.CodecError(str(exc)) from exc


def now_text() -> str:
    """The time now, as the store keeps times."""
    return datetime.now(UTC).isoformat()

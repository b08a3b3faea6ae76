"""The state store: the sync engine's memory of links, base values, the tracker snapshot,
cursors, processed comments and runs, kept in one SQLite file."""

from plansync.state.schema import LATEST_VERSION
from plansync.state.sqlite import STREAMS, RunRecord, StateStore

__all__ = ["LATEST_VERSION", "STREAMS", "RunRecord", "StateStore"]

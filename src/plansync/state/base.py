"""What the engine asks of its memory: the `StateStore` Protocol, bound to one project's scope,
and the `StateDatabase` that holds the stores of every project.

A scope is the project's name plus the tracker and repository it syncs with, so a project
pointed at another repository starts from what that repository holds. Every mutating call is
its own transaction and is committed before it returns: what a run records as it happens
survives a crash right after.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Protocol

from plansync.model.remote import Cursor, RemoteIssue, RemoteMilestone
from plansync.model.sync import Findings, Link, MilestoneLink, TaskRef
from plansync.state.tables import TableRows

# The incremental reads whose cursors a store keeps.
STREAMS = ("issues", "milestones", "comments")
# The blocks plansync writes and keeps digests of: a planfile's summary, an issue body's
# block, a milestone's progress line, a tracking issue's body.
BLOCK_KINDS = ("summary", "body", "progress", "tracking")


@dataclass(frozen=True)
class BlockRef:
    """One block plansync writes: `kind` (one of BLOCK_KINDS) and `target`, the planfile
    (summary) or the number of the issue or milestone, as text."""

    kind: str
    target: str

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(
                f"unknown block kind {self.kind!r}; the kinds are {', '.join(BLOCK_KINDS)}"
            )


@dataclass(frozen=True)
class PendingReply:
    """plansync's answer to a processed comment, recorded before it is posted: `reaction` goes
    on the comment with the reply."""

    comment_id: int
    issue_number: int
    body: str
    reaction: str


@dataclass(frozen=True)
class RunRecord:
    """One run of the engine. `ok` and `finished_at` are None while it runs, or when it was
    killed before it finished."""

    id: int
    project: str
    started_at: datetime
    finished_at: datetime | None
    dry_run: bool
    ok: bool | None
    summary: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DirtyClaim:
    """A daemon's claim on a project marked dirty (a webhook said it changed): `owner` runs
    it. `marks` is how many marks the claim saw, so marks made during the run are not lost."""

    project: str
    scope: str
    owner: str
    marks: int


class StateStore(Protocol):
    """One project's links, base values, tracker snapshot and cursors, findings, processed
    comments and run log, and the lock that lets one run at a time sync the project."""

    @property
    def project(self) -> str: ...

    @property
    def scope(self) -> str: ...

    def lock(self, wait: float = 0.0) -> AbstractContextManager[object]:
        """Exclusive use of the project; BusyError when another run still holds it after
        `wait` seconds."""
        ...

    # links
    def links(self) -> dict[TaskRef, Link]: ...
    def save_link(self, link: Link) -> None: ...
    def delete_link(self, task: TaskRef) -> None: ...
    def milestone_links(self) -> dict[str, MilestoneLink]: ...
    def save_milestone_link(self, link: MilestoneLink) -> None: ...

    # what the last run that synced anything found
    def findings(self) -> Findings: ...
    def save_findings(self, findings: Findings) -> None: ...

    # labels plansync made or saw
    def known_labels(self) -> set[str]: ...
    def add_known_labels(self, names: Iterable[str]) -> None: ...

    # the tracker snapshot cache
    def cached_issues(self) -> dict[int, RemoteIssue]: ...
    def forget_issue(self, number: int) -> None: ...
    def cached_milestones(self) -> list[RemoteMilestone] | None: ...
    def cursor(self, stream: str) -> Cursor | None: ...
    def save_snapshot(
        self,
        issues: Iterable[RemoteIssue],
        milestones: Sequence[RemoteMilestone] | None,
        cursors: Mapping[str, Cursor | None],
    ) -> None: ...

    # digests of the blocks plansync wrote
    def written_blocks(self) -> dict[BlockRef, frozenset[str]]:
        """Each block's digests: what plansync last wrote there (two while a write is under
        way, or after one whose outcome is unknown)."""
        ...

    def expect_block(self, block: BlockRef, digest: str) -> None:
        """Before a write: `digest` counts as plansync's too, beside what it had."""
        ...

    def settle_block(self, block: BlockRef, digests: Iterable[str]) -> None:
        """After a write: the block's digests are `digests`, and no others."""
        ...

    # comment commands
    def is_comment_processed(self, comment_id: int) -> bool: ...
    def mark_comment_processed(self, comment_id: int) -> None: ...
    def record_reply(self, reply: PendingReply) -> None:
        """In one transaction: the comment is processed, and its reply is pending."""
        ...

    def pending_replies(self) -> list[PendingReply]:
        """The replies recorded and not yet posted, oldest comment first."""
        ...

    def reply_posted(self, comment_id: int) -> None: ...

    # coordination of daemons sharing the store
    def mark_dirty(self) -> None:
        """The project needs a run: a daemon claims it (StateDatabase.claim_dirty) and runs it."""
        ...

    # the run log
    def start_run(self, dry_run: bool) -> int: ...
    def finish_run(self, run_id: int, ok: bool, summary: Mapping[str, object]) -> None: ...
    def runs(self, limit: int = 20) -> list[RunRecord]: ...


class StateDatabase(Protocol):
    """Where the stores of every project live: a SQLite file, or a PostgreSQL database that
    several daemons share."""

    @property
    def where(self) -> str:
        """The database as messages name it (a path, `:memory:`)."""
        ...

    def store(self, project: str, scope: str) -> StateStore: ...

    # coordination of daemons sharing the store
    def claim_dirty(self, owner: str, lease: float, limit: int = 1) -> list[DirtyClaim]:
        """Claim up to `limit` dirty projects, oldest mark first, for `lease` seconds: no
        other owner claims them until the claim is finished or the lease runs out (a daemon
        that died holding a claim)."""
        ...

    def finish_claim(self, claim: DirtyClaim, ran: bool) -> None:
        """After the run (`ran`): the project is clean, unless it was marked again since the
        claim. Without a run (its lock was busy, the run failed early): it stays dirty,
        free for any daemon to claim."""
        ...

    def record_delivery(self, delivery_id: str) -> bool:
        """Remember a webhook delivery; False when it was recorded before (a redelivery)."""
        ...

    def forget_deliveries(self, older_than: float) -> int:
        """Drop the deliveries recorded more than `older_than` seconds ago; how many."""
        ...

    # the write history of the pacing queues
    def record_write(self, queue: str, at: datetime) -> None:
        """Remember a write sent through `queue` (a tracker host's pacing queue) at `at`, an
        aware datetime; the queue's writes older than write_history.KEPT before `at` are
        forgotten. Its own short transaction, never the one of a project's lock: safe from
        any thread, and from every process on the store."""
        ...

    def writes_since(self, queue: str, since: datetime) -> list[datetime]:
        """The times (UTC) of the writes recorded for `queue` at or after `since`, oldest
        first, whichever process recorded them."""
        ...

    # whole tables, for copying a store into another
    def dump_tables(self) -> list[TableRows]:
        """Every table with all its rows, read from one snapshot."""
        ...

    def load_tables(self, tables: Sequence[TableRows], replace: bool) -> None:
        """Write `tables` in one transaction; NotEmptyError when the store holds rows and
        `replace` is false (with it, they are deleted first)."""
        ...

    def close(self) -> None: ...

    def __enter__(self) -> StateDatabase: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_stream(stream: str) -> None:
    if stream not in STREAMS:
        raise ValueError(f"unknown cursor stream {stream!r}; the streams are {', '.join(STREAMS)}")

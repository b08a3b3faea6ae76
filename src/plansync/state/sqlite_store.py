"""One project's rows of the SQLite state database: every query is bound to the project's scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from plansync.errors import PlansyncError
from plansync.gcpause import without_gc
from plansync.model.remote import Cursor, RemoteIssue, RemoteMilestone
from plansync.model.sync import Findings, Link, MilestoneLink, TaskRef
from plansync.state import codec
from plansync.state.base import BlockRef, PendingReply, RunRecord, check_stream
from plansync.state.rows import block_ref, now_text, run_record

if TYPE_CHECKING:
    from plansync.state.sqlite import SqliteDatabase


class SqliteStore:
    """The StateStore of one project in a SqliteDatabase."""

    def __init__(self, db: SqliteDatabase, project: str, scope: str) -> None:
        self._db = db
        self.project = project
        self.scope = scope
        # The links as last read, by their stored text: a run reads them several times, and
        # decodes again only the rows written since.
        self._links_read: dict[str, Link] = {}

    def lock(self, wait: float = 0.0) -> AbstractContextManager[object]:
        return self._db.lock(self.project, wait)

    # links ----------------------------------------------------------------------------------

    @without_gc
    def links(self) -> dict[TaskRef, Link]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT planfile, task_key, data FROM links WHERE scope = ? "
                "ORDER BY planfile, task_key",
                (self.scope,),
            ).fetchall()
        result: dict[TaskRef, Link] = {}
        decoded: dict[str, Link] = {}
        for planfile, task_key, data in rows:
            link = self._links_read.get(data)
            if link is None:
                with self._db.reading_row("links", self.scope, f"task {planfile}#{task_key}"):
                    link = codec.loads(Link, data)
            decoded[data] = link
            result[link.task] = link
        self._links_read = decoded
        return result

    def save_link(self, link: Link) -> None:
        """Insert or replace the link of `link.task`."""
        data = codec.dumps(link)
        with self._db.writing() as connection:
            connection.execute(
                "INSERT INTO links (scope, planfile, task_key, data) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (scope, planfile, task_key) DO UPDATE SET data = excluded.data",
                (self.scope, link.task.planfile, link.task.key, data),
            )

    def delete_link(self, task: TaskRef) -> None:
        with self._db.writing() as connection:
            connection.execute(
                "DELETE FROM links WHERE scope = ? AND planfile = ? AND task_key = ?",
                (self.scope, task.planfile, task.key),
            )

    # milestone links ------------------------------------------------------------------------

    def milestone_links(self) -> dict[str, MilestoneLink]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT title, data FROM milestone_links WHERE scope = ? ORDER BY title",
                (self.scope,),
            ).fetchall()
        result: dict[str, MilestoneLink] = {}
        for title, data in rows:
            with self._db.reading_row("milestone_links", self.scope, f"title {title!r}"):
                result[title] = codec.loads(MilestoneLink, data)
        return result

    def save_milestone_link(self, link: MilestoneLink) -> None:
        """Insert or replace the link of the milestone titled `link.title`."""
        data = codec.dumps(link)
        with self._db.writing() as connection:
            connection.execute(
                "INSERT INTO milestone_links (scope, title, data) VALUES (?, ?, ?) "
                "ON CONFLICT (scope, title) DO UPDATE SET data = excluded.data",
                (self.scope, link.title, data),
            )

    # findings -------------------------------------------------------------------------------

    def findings(self) -> Findings:
        """The conflicts and failed creates of the last run that synced anything (none yet:
        empty findings)."""
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT data FROM findings WHERE scope = ?", (self.scope,)
            ).fetchone()
        if row is None:
            return Findings()
        with self._db.reading_row("findings", self.scope, "the findings"):
            return codec.loads(Findings, row[0])

    def save_findings(self, findings: Findings) -> None:
        data = codec.dumps(findings)
        with self._db.writing() as connection:
            connection.execute(
                "INSERT INTO findings (scope, data) VALUES (?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET data = excluded.data",
                (self.scope, data),
            )

    # labels ---------------------------------------------------------------------------------

    def known_labels(self) -> set[str]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT name FROM known_labels WHERE scope = ?", (self.scope,)
            ).fetchall()
        return {name for (name,) in rows}

    def add_known_labels(self, names: Iterable[str]) -> None:
        with self._db.writing() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO known_labels (scope, name) VALUES (?, ?)",
                ((self.scope, name) for name in names),
            )

    # the tracker snapshot cache ---------------------------------------------------------------

    @without_gc
    def cached_issues(self) -> dict[int, RemoteIssue]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT number, data FROM cached_issues WHERE scope = ? ORDER BY number",
                (self.scope,),
            ).fetchall()
        result: dict[int, RemoteIssue] = {}
        for number, data in rows:
            with self._db.reading_row("cached_issues", self.scope, f"issue #{number}"):
                result[number] = codec.loads(RemoteIssue, data)
        return result

    def forget_issue(self, number: int) -> None:
        """Drop an issue the tracker says is gone (404 / 410) from the cached snapshot."""
        with self._db.writing() as connection:
            connection.execute(
                "DELETE FROM cached_issues WHERE scope = ? AND number = ?", (self.scope, number)
            )

    def cached_milestones(self) -> list[RemoteMilestone] | None:
        """The milestone list last saved, or None when none was ever saved for this scope."""
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT data FROM cached_milestones WHERE scope = ?", (self.scope,)
            ).fetchone()
        if row is None:
            return None
        with self._db.reading_row("cached_milestones", self.scope, "the milestone list"):
            return codec.loads_list(RemoteMilestone, row[0])

    def cursor(self, stream: str) -> Cursor | None:
        check_stream(stream)
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT data FROM cursors WHERE scope = ? AND stream = ?", (self.scope, stream)
            ).fetchone()
        if row is None:
            return None
        with self._db.reading_row("cursors", self.scope, f"stream {stream!r}"):
            return codec.loads(Cursor, row[0])

    def save_snapshot(
        self,
        issues: Iterable[RemoteIssue],
        milestones: Sequence[RemoteMilestone] | None,
        cursors: Mapping[str, Cursor | None],
    ) -> None:
        """In one transaction: upsert `issues` by number, replace the milestone list unless
        `milestones` is None, set each cursor (None deletes it). If anything fails, nothing
        is written."""
        for stream in cursors:
            check_stream(stream)
        with self._db.writing() as connection:
            for issue in issues:
                connection.execute(
                    "INSERT INTO cached_issues (scope, number, data) VALUES (?, ?, ?) "
                    "ON CONFLICT (scope, number) DO UPDATE SET data = excluded.data",
                    (self.scope, issue.number, codec.dumps(issue)),
                )
            if milestones is not None:
                connection.execute(
                    "INSERT INTO cached_milestones (scope, data) VALUES (?, ?) "
                    "ON CONFLICT (scope) DO UPDATE SET data = excluded.data",
                    (self.scope, codec.dumps(tuple(milestones))),
                )
            for stream, cursor in cursors.items():
                if cursor is None:
                    connection.execute(
                        "DELETE FROM cursors WHERE scope = ? AND stream = ?", (self.scope, stream)
                    )
                else:
                    connection.execute(
                        "INSERT INTO cursors (scope, stream, data) VALUES (?, ?, ?) "
                        "ON CONFLICT (scope, stream) DO UPDATE SET data = excluded.data",
                        (self.scope, stream, codec.dumps(cursor)),
                    )

    # digests of the blocks plansync wrote ------------------------------------------------------

    def written_blocks(self) -> dict[BlockRef, frozenset[str]]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT kind, target, digest FROM written_blocks WHERE scope = ? "
                "ORDER BY kind, target, digest",
                (self.scope,),
            ).fetchall()
        found: dict[BlockRef, set[str]] = {}
        for kind, target, digest in rows:
            with self._db.reading_row("written_blocks", self.scope, f"{kind} {target!r}"):
                block = block_ref(kind, target)
            found.setdefault(block, set()).add(digest)
        return {block: frozenset(digests) for block, digests in found.items()}

    def expect_block(self, block: BlockRef, digest: str) -> None:
        with self._db.writing() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO written_blocks (scope, kind, target, digest) "
                "VALUES (?, ?, ?, ?)",
                (self.scope, block.kind, block.target, digest),
            )

    def settle_block(self, block: BlockRef, digests: Iterable[str]) -> None:
        """In one transaction, so the block never reads as having no digest."""
        with self._db.writing() as connection:
            connection.execute(
                "DELETE FROM written_blocks WHERE scope = ? AND kind = ? AND target = ?",
                (self.scope, block.kind, block.target),
            )
            connection.executemany(
                "INSERT OR IGNORE INTO written_blocks (scope, kind, target, digest) "
                "VALUES (?, ?, ?, ?)",
                ((self.scope, block.kind, block.target, digest) for digest in digests),
            )

    # comment commands -------------------------------------------------------------------------

    def is_comment_processed(self, comment_id: int) -> bool:
        with self._db.reading() as connection:
            row = connection.execute(
                "SELECT 1 FROM processed_comments WHERE scope = ? AND comment_id = ?",
                (self.scope, comment_id),
            ).fetchone()
        return row is not None

    def mark_comment_processed(self, comment_id: int) -> None:
        """Remember the comment; marking it again keeps the first time."""
        with self._db.writing() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO processed_comments (scope, comment_id, processed_at) "
                "VALUES (?, ?, ?)",
                (self.scope, comment_id, now_text()),
            )

    def record_reply(self, reply: PendingReply) -> None:
        with self._db.writing() as connection:
            connection.execute(
                "INSERT OR IGNORE INTO processed_comments (scope, comment_id, processed_at) "
                "VALUES (?, ?, ?)",
                (self.scope, reply.comment_id, now_text()),
            )
            connection.execute(
                "INSERT OR IGNORE INTO comment_replies "
                "(scope, comment_id, issue_number, body, reaction, posted) "
                "VALUES (?, ?, ?, ?, ?, 0)",
                (self.scope, reply.comment_id, reply.issue_number, reply.body, reply.reaction),
            )

    def pending_replies(self) -> list[PendingReply]:
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT comment_id, issue_number, body, reaction FROM comment_replies "
                "WHERE scope = ? AND posted = 0 ORDER BY comment_id",
                (self.scope,),
            ).fetchall()
        return [PendingReply(int(r[0]), int(r[1]), str(r[2]), str(r[3])) for r in rows]

    def reply_posted(self, comment_id: int) -> None:
        with self._db.writing() as connection:
            connection.execute(
                "UPDATE comment_replies SET posted = 1 WHERE scope = ? AND comment_id = ?",
                (self.scope, comment_id),
            )

    # coordination of daemons ----------------------------------------------------------------

    def mark_dirty(self) -> None:
        """Mark the project dirty; a mark while it is claimed keeps it dirty after that run."""
        with self._db.writing() as connection:
            connection.execute(
                "INSERT INTO dirty_projects (scope, project, marked_at, marks) "
                "VALUES (?, ?, ?, 1) "
                "ON CONFLICT (scope) DO UPDATE SET marks = dirty_projects.marks + 1",
                (self.scope, self.project, now_text()),
            )

    # run log --------------------------------------------------------------------------------

    def start_run(self, dry_run: bool) -> int:
        """Record the start of a run; returns its id for `finish_run`."""
        with self._db.writing() as connection:
            run_id = connection.execute(
                "INSERT INTO runs (scope, project, started_at, dry_run) VALUES (?, ?, ?, ?)",
                (self.scope, self.project, now_text(), int(dry_run)),
            ).lastrowid
        if run_id is None:
            raise PlansyncError(f"The state store {self._db.where} did not number the new run.")
        return run_id

    def finish_run(self, run_id: int, ok: bool, summary: Mapping[str, object]) -> None:
        """Record the end of a run with its summary (kept as JSON: enums, dates and
        dataclasses in it are stored as their plain values)."""
        data = codec.dumps(dict(summary))
        with self._db.writing() as connection:
            updated = connection.execute(
                "UPDATE runs SET finished_at = ?, ok = ?, summary = ? WHERE id = ?",
                (now_text(), int(ok), data, run_id),
            ).rowcount
            if updated != 1:
                raise ValueError(
                    f"The state store {self._db.where} has no run {run_id}: finish_run takes "
                    "the id start_run returned."
                )

    def runs(self, limit: int = 20) -> list[RunRecord]:
        """The last `limit` runs of this scope, newest first."""
        with self._db.reading() as connection:
            rows = connection.execute(
                "SELECT id, project, started_at, finished_at, dry_run, ok, summary FROM runs "
                "WHERE scope = ? ORDER BY id DESC LIMIT ?",
                (self.scope, limit),
            ).fetchall()
        return [self._run_record(row) for row in rows]

    def _run_record(self, row: tuple[Any, ...]) -> RunRecord:
        return run_record(row, self._run_summary(row[0], row[-1]))

    def _run_summary(self, run_id: int, text: str) -> dict[str, object]:
        with self._db.reading_row("runs", self.scope, f"run {run_id}"):
            return codec.loads_object(text)

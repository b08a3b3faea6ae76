"""The tracker as a run sees it: the state store's cache plus what changed since, read
incrementally, less the issues found gone (deleted, or moved to another project).

An incremental read says nothing about what is absent, so deletions are noticed three ways: a
read that went through the whole issue list (what is not in it is gone), an issue GitLab says
was moved (`moved_to_id`), and, at most every `check_deleted_every` runs, a read of each linked
issue (404 / 410, or moved). A read that failed (5xx, timeout, rate limit) proves nothing: no
issue is ever taken for gone because of one.

The milestone list is read whole, or (GitHub) page by page with each page's ETag: then only the
pages that changed bring their milestones, and the others are the ones already known.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from plansync.errors import AuthenticationError, RateLimitedError, TrackerError
from plansync.model.remote import Cursor, Observed, RemoteIssue, RemoteMilestone
from plansync.model.sync import Notice, RemoteSnapshot
from plansync.state.base import StateStore
from plansync.trackers.base import Tracker

# The key of a run's summary (in the state store's run log) saying the run looked at every
# linked issue, so the next check is `check_deleted_every` runs later.
CHECKED_KEY = "checked_deleted"


def deletion_check_due(store: StateStore, every: int) -> bool:
    """Whether this run reads each linked issue: none of the `every - 1` runs before it
    looked at them all (0 turns the check off)."""
    if every <= 0:
        return False
    return not any(run.summary.get(CHECKED_KEY) for run in store.runs(limit=every - 1))


class Snapshot:
    """The tracker as the state store's cache plus what changed since: incremental reads.
    What a read brought is kept until `save` puts it in the store with its cursors, so a run
    that fails before it writes anything leaves no trace.

    `checked` says this run looked at every linked issue (a whole list read, or the check);
    `notices` say what kept the check from finishing."""

    def __init__(
        self, tracker: Tracker, store: StateStore | None, check_deleted_every: int = 0
    ) -> None:
        self.tracker = tracker
        self.issues: dict[int, RemoteIssue] = store.cached_issues() if store else {}
        cached = store.cached_milestones() if store else None
        self.milestones: list[RemoteMilestone] = cached or []
        self._cursors: dict[str, Cursor | None] = {
            "issues": store.cursor("issues") if store else None,
            # No list to fall back on after a 304: read the whole list.
            "milestones": store.cursor("milestones") if store and cached is not None else None,
        }
        self._unsaved: dict[int, RemoteIssue] = {}
        self._gone: set[int] = set()
        self._milestones_read = False
        # The linked issues this run reads one by one, when the check is due.
        self._to_check: set[int] | None = None
        if store is not None and deletion_check_due(store, check_deleted_every):
            self._to_check = {link.number for link in store.links().values()}
        self.checked = False
        self.notices: list[Notice] = []

    def observe(self) -> None:
        # Issues updated at the cursor's instant are read again rather than skipped as read:
        # GitHub's `since` counts whole seconds, and an issue read within a second may change
        # again within it (the run's own writes, a person's close) next to other changes.
        issues_cursor = self._cursors["issues"]
        if issues_cursor is not None:
            issues_cursor = replace(issues_cursor, seen=())
        changed = self.tracker.observe_issues(issues_cursor)
        if changed.all_numbers is not None:
            for number in set(self.issues) - changed.all_numbers:
                self._forget(number)
            self.checked = True
        for issue in changed.items:
            if issue.moved:
                self._forget(issue.number)
            else:
                self.issues[issue.number] = issue
                self._unsaved[issue.number] = issue
                self._gone.discard(issue.number)
        milestones = self._observe_milestones()
        self._cursors = {"issues": changed.cursor, "milestones": milestones.cursor}
        if self._to_check is not None and not self.checked:
            self._check(self._to_check)
        self._to_check = None  # once a run: the read after the run's writes needs no check

    def _observe_milestones(self) -> Observed[RemoteMilestone]:
        """Read the milestones; keep the list up to date. A read of the pages that changed
        (`all_numbers` says what the list holds) is merged with the milestones already known;
        should one it names be unknown here, the whole list is read instead."""
        cursor = self._cursors["milestones"]
        milestones = self.tracker.observe_milestones(cursor)
        merged = _merged(self.milestones, milestones)
        if merged is None and cursor is not None:
            milestones = self.tracker.observe_milestones(None)
            merged = _merged([], milestones)
        if merged is None:
            raise TrackerError(
                "The tracker's milestone list named milestones it did not return; "
                "nothing was concluded from it. Run again."
            )
        if not milestones.not_modified:
            self.milestones = merged
            self._milestones_read = True
        return milestones

    def _check(self, linked: Iterable[int]) -> None:
        """Read each linked issue still in the snapshot: one answered 404 / 410, or moved
        away, is gone. A read that fails ends the check with a notice (a refused token or a
        long rate limit stops the run); what it had found by then stands (each was an
        answer), and the next run checks again."""
        for number in sorted(n for n in linked if n in self.issues):
            try:
                issue = self.tracker.get_issue(number)
            except (AuthenticationError, RateLimitedError):
                raise  # the whole run stops, as it would on any other read
            except TrackerError as exc:
                self.notices.append(
                    Notice(
                        None,
                        f"the look for deleted issues stopped at issue #{number}: "
                        f"{str(exc).rstrip('.')}. Nothing is taken for deleted because of it; "
                        "the next run looks again.",
                    )
                )
                return
            if issue is None or issue.moved:
                self._forget(number)
        self.checked = True

    def _forget(self, number: int) -> None:
        """The tracker no longer has the issue (or it moved away): it leaves the snapshot,
        so its task shows it gone, and the store's cache when the snapshot is saved."""
        if self.issues.pop(number, None) is not None:
            self._gone.add(number)
        self._unsaved.pop(number, None)

    def save(self, store: StateStore) -> None:
        # Forgotten first: should the save fail after, the issue is only read again.
        for number in sorted(self._gone):
            store.forget_issue(number)
        store.save_snapshot(
            self._unsaved.values(),
            self.milestones if self._milestones_read else None,
            self._cursors,
        )
        self._gone.clear()
        self._unsaved.clear()
        self._milestones_read = False

    def remote(self) -> RemoteSnapshot:
        return RemoteSnapshot(self.issues, self.milestones)


def _merged(
    known: list[RemoteMilestone], read: Observed[RemoteMilestone]
) -> list[RemoteMilestone] | None:
    """The milestone list after `read`: its items as they are now, plus the known ones it
    names in `all_numbers` without returning them (their pages did not change); without
    `all_numbers` the items are the whole list. None when a named milestone is unknown."""
    if read.all_numbers is None:
        return list(read.items) if not read.not_modified else list(known)
    fresh = {milestone.number: milestone for milestone in read.items}
    by_number = {milestone.number: milestone for milestone in known}
    if not set(read.all_numbers) <= fresh.keys() | by_number.keys():
        return None
    return sorted(
        (fresh.get(number) or by_number[number] for number in read.all_numbers),
        key=lambda milestone: milestone.number,
    )

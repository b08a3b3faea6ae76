"""The tracker as a run sees it: the state store's cache plus what changed since, read
incrementally.
"""

from __future__ import annotations

from dataclasses import replace

from plansync.model.remote import Cursor, RemoteIssue, RemoteMilestone
from plansync.model.sync import RemoteSnapshot
from plansync.state.sqlite import StateStore
from plansync.trackers.base import Tracker


class Snapshot:
    """The tracker as the state store's cache plus what changed since: incremental reads.
    What a read brought is kept until `save` puts it in the store with its cursors, so a run
    that fails before it writes anything leaves no trace."""

    def __init__(self, tracker: Tracker, store: StateStore | None, scope: str) -> None:
        self.tracker = tracker
        self.scope = scope
        self.issues: dict[int, RemoteIssue] = store.cached_issues(scope) if store else {}
        cached = store.cached_milestones(scope) if store else None
        self.milestones: list[RemoteMilestone] = cached or []
        self._cursors: dict[str, Cursor | None] = {
            "issues": store.cursor(scope, "issues") if store else None,
            # No list to fall back on after a 304: read the whole list.
            "milestones": (
                store.cursor(scope, "milestones") if store and cached is not None else None
            ),
        }
        self._unsaved: dict[int, RemoteIssue] = {}
        self._milestones_read = False

    def observe(self) -> None:
        # Issues updated at the cursor's instant are read again rather than skipped as read:
        # GitHub's `since` counts whole seconds, and an issue read within a second may change
        # again within it (the run's own writes, a person's close) next to other changes.
        issues_cursor = self._cursors["issues"]
        if issues_cursor is not None:
            issues_cursor = replace(issues_cursor, seen=())
        changed = self.tracker.observe_issues(issues_cursor)
        for issue in changed.items:
            self.issues[issue.number] = issue
            self._unsaved[issue.number] = issue
        milestones = self.tracker.observe_milestones(self._cursors["milestones"])
        if not milestones.not_modified:
            self.milestones = list(milestones.items)
            self._milestones_read = True
        self._cursors = {"issues": changed.cursor, "milestones": milestones.cursor}

    def save(self, store: StateStore) -> None:
        store.save_snapshot(
            self.scope,
            self._unsaved.values(),
            self.milestones if self._milestones_read else None,
            self._cursors,
        )
        self._unsaved.clear()
        self._milestones_read = False

    def remote(self) -> RemoteSnapshot:
        return RemoteSnapshot(self.issues, self.milestones)

"""The narrow interface every tracker adapter implements, and the domain types it speaks.

No PyGithub or python-gitlab object crosses this boundary: adapters turn them into the frozen
types below. Adding a tracker means one module implementing `Tracker`, one config model, and one
run of the shared contract tests (tests/trackers/contract.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from plansync.model.remote import (
    CloseReason,
    Cursor,
    IssueDraft,
    IssuePatch,
    MilestoneDraft,
    MilestonePatch,
    Observed,
    Permission,
    RemoteComment,
    RemoteIssue,
    RemoteMilestone,
    RepoFile,
)


@dataclass
class RequestStats:
    """How many HTTP requests an adapter made, by method, and how many were answered 304."""

    by_method: dict[str, int] = field(default_factory=dict)
    not_modified: int = 0
    # (method, status) -> requests; status 0: sent, but no answer came back.
    by_status: dict[tuple[str, int], int] = field(default_factory=dict)
    # What the last answer carrying a rate-limit header said was left; None: none seen.
    rate_limit_remaining: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_method.values())

    @property
    def writes(self) -> int:
        return sum(n for m, n in self.by_method.items() if m != "GET")

    def count(self, method: str, status: int) -> None:
        self.by_method[method] = self.by_method.get(method, 0) + 1
        if status == 304:
            self.not_modified += 1
        key = (method, status)
        self.by_status[key] = self.by_status.get(key, 0) + 1

    def note_remaining(self, header: str | None) -> None:
        """Keep a rate-limit header's count of requests left (ignored when not a number)."""
        if header is not None and header.strip().isdigit():
            self.rate_limit_remaining = int(header.strip())

    def as_dict(self) -> Mapping[str, int]:
        return {**self.by_method, "304": self.not_modified, "total": self.total}


@dataclass(frozen=True)
class Capabilities:
    """What a tracker can do that another cannot; the engine asks these, never the kind."""

    close_reason: bool  # keeps why an issue was closed (completed / not planned)
    conditional_reads: bool  # answers an unchanged read with 304 (ETag)


@runtime_checkable
class Tracker(Protocol):
    """One repository (GitHub) or project (GitLab)."""

    kind: str  # "github" | "gitlab"
    repo: str  # "owner/name" or "group/sub/project"
    stats: RequestStats
    capabilities: Capabilities

    # issues -------------------------------------------------------------------------------
    def observe_issues(self, cursor: Cursor | None = None) -> Observed[RemoteIssue]:
        """Issues (open and closed, pull requests excluded) changed since the cursor; a read
        that went through the whole list gives every issue's number too (`all_numbers`)."""
        ...

    def get_issue(self, number: int) -> RemoteIssue | None:
        """One issue by number, or None when it does not exist (404 / 410); one moved to
        another project reads back `moved`. Any other failure raises: it proves nothing."""
        ...

    def create_issue(self, draft: IssueDraft, marker: str | None = None) -> RemoteIssue:
        """Create an issue. `marker` is a string the draft's body contains: after an unclear
        failure the adapter looks for it in recent issues before it tries to create again."""
        ...

    def update_issue(self, number: int, patch: IssuePatch) -> RemoteIssue: ...

    def close_issue(
        self, number: int, reason: CloseReason = CloseReason.COMPLETED
    ) -> RemoteIssue: ...

    def reopen_issue(self, number: int) -> RemoteIssue: ...

    def find_issue_by_marker(self, marker: str) -> RemoteIssue | None:
        """The issue whose body contains `marker`, searching the newest issues first."""
        ...

    # milestones ---------------------------------------------------------------------------
    def list_milestones(self) -> list[RemoteMilestone]:
        """Every milestone, open and closed."""
        ...

    def observe_milestones(self, cursor: Cursor | None = None) -> Observed[RemoteMilestone]:
        """All milestones; from a cursor, not_modified when nothing changed since it. A
        tracker that reads the list page by page (GitHub) may return only the milestones of
        the pages that changed, with `all_numbers` naming every milestone of the list."""
        ...

    def create_milestone(self, draft: MilestoneDraft) -> RemoteMilestone: ...

    def update_milestone(self, number: int, patch: MilestonePatch) -> RemoteMilestone: ...

    # labels -------------------------------------------------------------------------------
    def ensure_labels(self, names: Iterable[str]) -> None:
        """Create the labels that do not exist yet; leave existing ones alone."""
        ...

    # comments -----------------------------------------------------------------------------
    def observe_comments(self, cursor: Cursor | None = None) -> Observed[RemoteComment]:
        """Issue comments created or edited since the cursor, across the repository."""
        ...

    def post_comment(self, issue_number: int, body: str) -> RemoteComment: ...

    def add_reaction(self, comment: RemoteComment, reaction: str) -> None:
        """React to a comment (`+1`, `-1`, `eyes`, `rocket`, `confused`, ...)."""
        ...

    # people -------------------------------------------------------------------------------
    def permission(self, username: str) -> Permission: ...

    # repository files ---------------------------------------------------------------------
    def read_file(self, path: str, ref: str | None = None) -> RepoFile | None: ...

    def write_file(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        """Create (version None) or update a file; StaleFileError when `version` is not current."""
        ...

    # estimates ----------------------------------------------------------------------------
    def set_estimate(self, number: int, minutes: int | None) -> None:
        """Record an estimate on the issue: GitLab's time estimate; on GitHub an
        `estimate: 2h` label (the body rendering belongs to the sync engine).

        None and 0 both clear it, and a cleared estimate reads back as None on both trackers
        (GitLab keeps no zero estimate apart from none). A negative number is a ValueError."""
        ...

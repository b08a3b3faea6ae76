"""What the trackers hold, as plansync reads and writes it: issues, milestones, comments, files,
and the cursors of incremental reads. Tracker-neutral frozen data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import IntEnum, StrEnum
from typing import Generic, TypeVar

T = TypeVar("T")


class IssueState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    COMPLETED = "completed"
    NOT_PLANNED = "not_planned"


class Permission(IntEnum):
    """A user's role on a repository / project, on GitHub's scale.

    GitLab access levels map onto it: guest 10 -> READ, reporter 20 -> TRIAGE,
    developer 30 -> WRITE, maintainer 40 -> MAINTAIN, owner 50 -> ADMIN.
    """

    NONE = 0
    READ = 1
    TRIAGE = 2
    WRITE = 3
    MAINTAIN = 4
    ADMIN = 5


@dataclass(frozen=True)
class RemoteIssue:
    """An issue as the tracker has it. `number` is GitHub's number / GitLab's iid.

    `moved`: GitLab moved the issue to another project (its `moved_to_id` is set); the issue
    left behind is closed, and is no longer the task's.
    """

    number: int
    id: int
    url: str
    title: str
    body: str
    state: IssueState
    updated_at: datetime
    created_at: datetime
    state_reason: CloseReason | None = None
    labels: tuple[str, ...] = ()
    milestone_number: int | None = None
    milestone_title: str | None = None
    assignees: tuple[str, ...] = ()
    estimate_minutes: int | None = None
    moved: bool = False


@dataclass(frozen=True)
class RemoteMilestone:
    """A milestone. `number` is GitHub's number / GitLab's iid; `id` the global id."""

    number: int
    id: int
    title: str
    state: IssueState
    url: str
    description: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class RemoteComment:
    id: int
    issue_number: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    url: str = ""


@dataclass(frozen=True)
class RepoFile:
    """A file in the repository. `version` is GitHub's blob sha / GitLab's last_commit_id: it
    must be handed back on write, and a write against a stale version is refused."""

    path: str
    content: bytes
    version: str


@dataclass(frozen=True)
class IssueDraft:
    title: str
    body: str = ""
    labels: tuple[str, ...] = ()
    milestone_number: int | None = None
    assignees: tuple[str, ...] = ()
    # Set with the create where the tracker can (a label on GitHub, a quick action on GitLab);
    # the issue returned tells whether it took.
    estimate_minutes: int | None = None


@dataclass(frozen=True)
class IssuePatch:
    """Fields to change; None means leave as it is."""

    title: str | None = None
    body: str | None = None
    labels: tuple[str, ...] | None = None
    milestone_number: int | None = None
    clear_milestone: bool = False
    assignees: tuple[str, ...] | None = None


@dataclass(frozen=True)
class MilestoneDraft:
    title: str
    description: str = ""
    due_on: date | None = None


@dataclass(frozen=True)
class MilestonePatch:
    title: str | None = None
    description: str | None = None
    due_on: date | None = None
    state: IssueState | None = None


@dataclass(frozen=True)
class PageMark:
    """One page of a list as last read: the URL it was read from, its validator (ETag), and
    the numbers of the items it held, in order."""

    url: str
    etag: str
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Cursor:
    """Where the last complete read of one stream (issues, milestones, comments) ended.

    `since` is an ISO-8601 timestamp the tracker filters on (GitHub `since`, GitLab
    `updated_after`); `etag` is the validator of the last 200 answer to the same URL (GitHub);
    `seen` holds the ids already returned at exactly `since`, because both filters are inclusive;
    `digests`, where kept, a short digest of each of those items as read (`id:digest`), so one
    changed again within that second is told from one unchanged; `pages`, for a list read page
    by page without a `since` filter (GitHub's milestones), every page's mark, so each page is
    asked for conditionally. Cursors are plain data so the state store can keep them as JSON.
    """

    since: str | None = None
    etag: str | None = None
    seen: tuple[int, ...] = ()
    digests: tuple[str, ...] = ()
    pages: tuple[PageMark, ...] = ()


@dataclass(frozen=True)
class Observed(Generic[T]):
    """The answer to an incremental read.

    `items` are what changed since the cursor. `not_modified` is True when the tracker answered
    304 (nothing changed; the caller keeps what it had). `cursor` is where the next read starts.
    `all_numbers`: when the read went through the whole list (a first read, or a list that
    fits on one page), the numbers of everything in it, so what is not there is gone; None
    when it read only what changed, which says nothing about what is absent.
    """

    items: tuple[T, ...]
    cursor: Cursor
    not_modified: bool = False
    all_numbers: frozenset[int] | None = None

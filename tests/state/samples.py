"""Values of every type the state store keeps, with every field set away from its default."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from builders import remote_issue
from plansync.model.remote import CloseReason, Cursor, IssueState, RemoteIssue, RemoteMilestone
from plansync.model.sync import Fields, Link, MilestoneLink, TaskRef, TaskState

WHEN = datetime(2024, 5, 17, 9, 30, 12, 345678, tzinfo=UTC)


def fields() -> Fields:
    return Fields(
        title="Ship the | importer, with `code` and ünïcödé",
        state=TaskState.DROPPED,
        milestone="Week 2 — polish",
        labels=("plansync", "priority:high"),
        estimate=90,
        assignees=("ada", "grace"),
        body="Line one\r\nline two\n<!-- plansync:task=T1 -->",
    )


def link(key: str = "T1", number: int = 12, base: Fields | None = None) -> Link:
    return Link(
        task=TaskRef("plans/web.md", key),
        number=number,
        issue_id=9_000_000_000 + number,
        url=f"https://github.com/acme/web/issues/{number}",
        base=base,
    )


def milestone_link(
    title: str = "Phase 1", due_on: date | None = date(2024, 6, 30)
) -> MilestoneLink:
    return MilestoneLink(
        title=title,
        number=3,
        milestone_id=77,
        url="https://github.com/acme/web/milestone/3",
        due_on=due_on,
        description="First phase",
    )


def issue(number: int = 12, title: str = "[T1] Ship the importer") -> RemoteIssue:
    return remote_issue(
        number,
        title,
        repo_url="https://github.com/acme/web",
        id_base=9_000_000_000,
        body="body <!-- plansync:task=T1 -->",
        state=IssueState.CLOSED,
        state_reason=CloseReason.NOT_PLANNED,
        updated_at=WHEN,
        # An offset other than UTC must come back as written.
        created_at=(WHEN - timedelta(days=3)).astimezone(timezone(timedelta(hours=5, minutes=30))),
        labels=("bug", "estimate: 2h"),
        milestone_number=3,
        milestone_title="Phase 1",
        assignees=("ada",),
        estimate_minutes=120,
    )


def bare_issue(number: int) -> RemoteIssue:
    """An issue with every optional field at its default."""
    return remote_issue(
        number,
        f"Issue {number}",
        repo_url="https://gitlab.example/g/p/-",
        id_base=0,
        updated_at=WHEN,
    )


def milestone(number: int = 3, due_on: date | None = date(2024, 6, 30)) -> RemoteMilestone:
    return RemoteMilestone(
        number=number,
        id=700 + number,
        title=f"Phase {number}",
        state=IssueState.OPEN,
        url=f"https://github.com/acme/web/milestone/{number}",
        description="A phase",
        due_on=due_on,
    )


def cursor(since: str = "2024-05-17T09:30:12Z") -> Cursor:
    return Cursor(since=since, etag='W/"abc123"', seen=(9_000_000_012, 9_000_000_013))

"""GitLab's JSON turned into plansync's tracker types, and plansync's values into GitLab's terms.

Pure functions over plain dicts: no python-gitlab object reaches them, none leaves them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from plansync.errors import TrackerError
from plansync.model.remote import (
    IssueState,
    Permission,
    RemoteComment,
    RemoteIssue,
    RemoteMilestone,
)

# GitHub's reaction names where GitLab's emoji names differ; other names (eyes, rocket,
# confused, heart) are the same on both.
_EMOJI_NAMES = {
    "+1": "thumbsup",
    "-1": "thumbsdown",
    "hooray": "tada",
    # GitHub shows its `laugh` reaction as 😄, which GitLab calls `smile`.
    "laugh": "smile",
}

# GitLab access levels, highest first, and the role each grants on GitHub's scale.
_ACCESS_LEVELS = (
    (50, Permission.ADMIN),  # owner
    (40, Permission.MAINTAIN),  # maintainer
    (30, Permission.WRITE),  # developer
    (20, Permission.TRIAGE),  # reporter
    (10, Permission.READ),  # guest
)


def parse_time(value: object, *, field: str) -> datetime:
    """A GitLab timestamp (`2024-05-01T10:00:00.000Z`) as an aware datetime."""
    if not isinstance(value, str):
        raise TrackerError(
            f"GitLab sent {value!r} as {field}, where a timestamp was expected; the server "
            "may not be a GitLab API v4."
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise TrackerError(
            f"GitLab sent {value!r} as {field}, which is not an ISO-8601 timestamp; the "
            "server may not be a GitLab API v4."
        ) from exc
    if moment.tzinfo is None:
        raise TrackerError(
            f"GitLab sent {value!r} as {field} without a timezone; the server may not be a "
            "GitLab API v4."
        )
    return moment


def _optional_date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    return date.fromisoformat(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _usernames(users: object) -> tuple[str, ...]:
    if not isinstance(users, list):
        return ()
    return tuple(
        user["username"]
        for user in users
        if isinstance(user, Mapping) and isinstance(user.get("username"), str)
    )


def estimate_minutes(issue: Mapping[str, Any]) -> int | None:
    """The issue's time estimate in whole minutes, None when it has none."""
    stats = issue.get("time_stats")
    seconds = stats.get("time_estimate") if isinstance(stats, Mapping) else None
    if not isinstance(seconds, int) or seconds <= 0:
        return None
    return seconds // 60


def to_issue(data: Mapping[str, Any]) -> RemoteIssue:
    """A GitLab issue (`iid` is the number people see) as a RemoteIssue.

    GitLab has no close reason, so `state_reason` stays None for closed issues too. An issue
    moved to another project stays behind closed, with `moved_to_id` naming its new self.
    """
    milestone = data.get("milestone")
    if not isinstance(milestone, Mapping):
        milestone = None
    labels = data.get("labels")
    return RemoteIssue(
        number=int(data["iid"]),
        id=int(data["id"]),
        url=_text(data.get("web_url")),
        title=_text(data.get("title")),
        body=_text(data.get("description")),
        state=IssueState.CLOSED if data.get("state") == "closed" else IssueState.OPEN,
        updated_at=parse_time(data.get("updated_at"), field="an issue's updated_at"),
        created_at=parse_time(data.get("created_at"), field="an issue's created_at"),
        labels=tuple(str(label) for label in labels) if isinstance(labels, list) else (),
        milestone_number=int(milestone["iid"]) if milestone is not None else None,
        milestone_title=str(milestone["title"]) if milestone is not None else None,
        assignees=_usernames(data.get("assignees")),
        estimate_minutes=estimate_minutes(data),
        moved=data.get("moved_to_id") is not None,
    )


def to_milestone(data: Mapping[str, Any]) -> RemoteMilestone:
    """A GitLab milestone: `number` is its iid, `id` the global id its API paths use."""
    return RemoteMilestone(
        number=int(data["iid"]),
        id=int(data["id"]),
        title=_text(data.get("title")),
        state=IssueState.CLOSED if data.get("state") == "closed" else IssueState.OPEN,
        url=_text(data.get("web_url")),
        description=_text(data.get("description")),
        due_on=_optional_date(data.get("due_date")),
    )


def to_comment(data: Mapping[str, Any], *, issue_number: int, issue_url: str) -> RemoteComment:
    """A note on an issue; its URL is the issue's page with the note's anchor."""
    author = data.get("author")
    note_id = int(data["id"])
    return RemoteComment(
        id=note_id,
        issue_number=issue_number,
        author=_text(author.get("username")) if isinstance(author, Mapping) else "",
        body=_text(data.get("body")),
        created_at=parse_time(data.get("created_at"), field="a note's created_at"),
        updated_at=parse_time(data.get("updated_at"), field="a note's updated_at"),
        url=f"{issue_url}#note_{note_id}" if issue_url else "",
    )


def duration_text(minutes: int) -> str:
    """Minutes as a GitLab duration: 90 -> `1h30m`, 45 -> `45m`, 120 -> `2h`.

    Only hours and minutes: GitLab turns `d` and `w` into 8-hour days and 5-day weeks, which
    would not round-trip with a plan's wall-clock estimates.
    """
    if minutes <= 0:
        raise ValueError(f"a GitLab time estimate must be positive, got {minutes} minutes")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest}m"
    return f"{hours}h{rest}m" if rest else f"{hours}h"


def emoji_name(reaction: str) -> str:
    """GitLab's award-emoji name for a GitHub-style reaction name."""
    return _EMOJI_NAMES.get(reaction, reaction)


def permission_for_level(access_level: int) -> Permission:
    """A GitLab access level on GitHub's scale; below guest (minimal access) is NONE."""
    for level, permission in _ACCESS_LEVELS:
        if access_level >= level:
            return permission
    return Permission.NONE

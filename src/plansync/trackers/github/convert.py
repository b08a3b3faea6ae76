"""Turning PyGithub objects into plansync's frozen tracker types, and GitHub's conventions
(estimate labels, role names) into plansync's values.

Everything here is pure: no request is made, because every object handed in is complete.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from github.Issue import Issue
from github.IssueComment import IssueComment
from github.Milestone import Milestone

from plansync.model.remote import (
    CloseReason,
    IssueState,
    Permission,
    RemoteComment,
    RemoteIssue,
    RemoteMilestone,
)

ESTIMATE_PREFIX = "estimate:"

# `estimate: 1h30m`, `estimate: 90m`, `estimate: 2h`, `estimate: 45min`, `estimate: 1.5h`
_ESTIMATE_RE = re.compile(
    r"^\s*estimate:\s*(?:(?P<hours>\d+(?:\.\d+)?)\s*h)?\s*(?:(?P<minutes>\d+)\s*m(?:in)?)?\s*$",
    re.IGNORECASE,
)

_ROLE_NAMES: Mapping[str, Permission] = {
    "admin": Permission.ADMIN,
    "maintain": Permission.MAINTAIN,
    "write": Permission.WRITE,
    "triage": Permission.TRIAGE,
    "read": Permission.READ,
    "none": Permission.NONE,
}


_CLOSE_REASONS: Mapping[str, CloseReason] = {
    "completed": CloseReason.COMPLETED,
    "not_planned": CloseReason.NOT_PLANNED,
    # "Close as duplicate" is GitHub's flavour of not planned: the work is not done here.
    "duplicate": CloseReason.NOT_PLANNED,
}


def issue_from_github(issue: Issue) -> RemoteIssue:
    state = IssueState.CLOSED if issue.state == "closed" else IssueState.OPEN
    # GitHub keeps "reopened" (and a stale reason) on open issues: only a closed issue has one.
    reason = _CLOSE_REASONS.get(issue.state_reason or "") if state is IssueState.CLOSED else None
    labels = tuple(label.name for label in issue.labels)
    milestone = issue.milestone
    return RemoteIssue(
        number=issue.number,
        id=issue.id,
        url=issue.html_url or "",
        title=issue.title or "",
        body=issue.body or "",
        state=state,
        updated_at=issue.updated_at,
        created_at=issue.created_at,
        state_reason=reason,
        labels=labels,
        milestone_number=milestone.number if milestone is not None else None,
        milestone_title=milestone.title if milestone is not None else None,
        assignees=tuple(user.login for user in issue.assignees),
        estimate_minutes=estimate_from_labels(labels),
    )


def milestone_from_github(milestone: Milestone) -> RemoteMilestone:
    due: datetime | None = milestone.due_on
    return RemoteMilestone(
        number=milestone.number,
        id=milestone.id,
        title=milestone.title or "",
        state=IssueState.CLOSED if milestone.state == "closed" else IssueState.OPEN,
        url=milestone.html_url or "",
        description=milestone.description or "",
        due_on=due.date() if due is not None else None,
    )


def comment_from_github(comment: IssueComment) -> RemoteComment:
    return RemoteComment(
        id=comment.id,
        issue_number=issue_number_from_url(comment.issue_url),
        author=comment.user.login if comment.user is not None else "",
        body=comment.body or "",
        created_at=comment.created_at,
        updated_at=comment.updated_at,
        url=comment.html_url or "",
    )


def issue_number_from_url(url: str) -> int:
    """`https://api.github.com/repos/o/r/issues/12` -> 12."""
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise ValueError(f"GitHub gave a comment whose issue_url {url!r} ends in no issue number")
    return int(tail)


def is_pull_request(item: Mapping[str, Any]) -> bool:
    """The issues endpoints list pull requests too; they carry a `pull_request` object."""
    return item.get("pull_request") is not None


def due_on_text(day: date) -> str:
    """GitHub stores a due date as a timestamp and shifts it by the viewer's time zone; noon UTC
    keeps the calendar day the same for every zone from UTC-12 to UTC+12."""
    return f"{day.isoformat()}T12:00:00Z"


def format_estimate(minutes: int) -> str:
    """90 -> `1h30m`, 120 -> `2h`, 45 -> `45m`."""
    if minutes < 0:
        raise ValueError(f"an estimate cannot be negative ({minutes} minutes)")
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours}h{rest}m"
    if hours:
        return f"{hours}h"
    return f"{rest}m"


def estimate_label(minutes: int) -> str:
    return f"{ESTIMATE_PREFIX} {format_estimate(minutes)}"


def is_estimate_label(name: str) -> bool:
    return name.strip().lower().startswith(ESTIMATE_PREFIX)


def parse_estimate_label(name: str) -> int | None:
    """Minutes of an `estimate: ...` label, or None when the label says no readable duration."""
    match = _ESTIMATE_RE.match(name)
    if match is None or (match["hours"] is None and match["minutes"] is None):
        return None
    hours = float(match["hours"]) if match["hours"] is not None else 0.0
    minutes = int(match["minutes"]) if match["minutes"] is not None else 0
    return round(hours * 60) + minutes


def estimate_from_labels(labels: Iterable[str]) -> int | None:
    """The first readable estimate label decides; plansync keeps only one on an issue. An
    estimate of 0 reads as none, as on GitLab, which cannot keep the two apart."""
    for name in labels:
        if is_estimate_label(name):
            minutes = parse_estimate_label(name)
            if minutes is not None:
                return minutes or None
    return None


def permission_from_github(data: Mapping[str, Any]) -> Permission:
    """Read the collaborator-permission answer: `role_name` keeps triage and maintain apart;
    a custom role falls back to the base `permission` it extends."""
    for key in ("role_name", "permission"):
        value = data.get(key)
        if isinstance(value, str) and value.lower() in _ROLE_NAMES:
            return _ROLE_NAMES[value.lower()]
    return Permission.NONE


def label_color(name: str) -> str:
    """A stable, light colour per label name, so labels plansync creates are told apart."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    # Keep every channel in the upper half of the range: dark text stays readable on it.
    return "".join(f"{0x80 | byte:02x}" for byte in digest[:3])

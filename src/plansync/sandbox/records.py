"""The sandbox's stored objects, tracker-neutral, and their JSON form for the state file.

One record serves both APIs: an issue's `number` is GitHub's number and GitLab's iid, its `id`
the global id of both. Times are aware UTC datetimes; each API formats them its own way.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from plansync.sandbox.git import GitData

ROLES = ("none", "read", "triage", "write", "maintain", "admin")
"""Repository roles on GitHub's scale, weakest first."""

REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
"""GitHub's reaction contents; the store keeps reactions under these names."""


def blob_sha(content: bytes) -> str:
    """Git's blob id of `content`, as GitHub's contents API reports it in `sha`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _req_time(value: Any) -> datetime:
    parsed = _parse_time(value)
    if parsed is None:
        raise ValueError("a required timestamp is missing from the sandbox state")
    return parsed


@dataclass
class Label:
    id: int
    name: str
    color: str  # six hex digits, no '#'
    description: str | None
    created_at: datetime
    default: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "color": self.color,
            "description": self.description,
            "created_at": _time(self.created_at),
            "default": self.default,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Label:
        return cls(
            id=int(data["id"]),
            name=str(data["name"]),
            color=str(data["color"]),
            description=data.get("description"),
            created_at=_req_time(data["created_at"]),
            default=bool(data.get("default", False)),
        )


@dataclass
class Milestone:
    id: int
    number: int
    title: str
    description: str | None
    state: str  # "open" | "closed"
    creator: str
    created_at: datetime
    updated_at: datetime
    due_on: date | None = None
    closed_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "description": self.description,
            "state": self.state,
            "creator": self.creator,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "closed_at": _time(self.closed_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Milestone:
        due = data.get("due_on")
        return cls(
            id=int(data["id"]),
            number=int(data["number"]),
            title=str(data["title"]),
            description=data.get("description"),
            state=str(data["state"]),
            creator=str(data["creator"]),
            created_at=_req_time(data["created_at"]),
            updated_at=_req_time(data["updated_at"]),
            due_on=date.fromisoformat(due) if due else None,
            closed_at=_parse_time(data.get("closed_at")),
        )


@dataclass
class Reaction:
    id: int
    content: str  # a GitHub reaction name, or a GitLab emoji name GitHub has no word for
    user: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "content": self.content,
            "user": self.user,
            "created_at": _time(self.created_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reaction:
        return cls(
            id=int(data["id"]),
            content=str(data["content"]),
            user=str(data["user"]),
            created_at=_req_time(data["created_at"]),
        )


@dataclass
class Comment:
    """An issue comment (GitLab: note). `system` notes are GitLab's activity lines: GitLab
    lists them among the notes, GitHub does not show them at all."""

    id: int
    issue_number: int
    author: str
    body: str
    created_at: datetime
    updated_at: datetime
    system: bool = False
    reactions: list[Reaction] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issue_number": self.issue_number,
            "author": self.author,
            "body": self.body,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
            "system": self.system,
            "reactions": [r.to_json() for r in self.reactions],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Comment:
        return cls(
            id=int(data["id"]),
            issue_number=int(data["issue_number"]),
            author=str(data["author"]),
            body=str(data["body"]),
            created_at=_req_time(data["created_at"]),
            updated_at=_req_time(data["updated_at"]),
            system=bool(data.get("system", False)),
            reactions=[Reaction.from_json(r) for r in data.get("reactions", [])],
        )


@dataclass
class Issue:
    """An issue, or a pull request (GitHub lists those among issues; GitLab never shows them)."""

    id: int
    number: int
    title: str
    body: str | None
    author: str
    created_at: datetime
    updated_at: datetime
    state: str = "open"  # "open" | "closed"
    state_reason: str | None = None  # "completed" | "not_planned" | "reopened"
    labels: list[str] = field(default_factory=list)
    milestone: int | None = None  # milestone number
    assignees: list[str] = field(default_factory=list)
    closed_at: datetime | None = None
    closed_by: str | None = None
    time_estimate: int = 0  # seconds (GitLab time tracking)
    time_spent: int = 0
    pull_request: bool = False
    deleted: bool = False
    moved_to: int | None = None  # GitLab: the id of the issue this one was moved to

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "title": self.title,
            "body": self.body,
            "author": self.author,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
            "state": self.state,
            "state_reason": self.state_reason,
            "labels": list(self.labels),
            "milestone": self.milestone,
            "assignees": list(self.assignees),
            "closed_at": _time(self.closed_at),
            "closed_by": self.closed_by,
            "time_estimate": self.time_estimate,
            "time_spent": self.time_spent,
            "pull_request": self.pull_request,
            "deleted": self.deleted,
            "moved_to": self.moved_to,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issue:
        milestone = data.get("milestone")
        return cls(
            id=int(data["id"]),
            number=int(data["number"]),
            title=str(data["title"]),
            body=data.get("body"),
            author=str(data["author"]),
            created_at=_req_time(data["created_at"]),
            updated_at=_req_time(data["updated_at"]),
            state=str(data.get("state", "open")),
            state_reason=data.get("state_reason"),
            labels=[str(x) for x in data.get("labels", [])],
            milestone=int(milestone) if milestone is not None else None,
            assignees=[str(x) for x in data.get("assignees", [])],
            closed_at=_parse_time(data.get("closed_at")),
            closed_by=data.get("closed_by"),
            time_estimate=int(data.get("time_estimate", 0)),
            time_spent=int(data.get("time_spent", 0)),
            pull_request=bool(data.get("pull_request", False)),
            deleted=bool(data.get("deleted", False)),
            moved_to=int(data["moved_to"]) if data.get("moved_to") is not None else None,
        )


@dataclass
class StoredFile:
    """A file on the default branch. `sha` is the blob id (GitHub's version), `commit` the
    last commit that touched it (GitLab's last_commit_id)."""

    path: str
    content: bytes
    commit: str
    updated_at: datetime

    @property
    def sha(self) -> str:
        return blob_sha(self.content)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "content_base64": base64.b64encode(self.content).decode("ascii"),
            "sha": self.sha,
            "size": len(self.content),
            "commit": self.commit,
            "updated_at": _time(self.updated_at),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredFile:
        return cls(
            path=str(data["path"]),
            content=base64.b64decode(str(data["content_base64"])),
            commit=str(data["commit"]),
            updated_at=_req_time(data["updated_at"]),
        )


@dataclass
class PullRecord:
    """A pull request (GitHub) / merge request (GitLab): a branch proposed for another. Its
    number is the one its issue record holds (pull requests share issue numbers)."""

    number: int
    head: str
    base: str
    author: str
    created_at: datetime
    state: str = "open"  # or "closed", "merged"

    @property
    def gitlab_state(self) -> str:
        return "opened" if self.state == "open" else self.state

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "head": self.head,
            "base": self.base,
            "author": self.author,
            "created_at": _time(self.created_at),
            "state": self.state,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PullRecord:
        return cls(
            number=int(data["number"]),
            head=str(data["head"]),
            base=str(data["base"]),
            author=str(data["author"]),
            created_at=_req_time(data["created_at"]),
            state=str(data.get("state", "open")),
        )


@dataclass
class Repo:
    """One GitHub repository, which is also one GitLab project of the same path."""

    id: int
    full_name: str
    created_at: datetime
    default_branch: str = "main"
    issues: dict[int, Issue] = field(default_factory=dict)
    milestones: dict[int, Milestone] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # keyed by lower-cased name
    comments: dict[int, Comment] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    permissions: dict[str, str] = field(default_factory=dict)
    next_number: int = 1
    next_milestone_number: int = 1
    commits: int = 0
    updated_at: datetime | None = None
    git: GitData = field(default_factory=GitData)  # every branch; `files` mirrors the default
    pulls: dict[int, PullRecord] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        return self.full_name.rsplit("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.rsplit("/", 1)[1]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "created_at": _time(self.created_at),
            "updated_at": _time(self.updated_at),
            "default_branch": self.default_branch,
            "issues": [i.to_json() for i in self.issues.values()],
            "milestones": [m.to_json() for m in self.milestones.values()],
            "labels": [label.to_json() for label in self.labels.values()],
            "comments": [c.to_json() for c in self.comments.values()],
            "files": [f.to_json() for f in self.files.values()],
            "permissions": dict(self.permissions),
            "next_number": self.next_number,
            "next_milestone_number": self.next_milestone_number,
            "commits": self.commits,
            "git": self.git.to_json(),
            "pulls": [p.to_json() for p in self.pulls.values()],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Repo:
        issues = [Issue.from_json(i) for i in data.get("issues", [])]
        milestones = [Milestone.from_json(m) for m in data.get("milestones", [])]
        labels = [Label.from_json(x) for x in data.get("labels", [])]
        comments = [Comment.from_json(c) for c in data.get("comments", [])]
        files = [StoredFile.from_json(f) for f in data.get("files", [])]
        return cls(
            id=int(data["id"]),
            full_name=str(data["full_name"]),
            created_at=_req_time(data["created_at"]),
            updated_at=_parse_time(data.get("updated_at")),
            default_branch=str(data.get("default_branch", "main")),
            issues={i.number: i for i in issues},
            milestones={m.number: m for m in milestones},
            labels={x.name.lower(): x for x in labels},
            comments={c.id: c for c in comments},
            files={f.path: f for f in files},
            permissions={str(k): str(v) for k, v in data.get("permissions", {}).items()},
            next_number=int(data.get("next_number", 1)),
            next_milestone_number=int(data.get("next_milestone_number", 1)),
            commits=int(data.get("commits", 0)),
            git=GitData.from_json(data.get("git", {})),
            pulls={p.number: p for p in (PullRecord.from_json(x) for x in data.get("pulls", []))},
        )

"""Stored objects rendered as GitLab's REST API v4 renders them."""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import quote

from plansync.sandbox.durations import human_duration
from plansync.sandbox.records import (
    Comment,
    Issue,
    Label,
    Milestone,
    PullRecord,
    Reaction,
    Repo,
    StoredFile,
)
from plansync.sandbox.store import SandboxStore

ACCESS_LEVELS = {"read": 10, "triage": 20, "write": 30, "maintain": 40, "admin": 50}
"""GitHub-scale roles as GitLab access levels: guest, reporter, developer, maintainer, owner."""

# GitHub's reaction words and GitLab's emoji names for the same thing.
EMOJI_OF_REACTION = {
    "+1": "thumbsup",
    "-1": "thumbsdown",
    "laugh": "laughing",
    "hooray": "tada",
    "confused": "confused",
    "heart": "heart",
    "rocket": "rocket",
    "eyes": "eyes",
}
REACTION_OF_EMOJI = {emoji: word for word, emoji in EMOJI_OF_REACTION.items()}


def gl_time(value: datetime | None) -> str | None:
    """GitLab's timestamps: ISO-8601 UTC with milliseconds and 'Z'."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class GitLabJson:
    """Renders for one request: URLs point at the host the client used."""

    def __init__(self, store: SandboxStore, base_url: str) -> None:
        self.store = store
        self.web = base_url
        self.api = f"{base_url}/api/v4"

    def user(self, username: str) -> dict[str, Any]:
        uid = self.store.user_id(username)
        return {
            "id": uid,
            "username": username,
            "name": username,
            "state": "active",
            "locked": False,
            "avatar_url": f"{self.web}/uploads/-/system/user/avatar/{uid}/avatar.png",
            "web_url": f"{self.web}/{username}",
        }

    def current_user(self, username: str) -> dict[str, Any]:
        return {
            **self.user(username),
            "created_at": "2020-01-01T00:00:00.000Z",
            "bio": "",
            "public_email": None,
            "bot": username.endswith("-bot"),
            "email": f"{username}@users.noreply.sandbox",
            "is_admin": False,
            "can_create_project": True,
        }

    def member(self, repo: Repo, username: str) -> dict[str, Any]:
        role = repo.permissions.get(username, "none")
        return {
            **self.user(username),
            "access_level": ACCESS_LEVELS.get(role, 0),
            "created_at": gl_time(repo.created_at),
            "created_by": self.user(repo.owner.split("/")[0]),
            "expires_at": None,
            "membership_state": "active",
        }

    def project(self, repo: Repo, viewer: str) -> dict[str, Any]:
        web = f"{self.web}/{repo.full_name}"
        api = f"{self.api}/projects/{repo.id}"
        namespace = repo.owner
        role = repo.permissions.get(viewer, "none")
        access = (
            {"access_level": ACCESS_LEVELS[role], "notification_level": 3}
            if role in ACCESS_LEVELS
            else None
        )
        open_count = sum(
            1
            for i in repo.issues.values()
            if i.state == "open" and not (i.deleted or i.pull_request)
        )
        return {
            "id": repo.id,
            "description": None,
            "name": repo.name,
            "name_with_namespace": " / ".join(repo.full_name.split("/")),
            "path": repo.name,
            "path_with_namespace": repo.full_name,
            "created_at": gl_time(repo.created_at),
            "default_branch": repo.default_branch,
            "tag_list": [],
            "topics": [],
            "ssh_url_to_repo": f"git@sandbox:{repo.full_name}.git",
            "http_url_to_repo": f"{web}.git",
            "web_url": web,
            "readme_url": None,
            "forks_count": 0,
            "avatar_url": None,
            "star_count": 0,
            "last_activity_at": gl_time(repo.updated_at or repo.created_at),
            "namespace": {
                "id": 100 + repo.id,
                "name": namespace.rsplit("/", 1)[-1],
                "path": namespace.rsplit("/", 1)[-1],
                "kind": "group",
                "full_path": namespace,
                "parent_id": None,
                "avatar_url": None,
                "web_url": f"{self.web}/groups/{namespace}",
            },
            "_links": {
                "self": api,
                "issues": f"{api}/issues",
                "merge_requests": f"{api}/merge_requests",
                "repo_branches": f"{api}/repository/branches",
                "labels": f"{api}/labels",
                "events": f"{api}/events",
                "members": f"{api}/members",
            },
            "visibility": "private",
            "issues_enabled": True,
            "open_issues_count": open_count,
            "archived": False,
            "permissions": {"project_access": access, "group_access": None},
        }

    def label(self, label: Label, repo: Repo | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": label.id,
            "name": label.name,
            "description": label.description,
            "description_html": label.description or "",
            "text_color": "#1F1E24" if _is_light(label.color) else "#FFFFFF",
            "color": f"#{label.color}",
            "subscribed": False,
            "priority": None,
            "is_project_label": True,
        }
        if repo is not None:
            tagged = [i for i in repo.issues.values() if label.name in i.labels and not i.deleted]
            data["open_issues_count"] = sum(1 for i in tagged if i.state == "open")
            data["closed_issues_count"] = sum(1 for i in tagged if i.state == "closed")
            data["open_merge_requests_count"] = 0
        return data

    def milestone(self, repo: Repo, milestone: Milestone) -> dict[str, Any]:
        today = self.store.now().date()
        return {
            "id": milestone.id,
            "iid": milestone.number,
            "project_id": repo.id,
            "title": milestone.title,
            "description": milestone.description,
            "state": "active" if milestone.state == "open" else "closed",
            "created_at": gl_time(milestone.created_at),
            "updated_at": gl_time(milestone.updated_at),
            "due_date": milestone.due_on.isoformat() if milestone.due_on else None,
            "start_date": None,
            "expired": bool(milestone.due_on and milestone.due_on < today),
            "web_url": f"{self.web}/{repo.full_name}/-/milestones/{milestone.number}",
        }

    def time_stats(self, issue: Issue) -> dict[str, Any]:
        return {
            "time_estimate": issue.time_estimate,
            "total_time_spent": issue.time_spent,
            "human_time_estimate": (
                human_duration(issue.time_estimate) if issue.time_estimate else None
            ),
            "human_total_time_spent": (
                human_duration(issue.time_spent) if issue.time_spent else None
            ),
        }

    def issue(self, repo: Repo, issue: Issue) -> dict[str, Any]:
        api = f"{self.api}/projects/{repo.id}/issues/{issue.number}"
        assignees = [self.user(a) for a in issue.assignees]
        notes = sum(
            1 for c in repo.comments.values() if c.issue_number == issue.number and not c.system
        )
        milestone = (
            self.milestone(repo, repo.milestones[issue.milestone])
            if issue.milestone is not None
            else None
        )
        return {
            "id": issue.id,
            "iid": issue.number,
            "project_id": repo.id,
            "title": issue.title,
            "description": issue.body,
            "state": "opened" if issue.state == "open" else "closed",
            "created_at": gl_time(issue.created_at),
            "updated_at": gl_time(issue.updated_at),
            "closed_at": gl_time(issue.closed_at),
            "closed_by": self.user(issue.closed_by) if issue.closed_by else None,
            "labels": list(issue.labels),
            "milestone": milestone,
            "assignees": assignees,
            "author": self.user(issue.author),
            "type": "ISSUE",
            "assignee": assignees[0] if assignees else None,
            "user_notes_count": notes,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": None,
            "confidential": False,
            "discussion_locked": None,
            "issue_type": "issue",
            "web_url": f"{self.web}/{repo.full_name}/-/issues/{issue.number}",
            "time_stats": self.time_stats(issue),
            "task_completion_status": {"count": 0, "completed_count": 0},
            "blocking_issues_count": 0,
            "has_tasks": True,
            "task_status": "0 of 0 checklist items completed",
            "_links": {
                "self": api,
                "notes": f"{api}/notes",
                "award_emoji": f"{api}/award_emoji",
                "project": f"{self.api}/projects/{repo.id}",
                "closed_as_duplicate_of": None,
            },
            "references": {
                "short": f"#{issue.number}",
                "relative": f"#{issue.number}",
                "full": f"{repo.full_name}#{issue.number}",
            },
            "severity": "UNKNOWN",
            "moved_to_id": issue.moved_to,
            "imported": False,
            "imported_from": "none",
            "service_desk_reply_to": None,
        }

    def note(self, repo: Repo, note: Comment) -> dict[str, Any]:
        issue = repo.issues[note.issue_number]
        return {
            "id": note.id,
            "type": None,
            "body": note.body,
            "author": self.user(note.author),
            "created_at": gl_time(note.created_at),
            "updated_at": gl_time(note.updated_at),
            "system": note.system,
            "noteable_id": issue.id,
            "noteable_type": "Issue",
            "project_id": repo.id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
            "imported": False,
            "imported_from": "none",
            "noteable_iid": issue.number,
            "commands_changes": {},
        }

    def award(self, comment: Comment, reaction: Reaction) -> dict[str, Any]:
        return {
            "id": reaction.id,
            "name": EMOJI_OF_REACTION.get(reaction.content, reaction.content),
            "user": self.user(reaction.user),
            "created_at": gl_time(reaction.created_at),
            "updated_at": gl_time(reaction.created_at),
            "awardable_id": comment.id,
            "awardable_type": "Note",
            "url": None,
        }

    def merge_request(self, repo: Repo, pull: PullRecord) -> dict[str, Any]:
        issue = repo.issues[pull.number]
        head = repo.git.refs.get(pull.head)
        return {
            "id": issue.id,
            "iid": pull.number,
            "project_id": repo.id,
            "title": issue.title,
            "description": issue.body,
            "state": pull.gitlab_state,
            "created_at": gl_time(pull.created_at),
            "updated_at": gl_time(issue.updated_at),
            "merged_at": None,
            "closed_at": None,
            "target_branch": pull.base,
            "source_branch": pull.head,
            "source_project_id": repo.id,
            "target_project_id": repo.id,
            "author": self.user(pull.author),
            "assignees": [],
            "reviewers": [],
            "labels": [],
            "draft": False,
            "work_in_progress": False,
            "merge_when_pipeline_succeeds": False,
            "detailed_merge_status": "mergeable",
            "sha": head,
            "merge_commit_sha": None,
            "squash_commit_sha": None,
            "references": {
                "short": f"!{pull.number}",
                "relative": f"!{pull.number}",
                "full": f"{repo.full_name}!{pull.number}",
            },
            "web_url": f"{self.web}/{repo.full_name}/-/merge_requests/{pull.number}",
        }

    def file(self, repo: Repo, stored: StoredFile, ref: str) -> dict[str, Any]:
        return {
            "file_name": stored.path.rsplit("/", 1)[-1],
            "file_path": stored.path,
            "size": len(stored.content),
            "encoding": "base64",
            "content_sha256": hashlib.sha256(stored.content).hexdigest(),
            "ref": ref,
            "blob_id": stored.sha,
            "commit_id": stored.commit,
            "last_commit_id": stored.commit,
            "execute_filemode": False,
            "content": base64.b64encode(stored.content).decode("ascii"),
        }

    def file_headers(self, stored: StoredFile, ref: str) -> list[tuple[str, str]]:
        """What GitLab sends for HEAD / raw reads of a file (X-Gitlab-* headers)."""
        return [
            ("X-Gitlab-File-Name", quote(stored.path.rsplit("/", 1)[-1])),
            ("X-Gitlab-File-Path", quote(stored.path)),
            ("X-Gitlab-Size", str(len(stored.content))),
            ("X-Gitlab-Encoding", "base64"),
            ("X-Gitlab-Blob-Id", stored.sha),
            ("X-Gitlab-Commit-Id", stored.commit),
            ("X-Gitlab-Last-Commit-Id", stored.commit),
            ("X-Gitlab-Content-Sha256", hashlib.sha256(stored.content).hexdigest()),
            ("X-Gitlab-Ref", ref),
        ]


def _is_light(color: str) -> bool:
    red, green, blue = (int(color[i : i + 2], 16) for i in (0, 2, 4))
    return (red * 299 + green * 587 + blue * 114) / 1000 > 128

"""Stored objects rendered as GitHub's REST API renders them (same keys, same JSON types)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from urllib.parse import quote

from plansync.sandbox.records import (
    REACTIONS,
    ROLES,
    Comment,
    Issue,
    Label,
    Milestone,
    Reaction,
    Repo,
    StoredFile,
)
from plansync.sandbox.store import SandboxStore

DOCS = "https://docs.github.com/rest"
_ROLE_FLAGS = {
    # role -> (admin, maintain, push, triage, pull)
    "admin": (True, True, True, True, True),
    "maintain": (False, True, True, True, True),
    "write": (False, False, True, True, True),
    "triage": (False, False, False, True, True),
    "read": (False, False, False, False, True),
    "none": (False, False, False, False, False),
}
LEGACY_PERMISSION = {
    # GitHub's `permission` field predates triage and maintain.
    "admin": "admin",
    "maintain": "write",
    "write": "write",
    "triage": "read",
    "read": "read",
    "none": "none",
}


def gh_time(value: datetime | None) -> str | None:
    """GitHub's timestamps: ISO-8601 UTC, whole seconds, 'Z'."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"{len(kind):02d}:{kind}{number}".encode()).decode("ascii")


class GitHubJson:
    """Renders for one request: URLs point at the host the client used."""

    def __init__(self, store: SandboxStore, base_url: str) -> None:
        self.store = store
        self.web = base_url
        self.api = f"{base_url}/api/v3"

    # people ------------------------------------------------------------------------------

    def user(self, login: str) -> dict[str, Any]:
        uid = self.store.user_id(login)
        url = f"{self.api}/users/{login}"
        return {
            "login": login,
            "id": uid,
            "node_id": node_id("User", uid),
            "avatar_url": f"{self.web}/avatars/u/{uid}?v=4",
            "gravatar_id": "",
            "url": url,
            "html_url": f"{self.web}/{login}",
            "followers_url": f"{url}/followers",
            "following_url": f"{url}/following{{/other_user}}",
            "gists_url": f"{url}/gists{{/gist_id}}",
            "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{url}/subscriptions",
            "organizations_url": f"{url}/orgs",
            "repos_url": f"{url}/repos",
            "events_url": f"{url}/events{{/privacy}}",
            "received_events_url": f"{url}/received_events",
            "type": "User",
            "site_admin": False,
        }

    def permissions(self, role: str) -> dict[str, bool]:
        admin, maintain, push, triage, pull = _ROLE_FLAGS[role]
        return {"admin": admin, "maintain": maintain, "push": push, "triage": triage, "pull": pull}

    def collaborator(self, repo: Repo, login: str) -> dict[str, Any]:
        role = repo.permissions.get(login, "none")
        return {
            **self.user(login),
            "permissions": self.permissions(role),
            "role_name": role,
        }

    def permission(self, repo: Repo, login: str) -> dict[str, Any]:
        role = repo.permissions.get(login, "none")
        return {
            "permission": LEGACY_PERMISSION[role],
            "role_name": role,
            "user": self.collaborator(repo, login),
        }

    def authenticated_user(self, login: str) -> dict[str, Any]:
        return {
            **self.user(login),
            "name": login,
            "company": None,
            "blog": "",
            "location": None,
            "email": None,
            "hireable": None,
            "bio": None,
            "twitter_username": None,
            "public_repos": 0,
            "public_gists": 0,
            "followers": 0,
            "following": 0,
            "created_at": "2020-01-01T00:00:00Z",
            "updated_at": "2020-01-01T00:00:00Z",
        }

    # repository --------------------------------------------------------------------------

    def repo_url(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"

    def repository(self, repo: Repo, viewer: str) -> dict[str, Any]:
        url = self.repo_url(repo)
        html = f"{self.web}/{repo.full_name}"
        owner = self.user(repo.owner)
        open_count = sum(1 for i in repo.issues.values() if i.state == "open" and not i.deleted)
        pushed = repo.updated_at or repo.created_at
        return {
            "id": repo.id,
            "node_id": node_id("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "private": True,
            "owner": owner,
            "html_url": html,
            "description": None,
            "fork": False,
            "url": url,
            "forks_url": f"{url}/forks",
            "keys_url": f"{url}/keys{{/key_id}}",
            "collaborators_url": f"{url}/collaborators{{/collaborator}}",
            "teams_url": f"{url}/teams",
            "hooks_url": f"{url}/hooks",
            "issue_events_url": f"{url}/issues/events{{/number}}",
            "events_url": f"{url}/events",
            "assignees_url": f"{url}/assignees{{/user}}",
            "branches_url": f"{url}/branches{{/branch}}",
            "tags_url": f"{url}/tags",
            "blobs_url": f"{url}/git/blobs{{/sha}}",
            "git_tags_url": f"{url}/git/tags{{/sha}}",
            "git_refs_url": f"{url}/git/refs{{/sha}}",
            "trees_url": f"{url}/git/trees{{/sha}}",
            "statuses_url": f"{url}/statuses/{{sha}}",
            "languages_url": f"{url}/languages",
            "stargazers_url": f"{url}/stargazers",
            "contributors_url": f"{url}/contributors",
            "subscribers_url": f"{url}/subscribers",
            "subscription_url": f"{url}/subscription",
            "commits_url": f"{url}/commits{{/sha}}",
            "git_commits_url": f"{url}/git/commits{{/sha}}",
            "comments_url": f"{url}/comments{{/number}}",
            "issue_comment_url": f"{url}/issues/comments{{/number}}",
            "contents_url": f"{url}/contents/{{+path}}",
            "compare_url": f"{url}/compare/{{base}}...{{head}}",
            "merges_url": f"{url}/merges",
            "archive_url": f"{url}/{{archive_format}}{{/ref}}",
            "downloads_url": f"{url}/downloads",
            "issues_url": f"{url}/issues{{/number}}",
            "pulls_url": f"{url}/pulls{{/number}}",
            "milestones_url": f"{url}/milestones{{/number}}",
            "notifications_url": f"{url}/notifications{{?since,all,participating}}",
            "labels_url": f"{url}/labels{{/name}}",
            "releases_url": f"{url}/releases{{/id}}",
            "deployments_url": f"{url}/deployments",
            "created_at": gh_time(repo.created_at),
            "updated_at": gh_time(repo.updated_at or repo.created_at),
            "pushed_at": gh_time(pushed),
            "git_url": f"git://{self.web.split('://', 1)[-1]}/{repo.full_name}.git",
            "ssh_url": f"git@sandbox:{repo.full_name}.git",
            "clone_url": f"{html}.git",
            "svn_url": html,
            "homepage": None,
            "size": sum(len(f.content) for f in repo.files.values()) // 1024,
            "stargazers_count": 0,
            "watchers_count": 0,
            "language": None,
            "has_issues": True,
            "has_projects": True,
            "has_downloads": True,
            "has_wiki": True,
            "has_pages": False,
            "forks_count": 0,
            "mirror_url": None,
            "archived": False,
            "disabled": False,
            "open_issues_count": open_count,
            "license": None,
            "allow_forking": True,
            "is_template": False,
            "web_commit_signoff_required": False,
            "topics": [],
            "visibility": "private",
            "forks": 0,
            "open_issues": open_count,
            "watchers": 0,
            "default_branch": repo.default_branch,
            "permissions": self.permissions(repo.permissions.get(viewer, "none")),
            "temp_clone_token": "",
            "allow_squash_merge": True,
            "allow_merge_commit": True,
            "allow_rebase_merge": True,
            "allow_auto_merge": False,
            "delete_branch_on_merge": False,
            "allow_update_branch": False,
            "use_squash_pr_title_as_default": False,
            "organization": {**owner, "type": "Organization"},
            "network_count": 0,
            "subscribers_count": 0,
        }

    # labels ------------------------------------------------------------------------------

    def label(self, repo: Repo, label: Label) -> dict[str, Any]:
        return {
            "id": label.id,
            "node_id": node_id("Label", label.id),
            "url": f"{self.repo_url(repo)}/labels/{quote(label.name, safe='')}",
            "name": label.name,
            "color": label.color,
            "default": label.default,
            "description": label.description,
        }

    # milestones --------------------------------------------------------------------------

    def milestone(self, repo: Repo, milestone: Milestone) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/milestones/{milestone.number}"
        open_issues, closed_issues = self.store.milestone_counts(repo.full_name, milestone.number)
        return {
            "url": url,
            "html_url": f"{self.web}/{repo.full_name}/milestone/{milestone.number}",
            "labels_url": f"{url}/labels",
            "id": milestone.id,
            "node_id": node_id("Milestone", milestone.id),
            "number": milestone.number,
            "title": milestone.title,
            "description": milestone.description,
            "creator": self.user(milestone.creator),
            "open_issues": open_issues,
            "closed_issues": closed_issues,
            "state": milestone.state,
            "created_at": gh_time(milestone.created_at),
            "updated_at": gh_time(milestone.updated_at),
            "due_on": (f"{milestone.due_on.isoformat()}T07:00:00Z" if milestone.due_on else None),
            "closed_at": gh_time(milestone.closed_at),
        }

    # issues ------------------------------------------------------------------------------

    def reactions(self, url: str, reactions: list[Reaction]) -> dict[str, Any]:
        counts: dict[str, Any] = {"url": url, "total_count": 0}
        for name in REACTIONS:
            counts[name] = sum(1 for r in reactions if r.content == name)
        counts["total_count"] = sum(counts[name] for name in REACTIONS)
        return counts

    def association(self, repo: Repo, login: str) -> str:
        if login == repo.owner:
            return "OWNER"
        return "COLLABORATOR" if repo.permissions.get(login, "none") != "none" else "NONE"

    def issue(self, repo: Repo, issue: Issue, *, single: bool = False) -> dict[str, Any]:
        """`single` adds what GitHub sends for one issue but not in lists (closed_by)."""
        url = f"{self.repo_url(repo)}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        labels = [self.label(repo, repo.labels[n.lower()]) for n in issue.labels]
        milestone = (
            self.milestone(repo, repo.milestones[issue.milestone])
            if issue.milestone is not None
            else None
        )
        assignees = [self.user(a) for a in issue.assignees]
        comments = sum(
            1 for c in repo.comments.values() if c.issue_number == issue.number and not c.system
        )
        data: dict[str, Any] = {
            "url": url,
            "repository_url": self.repo_url(repo),
            "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments",
            "events_url": f"{url}/events",
            "html_url": f"{self.web}/{repo.full_name}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": node_id("Issue", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self.user(issue.author),
            "labels": labels,
            "state": issue.state,
            "locked": False,
            "assignee": assignees[0] if assignees else None,
            "assignees": assignees,
            "milestone": milestone,
            "comments": comments,
            "created_at": gh_time(issue.created_at),
            "updated_at": gh_time(issue.updated_at),
            "closed_at": gh_time(issue.closed_at),
            "author_association": self.association(repo, issue.author),
            "active_lock_reason": None,
        }
        if issue.pull_request:
            pulls = f"{self.repo_url(repo)}/pulls/{issue.number}"
            html = f"{self.web}/{repo.full_name}/pull/{issue.number}"
            data["draft"] = False
            data["pull_request"] = {
                "url": pulls,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
        data["body"] = issue.body
        if single:
            data["closed_by"] = self.user(issue.closed_by) if issue.closed_by else None
        data["reactions"] = self.reactions(f"{url}/reactions", [])
        data["timeline_url"] = f"{url}/timeline"
        data["performed_via_github_app"] = None
        data["state_reason"] = issue.state_reason
        return data

    # comments ----------------------------------------------------------------------------

    def comment(self, repo: Repo, comment: Comment) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/issues/comments/{comment.id}"
        return {
            "url": url,
            "html_url": (
                f"{self.web}/{repo.full_name}/issues/{comment.issue_number}"
                f"#issuecomment-{comment.id}"
            ),
            "issue_url": f"{self.repo_url(repo)}/issues/{comment.issue_number}",
            "id": comment.id,
            "node_id": node_id("IssueComment", comment.id),
            "user": self.user(comment.author),
            "created_at": gh_time(comment.created_at),
            "updated_at": gh_time(comment.updated_at),
            "author_association": self.association(repo, comment.author),
            "body": comment.body,
            "reactions": self.reactions(f"{url}/reactions", comment.reactions),
            "performed_via_github_app": None,
        }

    def reaction(self, reaction: Reaction) -> dict[str, Any]:
        return {
            "id": reaction.id,
            "node_id": node_id("Reaction", reaction.id),
            "user": self.user(reaction.user),
            "content": reaction.content,
            "created_at": gh_time(reaction.created_at),
        }

    # contents ----------------------------------------------------------------------------

    def content_entry(self, repo: Repo, stored: StoredFile) -> dict[str, Any]:
        """A file as listed in a directory and in a write's answer (no content)."""
        path = quote(stored.path)
        self_url = f"{self.repo_url(repo)}/contents/{path}?ref={repo.default_branch}"
        html = f"{self.web}/{repo.full_name}/blob/{repo.default_branch}/{path}"
        git = f"{self.repo_url(repo)}/git/blobs/{stored.sha}"
        return {
            "name": stored.path.rsplit("/", 1)[-1],
            "path": stored.path,
            "sha": stored.sha,
            "size": len(stored.content),
            "url": self_url,
            "html_url": html,
            "git_url": git,
            "download_url": f"{self.web}/raw/{repo.full_name}/{repo.default_branch}/{path}",
            "type": "file",
            "_links": {"self": self_url, "git": git, "html": html},
        }

    def content_file(self, repo: Repo, stored: StoredFile) -> dict[str, Any]:
        """One file with its content, base64 in lines of 60 characters as GitHub sends it."""
        raw = base64.b64encode(stored.content).decode("ascii")
        lines = "\n".join(raw[i : i + 60] for i in range(0, len(raw), 60))
        entry = self.content_entry(repo, stored)
        return {
            "type": "file",
            "encoding": "base64",
            "size": entry["size"],
            "name": entry["name"],
            "path": entry["path"],
            "content": lines + "\n" if lines else "",
            "sha": entry["sha"],
            "url": entry["url"],
            "git_url": entry["git_url"],
            "html_url": entry["html_url"],
            "download_url": entry["download_url"],
            "_links": entry["_links"],
        }

    def commit(self, repo: Repo, stored: StoredFile, message: str, login: str) -> dict[str, Any]:
        url = f"{self.repo_url(repo)}/git/commits/{stored.commit}"
        person = {
            "name": login,
            "email": f"{self.store.user_id(login)}+{login}@users.noreply.sandbox",
            "date": gh_time(stored.updated_at),
        }
        tree = f"{stored.commit[:20]}{stored.sha[:20]}"
        return {
            "sha": stored.commit,
            "node_id": node_id("Commit", repo.commits),
            "url": url,
            "html_url": f"{self.web}/{repo.full_name}/commit/{stored.commit}",
            "author": person,
            "committer": dict(person),
            "tree": {"sha": tree, "url": f"{self.repo_url(repo)}/git/trees/{tree}"},
            "message": message,
            "parents": [],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
            },
        }


def validation_failed(
    errors: list[dict[str, Any]], doc: str = f"{DOCS}/issues/issues"
) -> dict[str, Any]:
    return {"message": "Validation Failed", "errors": errors, "documentation_url": doc}


def _role_permissions(role: str) -> dict[str, bool]:
    """The viewer's `permissions` object of a repository, from its role."""
    rank = ROLES.index(role) if role in ROLES else 0
    names = {"pull": "read", "triage": "triage", "push": "write", "maintain": "maintain"}
    found = {key: rank >= ROLES.index(level) for key, level in names.items()}
    return {"admin": rank >= ROLES.index("admin"), **found}

"""GitLab's repository API over the sandbox's git objects: branches, the tree, commits with
`actions[]`, files at any ref, and merge requests.

A protected branch refuses commits with 403, as GitLab does for a user who may not push; an
`update` action whose `last_commit_id` is not the file's last commit refuses the commit (400).
"""

from __future__ import annotations

import base64
import difflib
import hashlib
from collections.abc import Callable
from typing import Any

from plansync.sandbox.git import GitCommit, GitData
from plansync.sandbox.http_types import ApiRequest, ApiResponse
from plansync.sandbox.pagination import gitlab_headers, page_of
from plansync.sandbox.records import Repo
from plansync.sandbox.serialize_gitlab import GitLabJson, gl_time
from plansync.sandbox.store import SandboxStore
from plansync.sandbox.store_errors import (
    ProtectedBranchError,
    StaleFileVersionError,
    UnknownRefError,
)

Route = tuple[str, str, Callable[[ApiRequest, dict[str, str]], ApiResponse]]
STALE = "You are attempting to update a file that has changed since you started editing it."


def _message(status: int, message: Any) -> ApiResponse:
    return ApiResponse.json(status, {"message": message})


class GitLabRepositoryApi:
    def __init__(
        self,
        store: SandboxStore,
        project_of: Callable[[dict[str, str]], Repo],
        render: Callable[[ApiRequest], GitLabJson],
    ) -> None:
        self.store = store
        self._project = project_of
        self._render = render

    def routes(self) -> list[Route]:
        return [
            ("GET", "/repository/branches/{branch}", self.get_branch),
            ("GET", "/repository/tree", self.get_tree),
            ("POST", "/repository/commits", self.create_commit),
            ("GET", "/repository/commits/{sha}", self.get_commit),
            ("GET", "/merge_requests", self.list_merge_requests),
            ("POST", "/merge_requests", self.create_merge_request),
        ]

    def _commit_json(self, repo: Repo, commit: GitCommit, request: ApiRequest) -> dict[str, Any]:
        web = f"{request.base_url}/{repo.full_name}/-/commit/{commit.sha}"
        email = f"{commit.author}@users.noreply.sandbox"
        title = commit.message.split("\n", 1)[0]
        return {
            "id": commit.sha,
            "short_id": commit.sha[:8],
            "created_at": gl_time(commit.date),
            "parent_ids": list(commit.parents),
            "title": title,
            "message": commit.message,
            "author_name": commit.author,
            "author_email": email,
            "authored_date": gl_time(commit.date),
            "committer_name": commit.author,
            "committer_email": email,
            "committed_date": gl_time(commit.date),
            "trailers": {},
            "extended_trailers": {},
            "web_url": web,
        }

    def get_branch(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        branch = params["branch"]
        commit = repo.git.resolve(branch) if branch in repo.git.refs else None
        if commit is None:
            return _message(404, "404 Branch Not Found")
        protected = branch in repo.git.protected
        return ApiResponse.json(
            200,
            {
                "name": branch,
                "merged": False,
                "protected": protected,
                "default": branch == repo.default_branch,
                "developers_can_push": not protected,
                "developers_can_merge": not protected,
                "can_push": not protected,
                "web_url": f"{request.base_url}/{repo.full_name}/-/tree/{branch}",
                "commit": self._commit_json(repo, commit, request),
            },
        )

    def get_tree(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        ref = request.param("ref") or repo.default_branch
        files = repo.git.files_at(ref)
        if files is None:
            return _message(404, "404 Tree Not Found")
        recursive = (request.param("recursive") or "").lower() in ("true", "1")
        entries: list[dict[str, Any]] = []
        folders = {"/".join(p.split("/")[: i + 1]) for p in files for i in range(p.count("/"))}
        for folder in folders:
            if recursive or "/" not in folder:
                entries.append(_entry(folder, "tree", hashlib.sha1(folder.encode()).hexdigest()))
        for path, blob in files.items():
            if recursive or "/" not in path:
                entries.append(_entry(path, "blob", blob))
        entries.sort(key=lambda e: str(e["path"]))
        page = page_of(request, len(entries), default=20)
        headers = gitlab_headers(request, page, f"/api/v4{request.path}")
        return ApiResponse.json(200, page.slice(entries), headers=headers)

    def get_commit(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        commit = repo.git.resolve(params["sha"])
        if commit is None:
            return _message(404, "404 Commit Not Found")
        return ApiResponse.json(200, self._commit_json(repo, commit, request))

    def create_commit(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        data = request.json()
        branch, message, actions = (
            data.get("branch"),
            data.get("commit_message"),
            data.get("actions"),
        )
        if not isinstance(branch, str):
            return ApiResponse.json(400, {"error": "branch is missing"})
        if not isinstance(message, str):
            return ApiResponse.json(400, {"error": "commit_message is missing"})
        if not isinstance(actions, list) or not actions:
            return ApiResponse.json(400, {"error": "actions is missing"})
        start = data.get("start_sha") or data.get("start_branch")
        git = repo.git
        if branch not in git.refs and not start:
            return _message(400, "You can only create or edit files when you are on a branch")
        changes: dict[str, bytes | None] = {}
        expected: dict[str, str] = {}
        files_now = git.files_at(branch if branch in git.refs else str(start)) or {}
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("file_path"), str):
                return ApiResponse.json(400, {"error": "actions[file_path] is missing"})
            path = str(action["file_path"]).strip("/")
            kind = action.get("action")
            if kind in ("create", "update"):
                content = str(action.get("content") or "")
                raw = (
                    base64.b64decode(content)
                    if action.get("encoding") == "base64"
                    else content.encode("utf-8")
                )
                if kind == "update" and path not in files_now:
                    return _message(400, "A file with this name doesn't exist")
                if kind == "create" and path in files_now:
                    return _message(400, "A file with this name already exists")
                changes[path] = raw
            elif kind == "delete":
                changes[path] = None
            else:
                return ApiResponse.json(
                    400, {"error": "actions[action] does not have a valid value"}
                )
            if isinstance(action.get("last_commit_id"), str):
                expected[path] = str(action["last_commit_id"])
        try:
            commit = self.store.commit_files(
                repo.full_name,
                branch,
                changes,
                message,
                user=request.user,
                start_from=str(start) if start else None,
                last_commit_ids=expected,
            )
        except ProtectedBranchError:
            return _message(403, "You are not allowed to push into this branch")
        except StaleFileVersionError:
            return _message(400, STALE)
        except UnknownRefError:
            return _message(400, "Invalid reference name")
        body = {
            **self._commit_json(repo, commit, request),
            "stats": _stats(git, commit),
            "status": None,
            "project_id": repo.id,
            "last_pipeline": None,
        }
        return ApiResponse.json(201, body)

    # merge requests ----------------------------------------------------------------------

    def list_merge_requests(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        state = request.param("state")
        source, target = request.param("source_branch"), request.param("target_branch")
        found = [
            m
            for m in repo.pulls.values()
            if (state in (None, "all") or m.gitlab_state == state)
            and (source is None or m.head == source)
            and (target is None or m.base == target)
        ]
        render = self._render(request)
        found.sort(key=lambda m: -m.number)
        page = page_of(request, len(found), default=20)
        headers = gitlab_headers(request, page, f"/api/v4{request.path}")
        items = [render.merge_request(repo, m) for m in page.slice(found)]
        return ApiResponse.json(200, items, headers=headers)

    def create_merge_request(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        data = request.json()
        fields = {k: data.get(k) for k in ("source_branch", "target_branch", "title")}
        for name, value in fields.items():
            if not isinstance(value, str) or not value:
                return ApiResponse.json(400, {"error": f"{name} is missing"})
        head, base = str(fields["source_branch"]), str(fields["target_branch"])
        if head not in repo.git.refs or base not in repo.git.refs:
            return _message(400, {"base": ["Branch does not exist"]})
        if any(
            m.head == head and m.base == base and m.state == "open" for m in repo.pulls.values()
        ):
            return _message(
                409,
                ["Another open merge request already exists for this source branch"],
            )
        made = self.store.open_pull(
            repo.full_name,
            head,
            base,
            str(fields["title"]),
            str(data.get("description") or ""),
            user=request.user,
        )
        return ApiResponse.json(201, self._render(request).merge_request(repo, made))


def _stats(git: GitData, commit: GitCommit) -> dict[str, int]:
    """Lines added and deleted by a commit against its first parent, as GitLab counts them."""
    after = git.trees[commit.tree]
    parent = git.commits.get(commit.parents[0]) if commit.parents else None
    before = git.trees[parent.tree] if parent is not None else {}
    added = deleted = 0
    for path in set(before) | set(after):
        if before.get(path) == after.get(path):
            continue
        old = git.blobs[before[path]].splitlines() if path in before else []
        new = git.blobs[after[path]].splitlines() if path in after else []
        for line in difflib.ndiff(
            [x.decode("utf-8", "replace") for x in old],
            [x.decode("utf-8", "replace") for x in new],
        ):
            added += line.startswith("+ ")
            deleted += line.startswith("- ")
    return {"additions": added, "deletions": deleted, "total": added + deleted}


def _entry(path: str, kind: str, sha: str) -> dict[str, Any]:
    return {
        "id": sha,
        "name": path.rsplit("/", 1)[-1],
        "type": kind,
        "path": path,
        "mode": "040000" if kind == "tree" else "100644",
    }

"""A branch's files through GitLab's repository API, and one commit of several files.

Reading: the branch's head commit first (one request); only when it moved, the repository
tree (paginated, recursive) and the files whose blob changed (repository files API).
Writing: the commits API with one `update` action per file, each carrying the file's
`last_commit_id`: a file changed since it was read refuses the whole commit.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from gitlab.exceptions import GitlabError

from plansync.errors import BranchProtectedError, StaleFileError
from plansync.trackers.gitlab.errors import gitlab_message
from plansync.trackers.gitlab.project import PER_PAGE, ProjectCalls
from plansync.trackers.repository import BranchTree, FileChange, PullRequest


class RepositoryCommits:
    def __init__(self, calls: ProjectCalls) -> None:
        self._calls = calls
        self._default: str | None = None

    def default_branch(self) -> str:
        if self._default is None:
            calls = self._calls
            project = calls.request(
                "read the project", lambda: calls.gl.projects.get(calls.repo).asdict()
            )
            self._default = str(project.get("default_branch") or "main")
        return self._default

    def branch_tree(self, branch: str, known: BranchTree | None = None) -> BranchTree | None:
        project = self._calls.project
        data = self._calls.request_or_none(
            f"read branch {branch}", lambda: project.branches.get(branch).asdict()
        )
        if data is None:
            return None
        head = str(data["commit"]["id"])
        if known is not None and known.branch == branch and known.head == head:
            return known

        def tree() -> list[dict[str, Any]]:
            listing = project.repository_tree(
                ref=head, recursive=True, iterator=True, per_page=PER_PAGE
            )
            return [dict(item) for item in listing]

        items = self._calls.request(f"read the files of branch {branch}", tree)
        files = {str(i["path"]): str(i["id"]) for i in items if i.get("type") == "blob"}
        return BranchTree(branch, head, files)

    def read_blob(self, path: str, blob: str, head: str) -> FileChange:
        files = self._calls.project.files
        data = self._calls.request(
            f"read {path} at {head[:12]}", lambda: files.get(file_path=path, ref=head).asdict()
        )
        return FileChange(base64.b64decode(data.get("content") or ""), str(data["last_commit_id"]))

    def commit_files(
        self,
        branch: str,
        base: BranchTree,
        files: Mapping[str, FileChange],
        message: str,
        *,
        create_from: BranchTree | None = None,
    ) -> str:
        actions = [
            {
                "action": "update",
                "file_path": path,
                "content": base64.b64encode(change.content).decode("ascii"),
                "encoding": "base64",
                "last_commit_id": change.version,
            }
            for path, change in files.items()
        ]
        fields: dict[str, Any] = {
            "branch": branch,
            "commit_message": message,
            "actions": actions,
        }
        if create_from is not None:
            fields["start_sha"] = create_from.head
        commits = self._calls.project.commits
        where = f"branch {branch} of {self._calls.what}"

        def send() -> dict[str, Any]:
            try:
                return dict(commits.create(fields).asdict())
            except GitlabError as exc:
                message = gitlab_message(exc)
                if exc.response_code == 403:
                    raise BranchProtectedError(f"{where} refuses pushes (403 {message})") from exc
                if exc.response_code == 400 and "changed" in message.lower():
                    raise StaleFileError(f"{where}: {message}") from exc
                raise

        made = self._calls.request(f"push to {where}", send, write=True, idempotent=True)
        return str(made["id"])

    def pull_request(
        self, head: str, base: str, title: str, body: str, *, create: bool = True
    ) -> PullRequest | None:
        requests = self._calls.project.mergerequests

        def find() -> list[dict[str, Any]]:
            listing = requests.list(
                state="opened", source_branch=head, target_branch=base, iterator=True
            )
            return [mr.asdict() for mr in listing]

        found = self._calls.request("look for plansync's merge request", find)
        if found:
            return PullRequest(int(found[0]["iid"]), str(found[0]["web_url"]))
        if not create:
            return None
        # Merged, the source branch goes: the next proposal starts a fresh one.
        fields = {
            "source_branch": head,
            "target_branch": base,
            "title": title,
            "remove_source_branch": True,
        }
        made = self._calls.request(
            f"open a merge request from {head}",
            lambda: requests.create({**fields, "description": body}).asdict(),
            write=True,
            idempotent=False,
        )
        return PullRequest(int(made["iid"]), str(made["web_url"]), created=True)

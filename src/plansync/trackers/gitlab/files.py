"""Files in a GitLab project's repository, through the repository files API.

A file's version is its `last_commit_id`: a write hands it back, and GitLab refuses the write
when the file changed since (StaleFileError). Contents travel base64-encoded, so the bytes of a
planfile (CRLF, BOM, any encoding) arrive as they were.
"""

from __future__ import annotations

import base64
from typing import Any

from gitlab.exceptions import GitlabError

from plansync.errors import StaleFileError, TrackerError
from plansync.model.remote import RepoFile
from plansync.trackers.gitlab.errors import gitlab_message, is_stale_file
from plansync.trackers.gitlab.project import ProjectCalls
from plansync.trackers.retry import write_once

# The branch written to when a project has no default branch yet (an empty repository).
FALLBACK_BRANCH = "main"


class RepositoryFiles:
    def __init__(self, calls: ProjectCalls) -> None:
        self._calls = calls
        self._default_branch: str | None = None

    def _branch(self) -> str:
        if self._default_branch is None:
            calls = self._calls
            project = calls.request(
                "read the project", lambda: calls.gl.projects.get(calls.repo).asdict()
            )
            branch = project.get("default_branch")
            self._default_branch = branch if isinstance(branch, str) and branch else ""
        return self._default_branch or FALLBACK_BRANCH

    def read(self, path: str, ref: str | None = None) -> RepoFile | None:
        """The file at `ref` (the default branch when None), or None when it does not exist."""
        branch = ref if ref is not None else self._branch()
        files = self._calls.project.files
        data = self._calls.request_or_none(
            f"read {path} at {branch}", lambda: files.get(file_path=path, ref=branch).asdict()
        )
        if data is None:
            return None
        return RepoFile(
            path=path,
            content=base64.b64decode(data.get("content") or ""),
            version=str(data["last_commit_id"]),
        )

    def write(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        """Create (version None) or update a file on the default branch.

        GitLab's answer to a write carries no commit id, so the file is read back for its
        version. After an unclear failure the file is read too: holding the new content, the
        write took effect; still at `version`, the write is tried again; else it is stale.
        """
        branch = self._branch()
        fields: dict[str, Any] = {
            "branch": branch,
            "content": base64.b64encode(content).decode("ascii"),
            "encoding": "base64",
            "commit_message": message,
        }

        def attempt() -> RepoFile:
            self._send(path, fields, version)
            written = self.read(path, branch)
            if written is None:
                raise TrackerError(
                    f"GitLab accepted {path} in {self._calls.repo} but does not show it on "
                    f"branch {branch}; check the branch's push rules."
                )
            return written

        def find_written() -> RepoFile | None:
            current = self.read(path, branch)
            if current is not None and current.content == content:
                return current
            if (current.version if current is not None else None) != version:
                raise self._stale(path, "it changed while a write was in doubt")
            return None  # still at `version`: the write did not happen, so try it again

        return write_once(attempt, find_written, what=f"write {path} in {self._calls.what}")

    def _send(self, path: str, fields: dict[str, Any], version: str | None) -> None:
        files = self._calls.project.files

        def write() -> None:
            try:
                if version is None:
                    files.create({"file_path": path, **fields})
                else:
                    files.update(path, {**fields, "last_commit_id": version})
            except GitlabError as exc:
                if is_stale_file(exc):
                    raise self._stale(path, gitlab_message(exc)) from exc
                raise

        self._calls.request(f"write {path}", write, write=True, idempotent=False)

    def _stale(self, path: str, why: str) -> StaleFileError:
        return StaleFileError(
            f"{path} in GitLab project {self._calls.repo} changed since plansync read it "
            f"({why}); the write was refused and nothing was lost: run again to start from "
            "the new version."
        )

"""Repository files through GitHub's contents API: bytes in and out unchanged, the blob sha as
the version, and a write against a stale sha refused."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import partial

from github import GithubException
from github.ContentFile import ContentFile
from github.GithubObject import NotSet
from github.Repository import Repository

from plansync.errors import NotFoundError, StaleFileError
from plansync.model.remote import RepoFile
from plansync.trackers.github.requests import RepoRequests


class RepoFiles:
    def __init__(self, requests: RepoRequests, repository: Repository) -> None:
        self._requests = requests
        self._repository = repository

    def read(self, path: str, ref: str | None = None) -> RepoFile | None:
        found = self._requests.call_or_none(
            partial(self._repository.get_contents, path, ref=ref if ref is not None else NotSet),
            f"read {path}",
            f"file {path}",
        )
        if found is None:
            return None
        if isinstance(found, list):
            raise NotFoundError(
                f"{path} in GitHub repository {self._requests.repo} is a directory, not a file; "
                "point the planfile setting at a markdown file."
            )
        return RepoFile(path, self._content_of(found), found.sha)

    def _content_of(self, found: ContentFile) -> bytes:
        if found.encoding == "base64" and found.content is not None:
            return found.decoded_content
        # Files over 1 MB come without content; the blob API serves them, base64 as well.
        blob = self._requests.call(
            partial(self._repository.get_git_blob, found.sha), f"read {found.path}"
        )
        return base64.b64decode(blob.content)

    def write(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        """Create (version None) or update the file. A write that failed unclearly is read
        back: done if the file holds our bytes, tried again if it still holds the base, and
        stale if it holds anything else."""

        def find() -> RepoFile | None:
            current = self.read(path)
            if current is not None and current.content == content:
                return current
            untouched = (current is None and version is None) or (
                current is not None and current.version == version
            )
            if not untouched:
                raise self._stale(path, "it changed while the write went unanswered")
            return None

        return self._requests.write_once(
            partial(self._write_once, path, content, message, version), find, f"write {path}"
        )

    def _write_once(self, path: str, content: bytes, message: str, version: str | None) -> RepoFile:
        def put() -> ContentFile:
            try:
                if version is None:
                    result = self._repository.create_file(path, message, content)
                else:
                    result = self._repository.update_file(path, message, content, version)
            except GithubException as exc:
                if _is_stale_answer(exc, version):
                    raise self._stale(path, f"GitHub answered {exc.status}") from exc
                raise
            written = result["content"]
            if not isinstance(written, ContentFile):
                raise TypeError(f"GitHub answered a write of {path} without the file's content")
            return written

        written = self._requests.call(put, f"write {path}", write=True, idempotent=False)
        return RepoFile(path, content, written.sha)

    def _stale(self, path: str, why: str) -> StaleFileError:
        return StaleFileError(
            f"{path} in GitHub repository {self._requests.repo} changed since plansync read it "
            f"({why}); nothing was written. Run again: plansync reads the new version first."
        )


def _is_stale_answer(exc: GithubException, version: str | None) -> bool:
    """409: the sha is not the file's current one. 422 on a create: the file exists, so a sha
    was needed (GitHub: `"sha" wasn't supplied`)."""
    if exc.status == 409:
        return True
    if exc.status == 422 and version is None:
        data = exc.data if isinstance(exc.data, Mapping) else {}
        return "sha" in str(data.get("message", ""))
    return False

"""A tracker's git repository as a plan source reads and writes it: a branch's files by blob
id, one blob at a time, and one commit of several files guarded against pushes made since.

GitHub and GitLab adapters implement `RepositoryAccess`; nothing of PyGithub or python-gitlab
crosses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class BranchTree:
    """A branch at one commit: `files` maps each path to its blob id. `tree` is the commit's
    tree id (GitHub) and `validator` what makes the next read conditional (an ETag)."""

    branch: str
    head: str
    files: Mapping[str, str]
    tree: str = ""
    validator: str | None = None


@dataclass(frozen=True)
class FileChange:
    """A file's new bytes, and the version it was read at (GitHub: the blob id; GitLab: the
    file's last commit id; "" for a new file)."""

    content: bytes
    version: str


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    created: bool = field(default=False, compare=False)


@runtime_checkable
class RepositoryAccess(Protocol):
    def default_branch(self) -> str: ...

    def branch_tree(self, branch: str, known: BranchTree | None = None) -> BranchTree | None:
        """The branch's files, or None when the branch does not exist. With `known`, an
        unchanged branch answers `known` again (GitHub: a 304; GitLab: the same head)."""
        ...

    def read_blob(self, path: str, blob: str, head: str) -> FileChange:
        """The bytes of `path` at commit `head` (whose tree names `blob`), and its version."""
        ...

    def commit_files(
        self,
        branch: str,
        base: BranchTree,
        files: Mapping[str, FileChange],
        message: str,
        *,
        create_from: BranchTree | None = None,
    ) -> str:
        """One commit on `branch` on top of `base` holding `files`; its id. StaleFileError
        when the branch moved past `base` (GitHub) or a file changed since its version
        (GitLab); BranchProtectedError when the branch refuses the push. With `create_from`
        the branch is made from that branch's head first when it does not exist."""
        ...

    def pull_request(
        self, head: str, base: str, title: str, body: str, *, create: bool = True
    ) -> PullRequest | None:
        """The one open pull / merge request from `head` into `base`, opened if none is
        (with `create`; else None)."""
        ...


class RepositoryDelegate:
    """An adapter's RepositoryAccess, handed on to the helper (`_repository`) that talks to
    its tracker's git API: the calls are the same for every tracker."""

    _repository: RepositoryAccess

    def default_branch(self) -> str:
        return self._repository.default_branch()

    def branch_tree(self, branch: str, known: BranchTree | None = None) -> BranchTree | None:
        return self._repository.branch_tree(branch, known)

    def read_blob(self, path: str, blob: str, head: str) -> FileChange:
        return self._repository.read_blob(path, blob, head)

    def commit_files(
        self,
        branch: str,
        base: BranchTree,
        files: Mapping[str, FileChange],
        message: str,
        *,
        create_from: BranchTree | None = None,
    ) -> str:
        return self._repository.commit_files(branch, base, files, message, create_from=create_from)

    def pull_request(
        self, head: str, base: str, title: str, body: str, *, create: bool = True
    ) -> PullRequest | None:
        return self._repository.pull_request(head, base, title, body, create=create)

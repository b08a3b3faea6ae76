"""A repository's git objects in the sandbox: blobs, flat trees, commits and branches.

Enough of git for the APIs plansync uses: trees are kept flat (path -> blob id), ids are
SHA-1 like git's (blobs exactly as git names them), and a branch moves only to a commit that
descends from where it is unless forced. The default branch is mirrored into `Repo.files` by
the store.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def blob_id(content: bytes) -> str:
    """The id git gives a blob holding `content`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def tree_id(entries: Mapping[str, str]) -> str:
    text = "".join(f"{path}\0{blob}\n" for path, blob in sorted(entries.items()))
    return hashlib.sha1(b"tree\0" + text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class GitCommit:
    sha: str
    tree: str
    parents: tuple[str, ...]
    message: str
    author: str
    date: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "tree": self.tree,
            "parents": list(self.parents),
            "message": self.message,
            "author": self.author,
            "date": self.date.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GitCommit:
        return cls(
            str(data["sha"]),
            str(data["tree"]),
            tuple(str(p) for p in data["parents"]),
            str(data["message"]),
            str(data["author"]),
            datetime.fromisoformat(str(data["date"])).astimezone(UTC),
        )


class NotFastForwardError(Exception):
    """A branch was asked to move to a commit that does not descend from where it is."""


@dataclass
class GitData:
    blobs: dict[str, bytes] = field(default_factory=dict)
    trees: dict[str, dict[str, str]] = field(default_factory=dict)
    commits: dict[str, GitCommit] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)  # branch -> commit id
    protected: set[str] = field(default_factory=set)

    def add_blob(self, content: bytes) -> str:
        sha = blob_id(content)
        self.blobs[sha] = content
        return sha

    def add_tree(self, entries: Mapping[str, str]) -> str:
        sha = tree_id(entries)
        self.trees[sha] = dict(entries)
        return sha

    def add_commit(
        self, tree: str, parents: tuple[str, ...], message: str, author: str, date: datetime
    ) -> GitCommit:
        seed = f"{tree}\0{','.join(parents)}\0{message}\0{author}\0{date.isoformat()}"
        sha = hashlib.sha1(b"commit\0" + seed.encode("utf-8")).hexdigest()
        commit = GitCommit(sha, tree, parents, message, author, date)
        self.commits[sha] = commit
        return commit

    def resolve(self, ref: str) -> GitCommit | None:
        """The commit a branch name or a commit id names."""
        ref = ref.removeprefix("refs/heads/").removeprefix("heads/")
        sha = self.refs.get(ref, ref)
        return self.commits.get(sha)

    def files_at(self, ref: str) -> dict[str, str] | None:
        commit = self.resolve(ref)
        return None if commit is None else self.trees[commit.tree]

    def descends(self, sha: str, ancestor: str) -> bool:
        seen: set[str] = set()
        todo = [sha]
        while todo:
            current = todo.pop()
            if current == ancestor:
                return True
            if current in seen or current not in self.commits:
                continue
            seen.add(current)
            todo.extend(self.commits[current].parents)
        return False

    def move(self, branch: str, sha: str, *, force: bool = False) -> None:
        current = self.refs.get(branch)
        if current is not None and not force and not self.descends(sha, current):
            raise NotFastForwardError(branch)
        self.refs[branch] = sha

    def to_json(self) -> dict[str, Any]:
        return {
            "blobs": {k: base64.b64encode(v).decode("ascii") for k, v in self.blobs.items()},
            "trees": self.trees,
            "commits": [c.to_json() for c in self.commits.values()],
            "refs": dict(self.refs),
            "protected": sorted(self.protected),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GitData:
        commits = [GitCommit.from_json(c) for c in data.get("commits", [])]
        return cls(
            blobs={str(k): base64.b64decode(str(v)) for k, v in data.get("blobs", {}).items()},
            trees={str(k): dict(v) for k, v in data.get("trees", {}).items()},
            commits={c.sha: c for c in commits},
            refs={str(k): str(v) for k, v in data.get("refs", {}).items()},
            protected={str(b) for b in data.get("protected", [])},
        )


def last_commit(git: GitData, ref: str, path: str) -> str | None:
    """The newest commit reachable from `ref` (first parents) that changed `path`: GitLab's
    `last_commit_id` of a file; None when the file is not there."""
    commit = git.resolve(ref)
    if commit is None or path not in git.trees[commit.tree]:
        return None
    blob = git.trees[commit.tree][path]
    while commit.parents:
        parent = git.commits[commit.parents[0]]
        if git.trees[parent.tree].get(path) != blob:
            return commit.sha
        commit = parent
    return commit.sha

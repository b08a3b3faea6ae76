"""A branch's files through GitHub's Git database API, and one commit of several files.

Reading: the branch's ref, conditionally (an unchanged branch costs one 304), then its tree,
recursive, only when the head moved; a file's bytes come from its blob, which never changes.
Writing: blobs, a tree on the base's tree, a commit whose parent is the head that was read,
then a non-forced ref update: a branch pushed to meanwhile refuses it (not a fast forward),
so nothing anyone pushed is ever lost.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from functools import partial
from typing import Any
from urllib.parse import quote

from github import GithubException

from plansync.errors import BranchProtectedError, StaleFileError
from plansync.trackers.github.requests import RepoRequests
from plansync.trackers.repository import BranchTree, FileChange, PullRequest


class GitDatabase:
    def __init__(self, requests: RepoRequests) -> None:
        self._requests = requests
        self._default: str | None = None

    def _json(self, method: str, path: str, doing: str, body: Any = None) -> Any:
        requester = self._requests.requester

        def send() -> Any:
            return requester.requestJsonAndCheck(method, path, input=body)[1]

        write = method != "GET"
        return self._requests.call(send, doing, write=write, idempotent=not write)

    def default_branch(self) -> str:
        if self._default is None:
            data = self._json("GET", self._requests.path, "read the repository")
            self._default = str(data.get("default_branch") or "main")
        return self._default

    def branch_tree(self, branch: str, known: BranchTree | None = None) -> BranchTree | None:
        path = f"{self._requests.path}/git/ref/heads/{quote(branch)}"
        requester = self._requests.requester
        etag = known.validator if known is not None and known.branch == branch else None

        def read_ref() -> tuple[int, dict[str, Any], Any]:
            headers = {"If-None-Match": etag} if etag else None
            status, answer_headers, body = requester.requestJson("GET", path, headers=headers)
            if status in (200, 304):
                return status, answer_headers, body
            if status == 404:
                return status, answer_headers, None
            raise requester.createException(status, answer_headers, _parsed(body))

        status, headers, body = self._requests.call(read_ref, f"read branch {branch}")
        if status == 304 and known is not None:
            return known
        if status == 404:
            return None
        head = str(_parsed(body)["object"]["sha"])
        validator = headers.get("etag")
        if known is not None and known.head == head:
            return BranchTree(branch, head, known.files, known.tree, validator)
        tree = self._json(
            "GET",
            f"{self._requests.path}/git/trees/{head}?recursive=1",
            f"read the files of branch {branch}",
        )
        files = {
            str(e["path"]): str(e["sha"]) for e in tree.get("tree", []) if e.get("type") == "blob"
        }
        return BranchTree(branch, head, files, str(tree["sha"]), validator)

    def read_blob(self, path: str, blob: str, head: str) -> FileChange:
        data = self._json("GET", f"{self._requests.path}/git/blobs/{blob}", f"read {path}")
        return FileChange(base64.b64decode(str(data.get("content") or "")), blob)

    def commit_files(
        self,
        branch: str,
        base: BranchTree,
        files: Mapping[str, FileChange],
        message: str,
        *,
        create_from: BranchTree | None = None,
    ) -> str:
        if len(files) == 1 and create_from is None:
            [(path, change)] = files.items()
            return self._put_file(branch, path, change, message)
        repo_path = self._requests.path
        entries = []
        for path, change in files.items():
            encoded = base64.b64encode(change.content).decode("ascii")
            blob = self._json(
                "POST",
                f"{repo_path}/git/blobs",
                f"store {path}",
                {"content": encoded, "encoding": "base64"},
            )
            entries.append({"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]})
        tree = self._json(
            "POST",
            f"{repo_path}/git/trees",
            "store the tree of the plansync commit",
            {"base_tree": base.tree, "tree": entries},
        )
        commit = self._json(
            "POST",
            f"{repo_path}/git/commits",
            "make the plansync commit",
            {"message": message, "tree": tree["sha"], "parents": [base.head]},
        )
        sha = str(commit["sha"])
        self._move(branch, sha, create=create_from is not None)
        return sha

    def _put_file(self, branch: str, path: str, change: FileChange, message: str) -> str:
        """One file through the contents API, guarded by its blob sha: a push of other files
        meanwhile does not refuse it, a change of this one does (409)."""
        requester = self._requests.requester
        body = {
            "message": message,
            "content": base64.b64encode(change.content).decode("ascii"),
            "sha": change.version,
            "branch": branch,
        }
        url = f"{self._requests.path}/contents/{quote(path)}"

        def send() -> Any:
            try:
                return requester.requestJsonAndCheck("PUT", url, input=body)[1]
            except GithubException as exc:
                message = str(exc.data.get("message", "")) if isinstance(exc.data, Mapping) else ""
                if exc.status == 409 and "does not match" in message:
                    raise StaleFileError(
                        f"{path} on branch {branch} of {self._requests.what} changed since "
                        f"plansync read it ({message})"
                    ) from exc
                raise self._refused(branch, exc) or exc from exc

        # A PUT carrying the sha it replaces cannot apply twice: the second one is stale.
        answer = self._requests.call(send, f"write {path}", write=True, idempotent=True)
        return str(answer["commit"]["sha"])

    def _move(self, branch: str, sha: str, *, create: bool) -> None:
        requester = self._requests.requester
        repo_path = self._requests.path

        def send() -> None:
            try:
                if create:
                    requester.requestJsonAndCheck(
                        "POST",
                        f"{repo_path}/git/refs",
                        input={"ref": f"refs/heads/{branch}", "sha": sha},
                    )
                else:
                    requester.requestJsonAndCheck(
                        "PATCH",
                        f"{repo_path}/git/refs/heads/{quote(branch)}",
                        input={"sha": sha, "force": False},
                    )
            except GithubException as exc:
                raise self._refused(branch, exc) or exc from exc

        self._requests.call(send, f"push to branch {branch}", write=True, idempotent=True)

    def _refused(self, branch: str, exc: GithubException) -> Exception | None:
        message = str(exc.data.get("message", "")) if isinstance(exc.data, Mapping) else ""
        where = f"branch {branch} of {self._requests.what}"
        if exc.status in (409, 422) and ("fast forward" in message or "already exists" in message):
            return StaleFileError(f"{where} moved since plansync read it ({message})")
        if exc.status in (403, 409, 422) and (
            "protected" in message.lower()
            or "pull request" in message.lower()
            or "rule" in message.lower()
        ):
            return BranchProtectedError(f"{where} refuses pushes ({exc.status} {message})")
        return None

    def pull_request(
        self, head: str, base: str, title: str, body: str, *, create: bool = True
    ) -> PullRequest | None:
        owner = self._requests.repo.split("/", 1)[0]
        listing = self._json(
            "GET",
            f"{self._requests.path}/pulls?state=open&head={quote(owner)}:{quote(head)}"
            f"&base={quote(base)}",
            "look for plansync's pull request",
        )
        if isinstance(listing, list) and listing:
            return PullRequest(int(listing[0]["number"]), str(listing[0]["html_url"]))
        if not create:
            return None
        post = partial(
            self._json,
            "POST",
            f"{self._requests.path}/pulls",
            f"open a pull request from {head}",
            {"title": title, "head": head, "base": base, "body": body},
        )
        made = post()
        return PullRequest(int(made["number"]), str(made["html_url"]), created=True)


def _parsed(body: Any) -> Any:
    if isinstance(body, str) and body:
        try:
            return json.loads(body)
        except ValueError:
            return {"message": body[:200]}
    return body if body is not None else {}

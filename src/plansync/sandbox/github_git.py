"""GitHub's Git database API (refs, trees, blobs, commits) over the sandbox's git objects.

Fields as GitHub's REST reference gives them; a ref update that is not a fast forward is
refused with 422 unless `force`, and a protected branch refuses every update through the API.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from plansync.sandbox.git import GitCommit, GitData, tree_id
from plansync.sandbox.http_types import ApiRequest, ApiResponse
from plansync.sandbox.records import Repo
from plansync.sandbox.serialize_github import DOCS, GitHubJson, gh_time
from plansync.sandbox.store import SandboxStore
from plansync.sandbox.store_errors import (
    ProtectedBranchError,
    RefNotFastForwardError,
    UnknownRefError,
)

GIT_DOCS = f"{DOCS}/git"
Route = tuple[str, str, Callable[[ApiRequest, dict[str, str]], ApiResponse]]


def _error(status: int, message: str, doc: str = GIT_DOCS) -> ApiResponse:
    return ApiResponse.json(status, {"message": message, "documentation_url": doc})


class GitDatabaseApi:
    def __init__(
        self,
        store: SandboxStore,
        repo_of: Callable[[dict[str, str]], Repo],
        render: Callable[[ApiRequest], GitHubJson],
    ) -> None:
        self.store = store
        self._repo = repo_of
        self._render = render

    def routes(self) -> list[Route]:
        return [
            ("GET", "/git/ref/{ref:path}", self.get_ref),
            ("GET", "/git/refs/{ref:path}", self.get_ref),
            ("POST", "/git/refs", self.create_ref),
            ("PATCH", "/git/refs/{ref:path}", self.update_ref),
            ("GET", "/git/trees/{sha:path}", self.get_tree),
            ("POST", "/git/trees", self.create_tree),
            ("GET", "/git/blobs/{sha}", self.get_blob),
            ("POST", "/git/blobs", self.create_blob),
            ("GET", "/git/commits/{sha}", self.get_commit),
            ("POST", "/git/commits", self.create_commit),
        ]

    # rendering ---------------------------------------------------------------------------

    def _base(self, request: ApiRequest, repo: Repo) -> str:
        return self._render(request).repo_url(repo)

    def _ref_json(self, request: ApiRequest, repo: Repo, branch: str, sha: str) -> dict[str, Any]:
        base = self._base(request, repo)
        return {
            "ref": f"refs/heads/{branch}",
            "node_id": base64.b64encode(f"REF_{repo.id}_{branch}".encode()).decode("ascii"),
            "url": f"{base}/git/refs/heads/{branch}",
            "object": {"sha": sha, "type": "commit", "url": f"{base}/git/commits/{sha}"},
        }

    def _tree_json(self, request: ApiRequest, repo: Repo, sha: str) -> dict[str, Any]:
        git = repo.git
        base = self._base(request, repo)
        entries: list[dict[str, Any]] = []
        files = git.trees[sha]
        for folder in sorted({p.rsplit("/", 1)[0] for p in files if "/" in p} | _parents(files)):
            inside = {p: b for p, b in files.items() if p.startswith(folder + "/")}
            sub = tree_id(inside)
            entries.append(
                {
                    "path": folder,
                    "mode": "040000",
                    "type": "tree",
                    "sha": sub,
                    "url": f"{base}/git/trees/{sub}",
                }
            )
        for path, blob in files.items():
            entries.append(
                {
                    "path": path,
                    "mode": "100644",
                    "type": "blob",
                    "sha": blob,
                    "size": len(git.blobs[blob]),
                    "url": f"{base}/git/blobs/{blob}",
                }
            )
        entries.sort(key=lambda e: str(e["path"]))
        return {"sha": sha, "url": f"{base}/git/trees/{sha}", "tree": entries, "truncated": False}

    def _commit_json(self, request: ApiRequest, repo: Repo, commit: GitCommit) -> dict[str, Any]:
        base = self._base(request, repo)
        web = self._render(request).web
        person = {
            "name": commit.author,
            "email": f"{self.store.user_id(commit.author)}+{commit.author}@users.noreply.sandbox",
            "date": gh_time(commit.date),
        }
        return {
            "sha": commit.sha,
            "node_id": base64.b64encode(f"C_{commit.sha}".encode()).decode("ascii"),
            "url": f"{base}/git/commits/{commit.sha}",
            "html_url": f"{web}/{repo.full_name}/commit/{commit.sha}",
            "author": person,
            "committer": dict(person),
            "tree": {"sha": commit.tree, "url": f"{base}/git/trees/{commit.tree}"},
            "message": commit.message,
            "parents": [
                {
                    "sha": p,
                    "url": f"{base}/git/commits/{p}",
                    "html_url": f"{web}/{repo.full_name}/commit/{p}",
                }
                for p in commit.parents
            ],
            "verification": {
                "verified": False,
                "reason": "unsigned",
                "signature": None,
                "payload": None,
                "verified_at": None,
            },
        }

    # refs --------------------------------------------------------------------------------

    def get_ref(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        branch = params["ref"].removeprefix("heads/")
        sha = repo.git.refs.get(branch)
        if not params["ref"].startswith("heads/") or sha is None:
            return _error(404, "Not Found", f"{GIT_DOCS}/refs#get-a-reference")
        return ApiResponse.json(200, self._ref_json(request, repo, branch, sha))

    def create_ref(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        ref, sha = data.get("ref"), data.get("sha")
        if not isinstance(ref, str) or not isinstance(sha, str):
            return _error(422, 'Invalid request.\n\n"ref" or "sha" wasn\'t supplied.')
        if not ref.startswith("refs/heads/") or ref.count("/") < 2:
            return _error(422, "Reference name must start with 'refs/' and have two slashes")
        branch = ref.removeprefix("refs/heads/")
        if branch in repo.git.refs:
            return _error(422, "Reference already exists")
        try:
            self.store.move_branch(repo.full_name, branch, sha)
        except UnknownRefError:
            return _error(422, "Object does not exist")
        except ProtectedBranchError:
            return _error(422, "Reference update failed")
        return ApiResponse.json(201, self._ref_json(request, repo, branch, sha))

    def update_ref(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        branch = params["ref"].removeprefix("heads/")
        data = request.json()
        sha = data.get("sha")
        force = data.get("force", False)
        if not isinstance(sha, str) or not isinstance(force, bool):
            return _error(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        if branch not in repo.git.refs:
            return _error(422, "Reference does not exist")
        try:
            self.store.move_branch(repo.full_name, branch, sha, force=force)
        except UnknownRefError:
            return _error(422, "Object does not exist")
        except RefNotFastForwardError:
            return _error(422, "Update is not a fast forward")
        except ProtectedBranchError:
            return _error(
                422,
                f"Protected branch update failed for refs/heads/{branch}.",
                "https://docs.github.com/articles/about-protected-branches",
            )
        return ApiResponse.json(200, self._ref_json(request, repo, branch, sha))

    # trees, blobs, commits ---------------------------------------------------------------

    def get_tree(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        git = repo.git
        name = params["sha"]
        if not git.refs:
            return _error(409, "Git Repository is empty.")
        sha = name if name in git.trees else None
        if sha is None:
            commit = git.resolve(name)
            sha = commit.tree if commit is not None else None
        if sha is None:
            return _error(404, "Not Found", f"{GIT_DOCS}/trees#get-a-tree")
        return ApiResponse.json(200, self._tree_json(request, repo, sha))

    def create_tree(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        git = repo.git
        data = request.json()
        base_tree, items = data.get("base_tree"), data.get("tree")
        if not isinstance(items, list):
            return _error(422, 'Invalid request.\n\n"tree" wasn\'t supplied.')
        if base_tree is not None and base_tree not in git.trees:
            return _error(422, "base_tree is not a valid tree oid")
        with self.store.lock:
            entries = dict(git.trees[base_tree]) if isinstance(base_tree, str) else {}
            for item in items:
                refused = _tree_item(git, entries, item)
                if refused is not None:
                    return refused
            sha = git.add_tree(entries)
        return ApiResponse.json(201, self._tree_json(request, repo, sha))

    def get_blob(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        content = repo.git.blobs.get(params["sha"])
        if content is None:
            return _error(404, "Not Found", f"{GIT_DOCS}/blobs#get-a-blob")
        raw = base64.b64encode(content).decode("ascii")
        return ApiResponse.json(
            200,
            {
                "sha": params["sha"],
                "node_id": base64.b64encode(f"B_{params['sha']}".encode()).decode("ascii"),
                "size": len(content),
                "url": f"{self._base(request, repo)}/git/blobs/{params['sha']}",
                "content": "\n".join(raw[i : i + 60] for i in range(0, len(raw), 60)) + "\n",
                "encoding": "base64",
            },
        )

    def create_blob(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        content, encoding = data.get("content"), data.get("encoding", "utf-8")
        if not isinstance(content, str):
            return _error(422, 'Invalid request.\n\n"content" wasn\'t supplied.')
        if encoding == "base64":
            try:
                raw = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                return _error(422, "content is not valid Base64")
        elif encoding == "utf-8":
            raw = content.encode("utf-8")
        else:
            return _error(422, f"encoding {encoding!r} is not supported")
        with self.store.lock:
            sha = repo.git.add_blob(raw)
        url = f"{self._base(request, repo)}/git/blobs/{sha}"
        return ApiResponse.json(201, {"url": url, "sha": sha})

    def get_commit(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        commit = repo.git.commits.get(params["sha"])
        if commit is None:
            return _error(404, "Not Found", f"{GIT_DOCS}/commits#get-a-commit-object")
        return ApiResponse.json(200, self._commit_json(request, repo, commit))

    def create_commit(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        git = repo.git
        data = request.json()
        message, tree, parents = data.get("message"), data.get("tree"), data.get("parents", [])
        if not isinstance(message, str) or not isinstance(tree, str):
            return _error(422, 'Invalid request.\n\n"message" or "tree" wasn\'t supplied.')
        if tree not in git.trees:
            return _error(422, "Tree SHA does not exist")
        if not isinstance(parents, list) or not all(p in git.commits for p in parents):
            return _error(422, "Parent SHA does not exist or is not a commit object")
        with self.store.lock:
            commit = git.add_commit(tree, tuple(parents), message, request.user, self.store.now())
        return ApiResponse.json(201, self._commit_json(request, repo, commit))


def _parents(files: dict[str, str]) -> set[str]:
    folders: set[str] = set()
    for path in files:
        parts = path.split("/")[:-1]
        folders.update("/".join(parts[: i + 1]) for i in range(len(parts)))
    return folders


def _tree_item(git: GitData, entries: dict[str, str], item: Any) -> ApiResponse | None:
    if not isinstance(item, dict) or not isinstance(item.get("path"), str):
        return _error(422, "Invalid tree info")
    path = str(item["path"]).strip("/")
    if item.get("type", "blob") != "blob" or item.get("mode", "100644") not in ("100644", "100755"):
        return _error(422, f"tree.{path}: only blobs are supported here")
    if "sha" in item and item["sha"] is None:
        entries.pop(path, None)
        return None
    if isinstance(item.get("content"), str):
        entries[path] = git.add_blob(str(item["content"]).encode("utf-8"))
        return None
    sha = item.get("sha")
    if not isinstance(sha, str) or sha not in git.blobs:
        return _error(422, f"tree.sha {sha} is not a valid blob")
    entries[path] = sha
    return None

"""GitHub's pull requests API (list with head/base filters, create), over the sandbox's pull
records. A pull request is an issue too: it takes the next issue number."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plansync.sandbox.http_types import ApiRequest, ApiResponse
from plansync.sandbox.records import PullRecord, Repo
from plansync.sandbox.serialize_github import DOCS, GitHubJson, gh_time, validation_failed
from plansync.sandbox.store import SandboxStore

Route = tuple[str, str, Callable[[ApiRequest, dict[str, str]], ApiResponse]]
PULLS_DOCS = f"{DOCS}/pulls/pulls"


class PullsApi:
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
            ("GET", "/pulls", self.list_pulls),
            ("POST", "/pulls", self.create_pull),
        ]

    def _json(self, request: ApiRequest, repo: Repo, pull: PullRecord) -> dict[str, Any]:
        render = self._render(request)
        issue = repo.issues[pull.number]
        base = render.repo_url(repo)
        repo_json = render.repository(repo, pull.author)

        def side(branch: str) -> dict[str, Any]:
            return {
                "label": f"{repo.owner}:{branch}",
                "ref": branch,
                "sha": repo.git.refs.get(branch),
                "user": render.user(repo.owner),
                "repo": repo_json,
            }

        return {
            "url": f"{base}/pulls/{pull.number}",
            "id": issue.id,
            "node_id": f"PR_{issue.id}",
            "html_url": f"{render.web}/{repo.full_name}/pull/{pull.number}",
            "issue_url": f"{base}/issues/{pull.number}",
            "number": pull.number,
            "state": "open" if pull.state == "open" else "closed",
            "locked": False,
            "title": issue.title,
            "user": render.user(pull.author),
            "body": issue.body,
            "labels": [],
            "milestone": None,
            "created_at": gh_time(pull.created_at),
            "updated_at": gh_time(issue.updated_at),
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": None,
            "assignees": [],
            "requested_reviewers": [],
            "draft": False,
            "head": side(pull.head),
            "base": side(pull.base),
            "author_association": "OWNER",
        }

    def list_pulls(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        state = request.param("state") or "open"
        head, base = request.param("head"), request.param("base")
        found = [
            p
            for p in repo.pulls.values()
            if (state == "all" or (p.state == "open") == (state == "open"))
            and (head is None or f"{repo.owner}:{p.head}" == head)
            and (base is None or p.base == base)
        ]
        found.sort(key=lambda p: -p.number)
        return ApiResponse.json(200, [self._json(request, repo, p) for p in found])

    def create_pull(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        title, head, base = data.get("title"), data.get("head"), data.get("base")
        if not all(isinstance(v, str) and v for v in (title, head, base)):
            return ApiResponse.json(
                422,
                validation_failed(
                    [{"resource": "PullRequest", "code": "missing_field"}], PULLS_DOCS
                ),
            )
        head_branch = str(head).split(":", 1)[-1]
        for field, branch in (("head", head_branch), ("base", str(base))):
            if branch not in repo.git.refs:
                error = {"resource": "PullRequest", "field": field, "code": "invalid"}
                return ApiResponse.json(422, validation_failed([error], PULLS_DOCS))
        if any(
            p.head == head_branch and p.base == base and p.state == "open"
            for p in repo.pulls.values()
        ):
            message = f"A pull request already exists for {repo.owner}:{head_branch}."
            error = {"resource": "PullRequest", "code": "custom", "message": message}
            return ApiResponse.json(422, validation_failed([error], PULLS_DOCS))
        pull = self.store.open_pull(
            repo.full_name,
            head_branch,
            str(base),
            str(title),
            str(data.get("body") or ""),
            user=request.user,
        )
        return ApiResponse.json(201, self._json(request, repo, pull))

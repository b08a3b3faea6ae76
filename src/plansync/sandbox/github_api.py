"""GitHub's REST API (the part plansync uses), served from the sandbox store.

Paths here are below /api/v3, as on GitHub Enterprise. Each handler runs under the store's
lock, so a read-check-write (the contents API's sha check) is atomic.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from plansync.sandbox.github_git import GitDatabaseApi
from plansync.sandbox.github_pulls import PullsApi
from plansync.sandbox.http_types import (
    ApiRequest,
    ApiResponse,
    BadRequestBodyError,
    Handler,
    Router,
)
from plansync.sandbox.pagination import github_link, page_of
from plansync.sandbox.records import REACTIONS, Issue, Milestone, Repo, StoredFile
from plansync.sandbox.serialize_github import DOCS, GitHubJson, validation_failed
from plansync.sandbox.store import UNSET, SandboxStore
from plansync.sandbox.store_errors import (
    FileAlreadyExistsError,
    InvalidFieldError,
    SandboxStoreError,
    StaleFileVersionError,
    UnknownIssueError,
)

PER_PAGE = 30
_REPO_PREFIXES = ("/repos/{owner}/{name}", "/repositories/{repo_id:int}")


def not_found(doc: str = DOCS) -> ApiResponse:
    return ApiResponse.json(404, {"message": "Not Found", "documentation_url": doc})


def bad_credentials() -> ApiResponse:
    return ApiResponse.json(401, {"message": "Bad credentials", "documentation_url": DOCS})


def requires_authentication() -> ApiResponse:
    return ApiResponse.json(401, {"message": "Requires authentication", "documentation_url": DOCS})


class _Invalid(Exception):
    """A request GitHub refuses with a plain message (422 unless said otherwise)."""

    def __init__(self, message: str, status: int = 422, doc: str = DOCS) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.doc = doc


class GitHubApi:
    def __init__(self, store: SandboxStore) -> None:
        self.store = store
        self.router = Router()
        self.router.add("GET", "/user", self.get_user)
        self.router.add("GET", "/search/issues", self.search_issues)
        repo_routes: list[tuple[str, str, Handler]] = [
            ("GET", "", self.get_repo),
            ("GET", "/issues", self.list_issues),
            ("POST", "/issues", self.create_issue),
            ("GET", "/issues/comments", self.list_repo_comments),
            ("GET", "/issues/comments/{comment_id:int}", self.get_comment),
            ("PATCH", "/issues/comments/{comment_id:int}", self.edit_comment),
            ("GET", "/issues/comments/{comment_id:int}/reactions", self.list_reactions),
            ("POST", "/issues/comments/{comment_id:int}/reactions", self.create_reaction),
            ("GET", "/issues/{number:int}", self.get_issue),
            ("PATCH", "/issues/{number:int}", self.edit_issue),
            ("GET", "/issues/{number:int}/comments", self.list_issue_comments),
            ("POST", "/issues/{number:int}/comments", self.create_comment),
            ("GET", "/issues/{number:int}/labels", self.list_issue_labels),
            ("POST", "/issues/{number:int}/labels", self.add_issue_labels),
            ("PUT", "/issues/{number:int}/labels", self.set_issue_labels),
            ("GET", "/labels", self.list_labels),
            ("POST", "/labels", self.create_label),
            ("GET", "/labels/{label}", self.get_label),
            ("PATCH", "/labels/{label}", self.edit_label),
            ("GET", "/milestones", self.list_milestones),
            ("POST", "/milestones", self.create_milestone),
            ("GET", "/milestones/{number:int}", self.get_milestone),
            ("PATCH", "/milestones/{number:int}", self.edit_milestone),
            ("GET", "/collaborators/{username}/permission", self.get_permission),
            ("GET", "/contents", self.get_contents),
            ("GET", "/contents/{path:path}", self.get_contents),
            ("PUT", "/contents/{path:path}", self.put_contents),
        ]
        repo_routes += GitDatabaseApi(store, self._repo, self._render).routes()
        repo_routes += PullsApi(store, self._repo, self._render).routes()
        for prefix in _REPO_PREFIXES:
            for method, rest, handler in repo_routes:
                self.router.add(method, prefix + rest, handler)

    # dispatch ----------------------------------------------------------------------------

    def dispatch(self, request: ApiRequest) -> ApiResponse:
        found = self.router.find(request.method, request.path)
        if found is None:
            return not_found()
        handler, params = found
        try:
            return handler(request, params)
        except BadRequestBodyError:
            return ApiResponse.json(
                400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
            )
        except _Invalid as exc:
            return ApiResponse.json(
                exc.status, {"message": exc.message, "documentation_url": exc.doc}
            )
        except SandboxStoreError as exc:
            return self._store_error(exc)

    def _store_error(self, exc: SandboxStoreError) -> ApiResponse:
        if isinstance(exc, UnknownIssueError) and exc.deleted:
            return ApiResponse.json(
                410, {"message": "This issue was deleted", "documentation_url": DOCS}
            )
        if isinstance(exc, InvalidFieldError):
            error: dict[str, Any] = {
                "resource": exc.resource,
                "code": exc.code,
                "field": exc.field,
            }
            if exc.resource == "Issue" and exc.code == "invalid" and exc.value is not None:
                error["value"] = exc.value  # GitHub echoes the refused value for issue fields
            return ApiResponse.json(422, validation_failed([error]))
        if isinstance(exc, StaleFileVersionError):
            return ApiResponse.json(
                409,
                {
                    "message": f"{exc.path} does not match {exc.given}",
                    "documentation_url": f"{DOCS}/repos/contents#create-or-update-file-contents",
                },
            )
        if isinstance(exc, FileAlreadyExistsError):
            return ApiResponse.json(422, validation_failed([]))
        return not_found()

    def _repo(self, params: dict[str, str]) -> Repo:
        if "repo_id" in params:
            return self.store.repo_by_id(int(params["repo_id"]))
        return self.store.repo(f"{params['owner']}/{params['name']}")

    def _render(self, request: ApiRequest) -> GitHubJson:
        return GitHubJson(self.store, request.base_url)

    def _list(
        self,
        request: ApiRequest,
        repo: Repo | None,
        items: list[Any],
        render: Callable[[Any], dict[str, Any]],
        suffix: str,
    ) -> ApiResponse:
        page = page_of(request, len(items), default=PER_PAGE)
        headers: list[tuple[str, str]] = []
        link_path = f"/api/v3/repositories/{repo.id}{suffix}" if repo else request.path
        link = github_link(request, page, link_path)
        if link:
            headers.append(("Link", link))
        return ApiResponse.json(200, [render(x) for x in page.slice(items)], headers=headers)

    # user and repository -----------------------------------------------------------------

    def get_user(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return ApiResponse.json(200, self._render(request).authenticated_user(request.user))

    def get_repo(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        return ApiResponse.json(
            200,
            self._render(request).repository(repo, request.user),
            last_modified=repo.updated_at or repo.created_at,
        )

    def get_permission(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        username = params["username"]
        if not self.store.has_user(username):
            return not_found(f"{DOCS}/collaborators/collaborators")
        return ApiResponse.json(200, self._render(request).permission(repo, username))

    # issues ------------------------------------------------------------------------------

    def list_issues(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        items = [i for i in repo.issues.values() if not i.deleted]
        state = request.param("state", "open")
        if state not in ("open", "closed", "all"):
            raise InvalidFieldError("Issue", "state", "invalid", state)
        if state != "all":
            items = [i for i in items if i.state == state]
        since = _since(request)
        if since is not None:
            items = [i for i in items if i.updated_at.replace(microsecond=0) >= since]
        wanted_labels = [n.strip().lower() for n in (request.param("labels") or "").split(",")]
        for name in (n for n in wanted_labels if n):
            items = [i for i in items if name in (x.lower() for x in i.labels)]
        items = _filter_person(items, request.param("assignee"), lambda i: i.assignees)
        creator = request.param("creator")
        if creator:
            items = [i for i in items if i.author.lower() == creator.lower()]
        milestone = request.param("milestone")
        if milestone == "none":
            items = [i for i in items if i.milestone is None]
        elif milestone == "*":
            items = [i for i in items if i.milestone is not None]
        elif milestone:
            number = int(milestone) if milestone.isdigit() else -1
            items = [i for i in items if i.milestone == number]
        sort = request.param("sort", "created")
        keys: dict[str, Callable[[Issue], Any]] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at.replace(microsecond=0), i.number),
            "comments": lambda i: (
                sum(1 for c in repo.comments.values() if c.issue_number == i.number),
                i.number,
            ),
        }
        if sort not in keys:
            raise InvalidFieldError("Issue", "sort", "invalid", sort)
        items.sort(key=keys[sort], reverse=request.param("direction", "desc") != "asc")
        render = self._render(request)
        return self._list(request, repo, items, lambda i: render.issue(repo, i), "/issues")

    def get_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        issue = self.store.issue(repo.full_name, int(params["number"]))
        return ApiResponse.json(
            200,
            self._render(request).issue(repo, issue, single=True),
            last_modified=issue.updated_at,
        )

    def create_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        title = data.get("title")
        if isinstance(title, int) and not isinstance(title, bool):
            title = str(title)  # GitHub accepts a number as a title
        if not isinstance(title, str):
            raise _Invalid(
                'Invalid request.\n\n"title" wasn\'t supplied.'
                if title is None
                else "Invalid request.\n\nFor 'properties/title', it is not a string."
            )
        number = self.store.create_issue(
            repo.full_name,
            title,
            _opt_str(data, "body", "Issue"),
            labels=_label_names(data.get("labels", [])),
            milestone=_milestone_ref(data.get("milestone")),
            assignees=_assignees(data),
            user=request.user,
        )
        issue = self.store.issue(repo.full_name, number)
        body = self._render(request).issue(repo, issue, single=True)
        return ApiResponse.json(201, body, headers=[("Location", body["url"])])

    def edit_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        number = int(params["number"])
        data = request.json()
        changes: dict[str, Any] = {}
        if "title" in data:
            title = data["title"]
            if not isinstance(title, str):
                raise InvalidFieldError("Issue", "title", "invalid", title)
            changes["title"] = title
        if "body" in data:
            changes["body"] = _opt_str(data, "body", "Issue")
        if "labels" in data:
            changes["labels"] = _label_names(data["labels"])
        if "milestone" in data:
            changes["milestone"] = _milestone_ref(data["milestone"])
        if "assignees" in data or "assignee" in data:
            changes["assignees"] = _assignees(data)
        state = data.get("state")
        reason = data.get("state_reason", UNSET)
        if state is not None:
            if state not in ("open", "closed"):
                raise InvalidFieldError("Issue", "state", "invalid", state)
            changes["state"] = state
        if reason is not UNSET:
            if reason not in (None, "completed", "not_planned", "reopened"):
                raise InvalidFieldError("Issue", "state_reason", "invalid", reason)
            if reason == "reopened":
                changes.setdefault("state", "open")
            else:
                changes["state_reason"] = reason
        issue = self.store.update_issue(repo.full_name, number, user=request.user, **changes)
        return ApiResponse.json(200, self._render(request).issue(repo, issue, single=True))

    def search_issues(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """A small subset of GitHub's issue search: `repo:`, `is:issue|pr|open|closed`,
        `in:title|body` and words or "quoted phrases" that must all appear."""
        query = request.param("q") or ""
        terms, filters = _parse_search(query)
        if "repo" not in filters:
            raise InvalidFieldError("Search", "q", "invalid", query)
        repo = self.store.repo(filters["repo"][0])
        where = filters.get("in", ["title", "body"])
        items = []
        for issue in (i for i in repo.issues.values() if not i.deleted):
            kinds = filters.get("is", [])
            if "issue" in kinds and issue.pull_request:
                continue
            if "pr" in kinds and not issue.pull_request:
                continue
            if ("open" in kinds and issue.state != "open") or (
                "closed" in kinds and issue.state != "closed"
            ):
                continue
            text = " ".join(
                (
                    issue.title if "title" in where else "",
                    issue.body or "" if "body" in where else "",
                )
            ).lower()
            if all(term.lower() in text for term in terms):
                items.append(issue)
        items.sort(key=lambda i: (i.created_at, i.number), reverse=True)
        page = page_of(request, len(items), default=PER_PAGE)
        render = self._render(request)
        headers: list[tuple[str, str]] = []
        link = github_link(request, page, "/api/v3/search/issues")
        if link:
            headers.append(("Link", link))
        results = [{**render.issue(repo, i), "score": 1.0} for i in page.slice(items)]
        return ApiResponse.json(
            200,
            {"total_count": len(items), "incomplete_results": False, "items": results},
            headers=headers,
        )

    # issue labels ------------------------------------------------------------------------

    def list_issue_labels(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        issue = self.store.issue(repo.full_name, int(params["number"]))
        render = self._render(request)
        labels = [repo.labels[n.lower()] for n in issue.labels]
        return self._list(
            request,
            repo,
            labels,
            lambda x: render.label(repo, x),
            f"/issues/{issue.number}/labels",
        )

    def add_issue_labels(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._change_issue_labels(request, params, replace=False)

    def set_issue_labels(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._change_issue_labels(request, params, replace=True)

    def _change_issue_labels(
        self, request: ApiRequest, params: dict[str, str], *, replace: bool
    ) -> ApiResponse:
        repo = self._repo(params)
        number = int(params["number"])
        data = request.json()
        names = _label_names(data.get("labels", []))
        current = [] if replace else list(self.store.issue(repo.full_name, number).labels)
        issue = self.store.update_issue(
            repo.full_name, number, user=request.user, labels=[*current, *names]
        )
        render = self._render(request)
        return ApiResponse.json(
            200, [render.label(repo, repo.labels[n.lower()]) for n in issue.labels]
        )

    # comments ----------------------------------------------------------------------------

    def list_repo_comments(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        items = self.store.comments(repo.full_name)
        since = _since(request)
        if since is not None:
            items = [c for c in items if c.updated_at.replace(microsecond=0) >= since]
        sort = request.param("sort", "created")
        if sort not in ("created", "updated"):
            raise InvalidFieldError("IssueComment", "sort", "invalid", sort)
        if sort == "updated":
            items.sort(key=lambda c: (c.updated_at.replace(microsecond=0), c.id))
        else:
            items.sort(key=lambda c: (c.created_at, c.id))
        if request.param("direction", "asc") == "desc":
            items.reverse()
        render = self._render(request)
        return self._list(
            request, repo, items, lambda c: render.comment(repo, c), "/issues/comments"
        )

    def list_issue_comments(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        number = int(params["number"])
        self.store.issue(repo.full_name, number)
        items = self.store.comments(repo.full_name, number)
        since = _since(request)
        if since is not None:
            items = [c for c in items if c.updated_at.replace(microsecond=0) >= since]
        render = self._render(request)
        return self._list(
            request, repo, items, lambda c: render.comment(repo, c), f"/issues/{number}/comments"
        )

    def get_comment(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        comment = self.store.comment(repo.full_name, int(params["comment_id"]))
        if comment.system:
            return not_found()
        return ApiResponse.json(
            200, self._render(request).comment(repo, comment), last_modified=comment.updated_at
        )

    def create_comment(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        body = request.json().get("body")
        if not isinstance(body, str):
            raise _Invalid('Invalid request.\n\n"body" wasn\'t supplied.')
        comment_id = self.store.add_comment(
            repo.full_name, int(params["number"]), body, user=request.user
        )
        data = self._render(request).comment(repo, self.store.comment(repo.full_name, comment_id))
        return ApiResponse.json(201, data, headers=[("Location", data["url"])])

    def edit_comment(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        body = request.json().get("body")
        if not isinstance(body, str):
            raise _Invalid('Invalid request.\n\n"body" wasn\'t supplied.')
        comment = self.store.comment(repo.full_name, int(params["comment_id"]))
        if comment.system:
            return not_found()
        self.store.edit_comment(repo.full_name, comment.id, body)
        return ApiResponse.json(200, self._render(request).comment(repo, comment))

    def list_reactions(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        comment = self.store.comment(repo.full_name, int(params["comment_id"]))
        render = self._render(request)
        known = [r for r in comment.reactions if r.content in REACTIONS]
        return self._list(
            request, repo, known, render.reaction, f"/issues/comments/{comment.id}/reactions"
        )

    def create_reaction(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        content = request.json().get("content")
        if content not in REACTIONS:
            raise InvalidFieldError("Reaction", "content", "invalid", content)
        comment = self.store.comment(repo.full_name, int(params["comment_id"]))
        if comment.system:
            return not_found()
        reaction, created = self.store.add_reaction(
            repo.full_name, comment.id, str(content), user=request.user
        )
        return ApiResponse.json(201 if created else 200, self._render(request).reaction(reaction))

    # labels ------------------------------------------------------------------------------

    def list_labels(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        render = self._render(request)
        return self._list(
            request,
            repo,
            self.store.labels(repo.full_name),
            lambda x: render.label(repo, x),
            "/labels",
        )

    def get_label(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        label = self.store.label(repo.full_name, params["label"])
        return ApiResponse.json(
            200, self._render(request).label(repo, label), last_modified=label.created_at
        )

    def create_label(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        name = data.get("name")
        if not isinstance(name, str):
            raise _Invalid('Invalid request.\n\n"name" wasn\'t supplied.')
        color = data.get("color", "ededed")
        if not isinstance(color, str):
            raise InvalidFieldError("Label", "color", "invalid", color)
        label = self.store.create_label(
            repo.full_name, name, color, _opt_str(data, "description", "Label")
        )
        body = self._render(request).label(repo, label)
        return ApiResponse.json(201, body, headers=[("Location", body["url"])])

    def edit_label(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        new_name = data.get("new_name", data.get("name", UNSET))
        color = data.get("color", UNSET)
        if new_name is not UNSET and not isinstance(new_name, str):
            raise InvalidFieldError("Label", "name", "invalid", new_name)
        if color is not UNSET and not isinstance(color, str):
            raise InvalidFieldError("Label", "color", "invalid", color)
        description = _opt_str(data, "description", "Label") if "description" in data else UNSET
        label = self.store.update_label(
            repo.full_name,
            params["label"],
            new_name=new_name,
            color=color,
            description=description,
        )
        return ApiResponse.json(200, self._render(request).label(repo, label))

    # milestones --------------------------------------------------------------------------

    def list_milestones(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        items = self.store.milestones(repo.full_name)
        state = request.param("state", "open")
        if state not in ("open", "closed", "all"):
            raise InvalidFieldError("Milestone", "state", "invalid", state)
        if state != "all":
            items = [m for m in items if m.state == state]
        sort = request.param("sort", "due_on")
        descending = request.param("direction", "asc") == "desc"
        if sort == "completeness":
            items.sort(key=lambda m: (self._completeness(repo, m), m.number))
        else:
            # Milestones without a due date come last in ascending order, as on GitHub.
            far = date.max
            items.sort(key=lambda m: (m.due_on or far, m.number))
        if descending:
            items.reverse()
        render = self._render(request)
        return self._list(request, repo, items, lambda m: render.milestone(repo, m), "/milestones")

    def _completeness(self, repo: Repo, milestone: Milestone) -> float:
        open_count, closed = self.store.milestone_counts(repo.full_name, milestone.number)
        total = open_count + closed
        return closed / total if total else 0.0

    def get_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        milestone = self.store.milestone(repo.full_name, int(params["number"]))
        return ApiResponse.json(
            200,
            self._render(request).milestone(repo, milestone),
            last_modified=milestone.updated_at,
        )

    def create_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        title = data.get("title")
        if not isinstance(title, str):
            raise _Invalid('Invalid request.\n\n"title" wasn\'t supplied.')
        state = data.get("state", "open")
        if state not in ("open", "closed"):
            raise InvalidFieldError("Milestone", "state", "invalid", state)
        number = self.store.create_milestone(
            repo.full_name,
            title,
            _opt_str(data, "description", "Milestone"),
            _due_on(data.get("due_on")),
            state=str(state),
            user=request.user,
        )
        body = self._render(request).milestone(repo, self.store.milestone(repo.full_name, number))
        return ApiResponse.json(201, body, headers=[("Location", body["url"])])

    def edit_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        data = request.json()
        changes: dict[str, Any] = {}
        if "title" in data:
            if not isinstance(data["title"], str):
                raise InvalidFieldError("Milestone", "title", "invalid", data["title"])
            changes["title"] = data["title"]
        if "description" in data:
            changes["description"] = _opt_str(data, "description", "Milestone")
        if "due_on" in data:
            changes["due_on"] = _due_on(data["due_on"])
        if "state" in data:
            if data["state"] not in ("open", "closed"):
                raise InvalidFieldError("Milestone", "state", "invalid", data["state"])
            changes["state"] = data["state"]
        milestone = self.store.update_milestone(repo.full_name, int(params["number"]), **changes)
        return ApiResponse.json(200, self._render(request).milestone(repo, milestone))

    # contents ----------------------------------------------------------------------------

    def get_contents(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        path = params.get("path", "").strip("/")
        ref = request.param("ref")
        if (
            ref is not None
            and ref != repo.default_branch
            and not any(f.commit == ref for f in repo.files.values())
        ):
            raise _Invalid(f"No commit found for the ref {ref}", status=404)
        render = self._render(request)
        stored = repo.files.get(path)
        if stored is not None:
            accept = request.headers.get("accept", "")
            if "raw" in accept:
                return ApiResponse(
                    200,
                    stored.content,
                    content_type="application/vnd.github.v3.raw; charset=utf-8",
                    last_modified=stored.updated_at,
                )
            return ApiResponse.json(
                200, render.content_file(repo, stored), last_modified=stored.updated_at
            )
        prefix = f"{path}/" if path else ""
        children = sorted(f for f in repo.files if f.startswith(prefix))
        if not children:
            return not_found(f"{DOCS}/repos/contents#get-repository-content")
        entries: list[dict[str, Any]] = []
        seen_dirs: set[str] = set()
        for child in children:
            rest = child[len(prefix) :]
            if "/" in rest:
                name = rest.split("/", 1)[0]
                if name not in seen_dirs:
                    seen_dirs.add(name)
                    entries.append(_dir_entry(render, repo, prefix + name))
            else:
                entries.append(render.content_entry(repo, repo.files[child]))
        return ApiResponse.json(200, entries)

    def put_contents(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._repo(params)
        path = params["path"].strip("/")
        data = request.json()
        doc = f"{DOCS}/repos/contents#create-or-update-file-contents"
        for name in ("message", "content"):
            if not isinstance(data.get(name), str):
                raise _Invalid(f'Invalid request.\n\n"{name}" wasn\'t supplied.', doc=doc)
        branch = data.get("branch")
        if branch is not None and branch != repo.default_branch and branch not in repo.git.refs:
            raise _Invalid(f"Branch {branch} not found", status=404, doc=doc)
        try:
            content = base64.b64decode(str(data["content"]), validate=True)
        except (binascii.Error, ValueError):
            raise _Invalid("content is not valid Base64", doc=doc) from None
        if (branch or repo.default_branch) in repo.git.protected:
            raise _Invalid(
                "Could not update file: Changes must be made through a pull request.",
                status=409,
                doc="https://docs.github.com/articles/about-protected-branches",
            )
        sha = data.get("sha")
        if branch is not None and branch != repo.default_branch:
            return self._put_on_branch(request, repo, path, str(branch), content, sha)
        existing = repo.files.get(path)
        if existing is not None and not sha:
            raise _Invalid('Invalid request.\n\n"sha" wasn\'t supplied.', doc=doc)
        stored = self.store.write_file(
            repo.full_name,
            path,
            content,
            user=request.user,
            message=str(data["message"]),
            sha=str(sha) if sha else None,
        )
        render = self._render(request)
        body = {
            "content": render.content_entry(repo, stored),
            "commit": render.commit(repo, stored, str(data["message"]), request.user),
        }
        return ApiResponse.json(201 if existing is None else 200, body)

    def _put_on_branch(
        self,
        request: ApiRequest,
        repo: Repo,
        path: str,
        branch: str,
        content: bytes,
        sha: object,
    ) -> ApiResponse:
        """A file written on a branch other than the default one: one commit there."""
        current = (repo.git.files_at(branch) or {}).get(path)
        if current is not None and not sha:
            raise _Invalid('Invalid request.\n\n"sha" wasn\'t supplied.')
        if sha and sha != current:
            raise StaleFileVersionError(repo.full_name, path, str(sha), current)
        message = str(request.json()["message"])
        commit = self.store.commit_files(
            repo.full_name, branch, {path: content}, message, user=request.user
        )
        stored = StoredFile(path, content, commit.sha, commit.date)
        render = self._render(request)
        body = {
            "content": render.content_entry(repo, stored),
            "commit": render.commit(repo, stored, message, request.user),
        }
        return ApiResponse.json(201 if current is None else 200, body)


# request field helpers -----------------------------------------------------------------


def _since(request: ApiRequest) -> datetime | None:
    text = request.param("since")
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise InvalidFieldError("Issue", "since", "invalid", text) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _opt_str(data: dict[str, Any], name: str, resource: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidFieldError(resource, name, "invalid", value)
    return value


def _label_names(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidFieldError("Issue", "labels", "invalid", value)
    names = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            names.append(item["name"])
        elif isinstance(item, str):
            names.append(item)
        else:
            raise InvalidFieldError("Issue", "labels", "invalid", item)
    return names


def _milestone_ref(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise InvalidFieldError("Issue", "milestone", "invalid", value)


def _assignees(data: dict[str, Any]) -> list[str]:
    value = data.get("assignees")
    if value is None:
        single = data.get("assignee")
        return [single] if isinstance(single, str) and single else []
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InvalidFieldError("Issue", "assignees", "invalid", value)
    return list(value)


def _due_on(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidFieldError("Milestone", "due_on", "invalid", value)
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            raise InvalidFieldError("Milestone", "due_on", "invalid", value) from None


def _filter_person(
    items: list[Issue], wanted: str | None, people: Callable[[Issue], list[str]]
) -> list[Issue]:
    if not wanted:
        return items
    if wanted == "none":
        return [i for i in items if not people(i)]
    if wanted == "*":
        return [i for i in items if people(i)]
    return [i for i in items if wanted.lower() in (p.lower() for p in people(i))]


def _parse_search(query: str) -> tuple[list[str], dict[str, list[str]]]:
    terms: list[str] = []
    filters: dict[str, list[str]] = {}
    rest = query
    while rest:
        rest = rest.lstrip()
        if not rest:
            break
        if rest.startswith('"'):
            end = rest.find('"', 1)
            end = len(rest) if end < 0 else end
            terms.append(rest[1:end])
            rest = rest[end + 1 :]
            continue
        token, _, rest = rest.partition(" ")
        key, sep, value = token.partition(":")
        if sep and key in ("repo", "is", "in", "type"):
            key = "is" if key == "type" else key
            filters.setdefault(key, []).extend(value.split(","))
        else:
            terms.append(token)
    return terms, filters


def _dir_entry(render: GitHubJson, repo: Repo, path: str) -> dict[str, Any]:
    url = f"{render.repo_url(repo)}/contents/{path}?ref={repo.default_branch}"
    html = f"{render.web}/{repo.full_name}/tree/{repo.default_branch}/{path}"
    return {
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "sha": "0" * 40,
        "size": 0,
        "url": url,
        "html_url": html,
        "git_url": None,
        "download_url": None,
        "type": "dir",
        "_links": {"self": url, "git": None, "html": html},
    }

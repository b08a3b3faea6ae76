"""GitLab's REST API v4 (the part plansync uses), served from the sandbox store.

Paths here are below /api/v4. A project is addressed by its numeric id or its url-encoded
path ("group%2Fsub%2Fproject"); issues by iid, milestones by global id, as on GitLab.
Parameters are read from the query string and from a JSON or form body, as GitLab does.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs

from plansync.sandbox.durations import parse_duration
from plansync.sandbox.git import last_commit
from plansync.sandbox.gitlab_repository import GitLabRepositoryApi
from plansync.sandbox.http_types import (
    ApiRequest,
    ApiResponse,
    BadRequestBodyError,
    Handler,
    Router,
)
from plansync.sandbox.pagination import gitlab_headers, page_of
from plansync.sandbox.records import Issue, Repo, StoredFile
from plansync.sandbox.serialize_gitlab import REACTION_OF_EMOJI, GitLabJson
from plansync.sandbox.store import UNSET, SandboxStore
from plansync.sandbox.store_errors import (
    FileAlreadyExistsError,
    InvalidFieldError,
    SandboxStoreError,
    StaleFileVersionError,
    UnknownFileError,
    UnknownLabelError,
    UnknownRepoError,
)

PER_PAGE = 20
AUTO_LABEL_COLOR = "6699cc"  # what GitLab gives a label it creates for an issue
STALE_FILE = "You are attempting to update a file that has changed since you started editing it."


def unauthorized() -> ApiResponse:
    return ApiResponse.json(401, {"message": "401 Unauthorized"})


def retry_later(seconds: int, now: datetime) -> ApiResponse:
    """GitLab's rate-limit answer (Rack::Attack): plain text, Retry-After and RateLimit-Reset
    (when the wait is over, in epoch seconds and as an HTTP date)."""
    reset = math.ceil(now.timestamp()) + seconds
    response = ApiResponse(429, b"Retry later\n", content_type="text/plain")
    response.headers.extend(
        [
            ("Retry-After", str(seconds)),
            ("RateLimit-Reset", str(reset)),
            (
                "RateLimit-ResetTime",
                format_datetime(datetime.fromtimestamp(reset, tz=UTC), usegmt=True),
            ),
        ]
    )
    return response


def _message(status: int, message: Any) -> ApiResponse:
    return ApiResponse.json(status, {"message": message})


class _Refused(Exception):
    def __init__(self, response: ApiResponse) -> None:
        super().__init__(response.status)
        self.response = response


def _missing(name: str) -> _Refused:
    return _Refused(ApiResponse.json(400, {"error": f"{name} is missing"}))


def _invalid(name: str) -> _Refused:
    return _Refused(ApiResponse.json(400, {"error": f"{name} is invalid"}))


class GitLabApi:
    def __init__(self, store: SandboxStore) -> None:
        self.store = store
        self.router = Router()
        add = self.router.add
        add("GET", "/user", self.get_user)
        add("GET", "/users", self.list_users)
        add("GET", "/personal_access_tokens/self", self.token_self)
        routes: list[tuple[str, str, Handler]] = [
            ("GET", "", self.get_project),
            ("GET", "/issues", self.list_issues),
            ("POST", "/issues", self.create_issue),
            ("GET", "/issues/{iid:int}", self.get_issue),
            ("PUT", "/issues/{iid:int}", self.edit_issue),
            ("POST", "/issues/{iid:int}/move", self.move_issue),
            ("GET", "/issues/{iid:int}/time_stats", self.get_time_stats),
            ("POST", "/issues/{iid:int}/time_estimate", self.set_time_estimate),
            ("POST", "/issues/{iid:int}/reset_time_estimate", self.reset_time_estimate),
            ("GET", "/issues/{iid:int}/notes", self.list_notes),
            ("POST", "/issues/{iid:int}/notes", self.create_note),
            ("GET", "/issues/{iid:int}/notes/{note_id:int}", self.get_note),
            ("PUT", "/issues/{iid:int}/notes/{note_id:int}", self.edit_note),
            ("GET", "/issues/{iid:int}/notes/{note_id:int}/award_emoji", self.list_awards),
            ("POST", "/issues/{iid:int}/notes/{note_id:int}/award_emoji", self.create_award),
            ("GET", "/milestones", self.list_milestones),
            ("POST", "/milestones", self.create_milestone),
            ("GET", "/milestones/{milestone_id:int}", self.get_milestone),
            ("PUT", "/milestones/{milestone_id:int}", self.edit_milestone),
            ("GET", "/labels", self.list_labels),
            ("POST", "/labels", self.create_label),
            ("GET", "/labels/{label}", self.get_label),
            ("GET", "/members/all", self.list_members),
            ("GET", "/members/all/{user_id:int}", self.get_member),
            ("GET", "/members/{user_id:int}", self.get_member),
            ("GET", "/repository/files/{file}", self.get_file),
            ("GET", "/repository/files/{file}/raw", self.get_raw_file),
            ("POST", "/repository/files/{file}", self.create_file),
            ("PUT", "/repository/files/{file}", self.update_file),
        ]
        routes += GitLabRepositoryApi(store, self._project, self._render).routes()
        for method, rest, handler in routes:
            add(method, "/projects/{project}" + rest, handler)

    # dispatch ----------------------------------------------------------------------------

    def dispatch(self, request: ApiRequest) -> ApiResponse:
        found = self.router.find(request.method, request.path)
        if found is None:
            return _message(404, "404 Not Found")
        handler, params = found
        try:
            response = handler(request, params)
        except _Refused as exc:
            return exc.response
        except BadRequestBodyError:
            return _message(400, "400 Bad request - Invalid JSON")
        except SandboxStoreError as exc:
            return self._store_error(exc)
        if request.method == "HEAD":
            response.body = b""
        return response

    def _store_error(self, exc: SandboxStoreError) -> ApiResponse:
        if isinstance(exc, UnknownRepoError):
            return _message(404, "404 Project Not Found")
        if isinstance(exc, UnknownFileError):
            return _message(404, "404 File Not Found")
        if isinstance(exc, UnknownLabelError):
            return _message(404, "404 Label Not Found")
        if isinstance(exc, StaleFileVersionError):
            return _message(400, STALE_FILE)
        if isinstance(exc, FileAlreadyExistsError):
            return _message(400, "A file with this name already exists")
        if isinstance(exc, InvalidFieldError):
            if exc.code == "missing_field":
                return ApiResponse.json(400, {"error": f"{exc.field} is missing"})
            if exc.resource == "Label" and exc.code == "already_exists":
                return _message(409, "Label already exists")
            reason = "has already been taken" if exc.code == "already_exists" else "is invalid"
            return _message(400, {exc.field: [reason]})
        return _message(404, "404 Not found")

    def _project(self, params: dict[str, str]) -> Repo:
        ref = params["project"]
        if ref.isdigit():
            return self.store.repo_by_id(int(ref))
        return self.store.repo(ref)

    def _issue(self, repo: Repo, params: dict[str, str]) -> Issue:
        issue = repo.issues.get(int(params["iid"]))
        if issue is None or issue.deleted or issue.pull_request:
            raise _Refused(_message(404, "404 Not found"))
        return issue

    def _render(self, request: ApiRequest) -> GitLabJson:
        return GitLabJson(self.store, request.base_url)

    def _list(
        self, request: ApiRequest, items: list[Any], render: Callable[[Any], dict[str, Any]]
    ) -> ApiResponse:
        page = page_of(request, len(items), default=PER_PAGE)
        headers = gitlab_headers(request, page, f"/api/v4{request.path}")
        return ApiResponse.json(200, [render(x) for x in page.slice(items)], headers=headers)

    # users and projects ------------------------------------------------------------------

    def get_user(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return ApiResponse.json(200, self._render(request).current_user(request.user))

    def token_self(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """The token the request carries (GitLab 15.5+); its expiry is what the sandbox was
        told with `store.token_expiry` (none by default)."""
        token = request.headers.get("private-token") or ""
        expires = self.store.token_expiry.get(token)
        return ApiResponse.json(
            200,
            {
                "id": self.store.user_id(request.user),
                "name": f"{request.user} token",
                "revoked": False,
                "created_at": "2024-01-01T00:00:00.000Z",
                "description": None,
                "scopes": ["api"],
                "user_id": self.store.user_id(request.user),
                "last_used_at": None,
                "active": True,
                "expires_at": expires.isoformat() if expires is not None else None,
            },
        )

    def list_users(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        wanted = request.param("username")
        names = self.store.usernames()
        if wanted is not None:
            names = [n for n in names if n.lower() == wanted.lower()]
        render = self._render(request)
        return self._list(request, names, render.user)

    def get_project(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        return ApiResponse.json(200, self._render(request).project(repo, request.user))

    def list_members(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        render = self._render(request)
        members = sorted(repo.permissions, key=self.store.user_id)
        return self._list(request, members, lambda name: render.member(repo, name))

    def get_member(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        username = self.store.username_of(int(params["user_id"]))
        if username is None or username not in repo.permissions:
            return _message(404, "404 Not found")
        return ApiResponse.json(200, self._render(request).member(repo, username))

    # issues ------------------------------------------------------------------------------

    def list_issues(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        items = [i for i in repo.issues.values() if not (i.deleted or i.pull_request)]
        state = request.param("state", "all")
        if state not in ("opened", "closed", "all"):
            raise _invalid("state")
        if state != "all":
            items = [i for i in items if i.state == ("open" if state == "opened" else "closed")]
        iids = {int(x) for x in request.params("iids[]") + request.params("iids") if x.isdigit()}
        if iids:
            items = [i for i in items if i.number in iids]
        items = _filter_times(request, items)
        items = _filter_labels(request.param("labels"), items)
        milestone = request.param("milestone")
        if milestone == "None":
            items = [i for i in items if i.milestone is None]
        elif milestone == "Any":
            items = [i for i in items if i.milestone is not None]
        elif milestone:
            items = [
                i
                for i in items
                if i.milestone is not None and repo.milestones[i.milestone].title == milestone
            ]
        search = request.param("search")
        if search:
            where = (request.param("in") or "title,description").split(",")
            needle = search.lower()
            items = [
                i
                for i in items
                if ("title" in where and needle in i.title.lower())
                or ("description" in where and needle in (i.body or "").lower())
            ]
        order_by = request.param("order_by", "created_at")
        keys: dict[str, Callable[[Issue], Any]] = {
            "created_at": lambda i: (i.created_at, i.id),
            "updated_at": lambda i: (i.updated_at, i.id),
            "title": lambda i: (i.title.lower(), i.id),
        }
        if order_by not in keys:
            raise _invalid("order_by")
        sort = request.param("sort", "desc")
        if sort not in ("asc", "desc"):
            raise _invalid("sort")
        items.sort(key=keys[order_by], reverse=sort == "desc")
        render = self._render(request)
        return self._list(request, items, lambda i: render.issue(repo, i))

    def get_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        return ApiResponse.json(200, self._render(request).issue(repo, issue))

    def create_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        fields = _fields(request)
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _missing("title")
        description, estimate = _estimate_action(_opt_text(fields.get("description")))
        number = self.store.create_issue(
            repo.full_name,
            title,
            description,
            labels=_labels(fields.get("labels")),
            milestone=self._milestone_number(repo, fields.get("milestone_id")),
            assignees=self._assignees(repo, fields),
            user=request.user,
            label_color=AUTO_LABEL_COLOR,
        )
        if estimate is not None:
            self.store.set_time_estimate(repo.full_name, number, estimate, user=request.user)
        issue = repo.issues[number]
        return ApiResponse.json(201, self._render(request).issue(repo, issue))

    def edit_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        fields = _fields(request)
        changes: dict[str, Any] = {}
        if "title" in fields:
            title = fields["title"]
            if not isinstance(title, str) or not title.strip():
                raise _invalid("title")
            changes["title"] = title
        if "description" in fields:
            changes["body"] = _opt_text(fields["description"])
        labels = list(issue.labels)
        if "labels" in fields:
            labels = _labels(fields["labels"])
        for name in _labels(fields.get("add_labels")):
            if name.lower() not in (n.lower() for n in labels):
                labels.append(name)
        removed = {n.lower() for n in _labels(fields.get("remove_labels"))}
        labels = [n for n in labels if n.lower() not in removed]
        if labels != issue.labels:
            changes["labels"] = labels
        if "milestone_id" in fields:
            changes["milestone"] = self._milestone_number(repo, fields["milestone_id"])
        if "assignee_ids" in fields or "assignee_id" in fields:
            changes["assignees"] = self._assignees(repo, fields)
        event = fields.get("state_event")
        if event is not None:
            if event not in ("close", "reopen"):
                raise _invalid("state_event")
            changes["state"] = "closed" if event == "close" else "open"
        updated = self.store.update_issue(
            repo.full_name,
            issue.number,
            user=request.user,
            label_color=AUTO_LABEL_COLOR,
            **changes,
        )
        return ApiResponse.json(200, self._render(request).issue(repo, updated))

    def move_issue(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        """GitLab's move: the issue in the target project is the answer."""
        repo = self._project(params)
        issue = self._issue(repo, params)
        to_project = _fields(request).get("to_project_id")
        if to_project in (None, ""):
            raise _missing("to_project_id")
        try:
            target = self.store.repo_by_id(int(to_project))
        except (TypeError, ValueError):
            raise _invalid("to_project_id") from None
        if target is repo:
            raise _Refused(_message(400, "Cannot move issue to project it originates from!"))
        number = self.store.move_issue(
            repo.full_name, issue.number, target.full_name, user=request.user
        )
        return ApiResponse.json(201, self._render(request).issue(target, target.issues[number]))

    def _milestone_number(self, repo: Repo, value: Any) -> int | None:
        if value in (None, "", 0, "0"):
            return None
        try:
            milestone_id = int(value)
        except (TypeError, ValueError):
            raise _invalid("milestone_id") from None
        return self.store.milestone_by_id(repo.full_name, milestone_id).number

    def _assignees(self, repo: Repo, fields: dict[str, Any]) -> list[str]:
        raw = fields.get("assignee_ids", UNSET)
        if raw is UNSET:
            single = fields.get("assignee_id")
            raw = [single] if single not in (None, "", 0, "0") else []
        if isinstance(raw, str):
            raw = [x for x in raw.split(",") if x]
        if not isinstance(raw, list):
            raise _invalid("assignee_ids")
        people = []
        for value in raw:
            try:
                name = self.store.username_of(int(value))
            except (TypeError, ValueError):
                raise _invalid("assignee_ids") from None
            # GitLab quietly leaves out users who are not members of the project.
            if name is not None and repo.permissions.get(name, "none") != "none":
                people.append(name)
        return people

    # time tracking -----------------------------------------------------------------------

    def get_time_stats(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        return ApiResponse.json(200, self._render(request).time_stats(self._issue(repo, params)))

    def set_time_estimate(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        duration = _fields(request).get("duration")
        if duration is None:
            raise _missing("duration")
        try:
            seconds = parse_duration(str(duration))
        except ValueError:
            raise _Refused(_message(400, "400 Bad request - Invalid duration")) from None
        self.store.set_time_estimate(repo.full_name, issue.number, seconds, user=request.user)
        return ApiResponse.json(201, self._render(request).time_stats(issue))

    def reset_time_estimate(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        self.store.set_time_estimate(repo.full_name, issue.number, 0, user=request.user)
        return ApiResponse.json(201, self._render(request).time_stats(issue))

    # notes and award emoji ---------------------------------------------------------------

    def list_notes(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        notes = self.store.comments(repo.full_name, issue.number, include_system=True)
        order_by = request.param("order_by", "created_at")
        if order_by not in ("created_at", "updated_at"):
            raise _invalid("order_by")
        sort = request.param("sort", "desc")
        if sort not in ("asc", "desc"):
            raise _invalid("sort")
        if order_by == "updated_at":
            notes.sort(key=lambda c: (c.updated_at, c.id), reverse=sort == "desc")
        else:
            notes.sort(key=lambda c: (c.created_at, c.id), reverse=sort == "desc")
        render = self._render(request)
        return self._list(request, notes, lambda c: render.note(repo, c))

    def _note(self, repo: Repo, issue: Issue, params: dict[str, str]) -> Any:
        note = repo.comments.get(int(params["note_id"]))
        if note is None or note.issue_number != issue.number:
            raise _Refused(_message(404, "404 Not found"))
        return note

    def get_note(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        note = self._note(repo, self._issue(repo, params), params)
        return ApiResponse.json(200, self._render(request).note(repo, note))

    def create_note(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        issue = self._issue(repo, params)
        body = _fields(request).get("body")
        if not isinstance(body, str) or not body.strip():
            raise _missing("body")
        note_id = self.store.add_comment(repo.full_name, issue.number, body, user=request.user)
        return ApiResponse.json(201, self._render(request).note(repo, repo.comments[note_id]))

    def edit_note(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        note = self._note(repo, self._issue(repo, params), params)
        body = _fields(request).get("body")
        if not isinstance(body, str) or not body.strip():
            raise _missing("body")
        if note.system:
            return _message(403, "403 Forbidden")
        self.store.edit_comment(repo.full_name, note.id, body)
        return ApiResponse.json(200, self._render(request).note(repo, note))

    def list_awards(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        note = self._note(repo, self._issue(repo, params), params)
        render = self._render(request)
        return self._list(request, list(note.reactions), lambda r: render.award(note, r))

    def create_award(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        note = self._note(repo, self._issue(repo, params), params)
        name = _fields(request).get("name")
        if not isinstance(name, str) or not name:
            raise _missing("name")
        if not all(ch.isalnum() or ch in "_+-" for ch in name):
            raise _Refused(_message(400, {"name": ["is not a valid emoji name"]}))
        content = REACTION_OF_EMOJI.get(name, name)
        reaction, created = self.store.add_reaction(
            repo.full_name, note.id, content, user=request.user
        )
        if not created:
            return _message(404, "404 Award Emoji Name has already been taken Not Found")
        return ApiResponse.json(201, self._render(request).award(note, reaction))

    # milestones --------------------------------------------------------------------------

    def list_milestones(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        items = sorted(self.store.milestones(repo.full_name), key=lambda m: m.id, reverse=True)
        state = request.param("state")
        if state is not None:
            if state not in ("active", "closed"):
                raise _invalid("state")
            items = [m for m in items if m.state == ("open" if state == "active" else "closed")]
        iids = {int(x) for x in request.params("iids[]") + request.params("iids") if x.isdigit()}
        if iids:
            items = [m for m in items if m.number in iids]
        title = request.param("title")
        if title is not None:
            items = [m for m in items if m.title == title]
        search = request.param("search")
        if search:
            items = [
                m
                for m in items
                if search.lower() in m.title.lower()
                or search.lower() in (m.description or "").lower()
            ]
        render = self._render(request)
        return self._list(request, items, lambda m: render.milestone(repo, m))

    def get_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        milestone = self.store.milestone_by_id(repo.full_name, int(params["milestone_id"]))
        return ApiResponse.json(200, self._render(request).milestone(repo, milestone))

    def create_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        fields = _fields(request)
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _missing("title")
        number = self.store.create_milestone(
            repo.full_name,
            title,
            _opt_text(fields.get("description")),
            _due_date(fields.get("due_date")),
            user=request.user,
        )
        milestone = self.store.milestone(repo.full_name, number)
        return ApiResponse.json(201, self._render(request).milestone(repo, milestone))

    def edit_milestone(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        milestone = self.store.milestone_by_id(repo.full_name, int(params["milestone_id"]))
        fields = _fields(request)
        changes: dict[str, Any] = {}
        if "title" in fields:
            if not isinstance(fields["title"], str) or not fields["title"].strip():
                raise _invalid("title")
            changes["title"] = fields["title"]
        if "description" in fields:
            changes["description"] = _opt_text(fields["description"])
        if "due_date" in fields:
            changes["due_on"] = _due_date(fields["due_date"])
        event = fields.get("state_event")
        if event is not None:
            if event not in ("close", "activate"):
                raise _invalid("state_event")
            changes["state"] = "closed" if event == "close" else "open"
        updated = self.store.update_milestone(repo.full_name, milestone.number, **changes)
        return ApiResponse.json(200, self._render(request).milestone(repo, updated))

    # labels ------------------------------------------------------------------------------

    def list_labels(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        render = self._render(request)
        with_counts = request.param("with_counts") in ("true", "1")
        return self._list(
            request,
            self.store.labels(repo.full_name),
            lambda x: render.label(x, repo if with_counts else None),
        )

    def get_label(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        ref = params["label"]
        label = None
        if ref.isdigit():
            label = next((x for x in repo.labels.values() if x.id == int(ref)), None)
        if label is None:
            label = self.store.label(repo.full_name, ref)
        return ApiResponse.json(200, self._render(request).label(label, repo))

    def create_label(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        fields = _fields(request)
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _missing("name")
        color = fields.get("color")
        if not isinstance(color, str) or not color:
            raise _missing("color")
        label = self.store.create_label(
            repo.full_name, name, color, _opt_text(fields.get("description"))
        )
        return ApiResponse.json(201, self._render(request).label(label, repo))

    # repository files --------------------------------------------------------------------

    def _ref(self, repo: Repo, request: ApiRequest, *, required: bool) -> str:
        ref = request.param("ref")
        if ref is None:
            if required:
                raise _missing("ref")
            return repo.default_branch
        if ref != repo.default_branch and repo.git.resolve(ref) is None:
            raise _Refused(_message(404, "404 Commit Not Found"))
        return ref

    def _file_at(self, repo: Repo, path: str, ref: str) -> StoredFile:
        if ref == repo.default_branch:
            return self.store.file(repo.full_name, path)
        path = path.strip("/")
        blob = (repo.git.files_at(ref) or {}).get(path)
        commit = last_commit(repo.git, ref, path)
        if blob is None or commit is None:
            raise UnknownFileError(repo.full_name, path)
        return StoredFile(path, repo.git.blobs[blob], commit, repo.git.commits[commit].date)

    def get_file(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        ref = self._ref(repo, request, required=True)
        stored = self._file_at(repo, params["file"], ref)
        render = self._render(request)
        return ApiResponse.json(
            200, render.file(repo, stored, ref), headers=render.file_headers(stored, ref)
        )

    def get_raw_file(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        repo = self._project(params)
        ref = self._ref(repo, request, required=False)
        stored = self._file_at(repo, params["file"], ref)
        return ApiResponse(
            200,
            stored.content,
            content_type="text/plain; charset=utf-8",
            headers=self._render(request).file_headers(stored, ref),
        )

    def create_file(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._write_file(request, params, create=True)

    def update_file(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._write_file(request, params, create=False)

    def _write_file(
        self, request: ApiRequest, params: dict[str, str], *, create: bool
    ) -> ApiResponse:
        repo = self._project(params)
        fields = _fields(request)
        for name in ("branch", "commit_message", "content"):
            if not isinstance(fields.get(name), str):
                raise _missing(name)
        if fields["branch"] in repo.git.protected:
            return _message(403, "You are not allowed to push into this branch")
        if fields["branch"] != repo.default_branch:
            raise _Refused(
                _message(400, "You can only create or edit files when you are on a branch")
            )
        content = _file_content(str(fields["content"]), fields.get("encoding"))
        path = params["file"].strip("/")
        if not create and path not in repo.files:
            return _message(400, "A file with this name doesn't exist")
        last_commit_id = fields.get("last_commit_id")
        stored = self.store.write_file(
            repo.full_name,
            path,
            content,
            user=request.user,
            message=str(fields["commit_message"]),
            must_exist=not create,
            last_commit_id=str(last_commit_id) if last_commit_id else None,
        )
        return ApiResponse.json(
            201 if create else 200, {"file_path": stored.path, "branch": repo.default_branch}
        )


# request field helpers -------------------------------------------------------------------


def _fields(request: ApiRequest) -> dict[str, Any]:
    """GitLab reads parameters from the query string and the body alike."""
    fields: dict[str, Any] = {}
    for key, values in request.query.items():
        if key.endswith("[]"):
            fields[key[:-2]] = list(values)
        elif values:
            fields[key] = values[-1]
    content_type = request.headers.get("content-type", "")
    if not request.body.strip():
        return fields
    if "application/x-www-form-urlencoded" in content_type:
        form = parse_qs(request.body.decode("utf-8"), keep_blank_values=True)
        for key, values in form.items():
            if key.endswith("[]"):
                fields[key[:-2]] = values
            else:
                fields[key] = values[-1]
        return fields
    try:
        data = json.loads(request.body)
    except ValueError as exc:
        raise BadRequestBodyError(str(exc)) from exc
    if not isinstance(data, dict):
        raise BadRequestBodyError("the body must be a JSON object")
    fields.update(data)
    return fields


def _opt_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid("description")
    return value


def _labels(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [n.strip() for n in value.split(",") if n.strip()]
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return [x.strip() for x in value if x.strip()]
    raise _invalid("labels")


def _filter_labels(wanted: str | None, items: list[Issue]) -> list[Issue]:
    if not wanted:
        return items
    if wanted == "None":
        return [i for i in items if not i.labels]
    if wanted == "Any":
        return [i for i in items if i.labels]
    for name in _labels(wanted):
        items = [i for i in items if name.lower() in (x.lower() for x in i.labels)]
    return items


def _filter_times(request: ApiRequest, items: list[Issue]) -> list[Issue]:
    for name in ("updated_after", "updated_before", "created_after", "created_before"):
        text = request.param(name)
        if not text:
            continue
        limit = _parse_time(text, name)
        field = "updated_at" if name.startswith("updated") else "created_at"
        # GitLab compares at millisecond precision; both bounds are inclusive.
        if name.endswith("_after"):
            items = [i for i in items if _ms(getattr(i, field)) >= limit]
        else:
            items = [i for i in items if _ms(getattr(i, field)) <= limit]
    return items


def _ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _parse_time(text: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "+"))
    except ValueError:
        raise _invalid(name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _due_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise _invalid("due_date") from None


def _file_content(content: str, encoding: Any) -> bytes:
    if encoding in (None, "", "text"):
        return content.encode("utf-8")
    if encoding != "base64":
        raise _invalid("encoding")
    try:
        return base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise _Refused(_message(400, "400 Bad request - content is not valid base64")) from None


# `/estimate 1h30m` on a line of its own: the one quick action the sandbox runs (GitLab runs
# those of a new issue's description and takes their lines out of it).
_ESTIMATE_ACTION = re.compile(r"^/estimate(?:_time)?[ \t]+(\S[^\n]*?)[ \t]*$", re.MULTILINE)


def _estimate_action(description: str | None) -> tuple[str | None, int | None]:
    """The description without its `/estimate` lines, and the last valid estimate in seconds."""
    if description is None or "/estimate" not in description:
        return description, None
    seconds: int | None = None
    for found in _ESTIMATE_ACTION.finditer(description):
        try:
            seconds = parse_duration(found.group(1))
        except ValueError:
            continue
    if seconds is None:
        return description, None
    return _ESTIMATE_ACTION.sub("", description).strip(), seconds

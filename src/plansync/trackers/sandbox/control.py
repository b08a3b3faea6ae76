"""The sandbox's own endpoints under /_sandbox/ (no authentication, never counted as API
requests): inspect the state and the request log, reset, configure faults and limits, and act
as a person on "the other side"."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from typing import Any

from plansync.trackers.sandbox.faults import FaultRule
from plansync.trackers.sandbox.http_types import ApiResponse
from plansync.trackers.sandbox.limits import LimitConfig
from plansync.trackers.sandbox.store import BOT, SandboxStore
from plansync.trackers.sandbox.store_errors import InvalidFieldError, SandboxStoreError

PREFIX = "/_sandbox"


class ControlError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> ApiResponse:
    return ApiResponse(status, json.dumps({"error": message}).encode("utf-8"))


def _ok(**extra: Any) -> ApiResponse:
    return ApiResponse.json(200, {"ok": True, **extra})


class Control:
    def __init__(self, store: SandboxStore) -> None:
        self.store = store
        self._actions: dict[str, Callable[[Mapping[str, Any]], ApiResponse]] = {
            "close_issue": self._close_issue,
            "reopen_issue": self._reopen_issue,
            "comment": self._comment,
            "set_title": self._set_title,
            "set_body": self._set_body,
            "set_permission": self._set_permission,
            "create_issue": self._create_issue,
            "delete_issue": self._delete_issue,
            "put_file": self._put_file,
        }

    def handle(self, method: str, path: str, body: bytes) -> ApiResponse:
        route = path[len(PREFIX) :].strip("/")
        try:
            if (method, route) == ("GET", "state"):
                return ApiResponse.json(200, self.store.snapshot())
            if (method, route) == ("GET", "requests"):
                with self.store.lock:
                    return ApiResponse.json(200, self.store.requests.to_json())
            if (method, route) == ("POST", "reset"):
                self.store.reset()
                return _ok()
            if (method, route) == ("GET", "faults"):
                return self._faults_json()
            if (method, route) == ("POST", "faults"):
                return self._configure(_body(body))
            if (method, route) == ("POST", "act"):
                return self._act(_body(body))
        except ControlError as exc:
            return _error(exc.status, exc.message)
        except InvalidFieldError as exc:
            return _error(422, str(exc))
        except SandboxStoreError as exc:
            return _error(404, str(exc))
        except ValueError as exc:
            return _error(400, str(exc))
        return _error(
            404,
            f"No sandbox control endpoint {method} {path}; there are GET {PREFIX}/state, "
            f"GET {PREFIX}/requests, GET|POST {PREFIX}/faults, POST {PREFIX}/reset and "
            f"POST {PREFIX}/act.",
        )

    # faults and limits -------------------------------------------------------------------

    def _faults_json(self) -> ApiResponse:
        with self.store.lock:
            return ApiResponse.json(
                200,
                {"faults": self.store.faults.to_json(), "limits": self.store.limits.to_json()},
            )

    def _configure(self, data: Mapping[str, Any]) -> ApiResponse:
        """{"faults": [rule, ...], "append": false, "limits": {...}}: the rules replace the
        ones in force unless `append` is true; `limits` replaces the limit configuration."""
        unknown = sorted(set(data) - {"faults", "append", "limits"})
        if unknown:
            raise ControlError(
                400, f"Unknown fields {unknown}; send 'faults', 'append' and/or 'limits'."
            )
        rules_data = data.get("faults", [])
        if not isinstance(rules_data, list):
            raise ControlError(400, "'faults' must be a list of fault objects.")
        rules = [FaultRule.from_json(_object(r, "fault")) for r in rules_data]
        limits = data.get("limits")
        config = LimitConfig.from_json(_object(limits, "limits")) if limits is not None else None
        with self.store.lock:
            if not data.get("append", False):
                self.store.faults.clear()
            for rule in rules:
                self.store.faults.add(rule)
            if config is not None:
                self.store.limits.configure(config)
        return self._faults_json()

    # acting as a person ------------------------------------------------------------------

    def _act(self, data: Mapping[str, Any]) -> ApiResponse:
        action = data.get("action")
        handler = self._actions.get(str(action))
        if handler is None:
            raise ControlError(
                400, f"Unknown action {action!r}; the actions are {sorted(self._actions)}."
            )
        return handler(data)

    def _close_issue(self, data: Mapping[str, Any]) -> ApiResponse:
        issue = self.store.close_issue(
            _str(data, "repo"),
            _int(data, "number"),
            str(data.get("reason", "completed")),
            user=_user(data),
        )
        return _ok(number=issue.number, state=issue.state)

    def _reopen_issue(self, data: Mapping[str, Any]) -> ApiResponse:
        issue = self.store.reopen_issue(_str(data, "repo"), _int(data, "number"), user=_user(data))
        return _ok(number=issue.number, state=issue.state)

    def _comment(self, data: Mapping[str, Any]) -> ApiResponse:
        comment_id = self.store.add_comment(
            _str(data, "repo"), _int(data, "number"), _str(data, "body"), user=_user(data)
        )
        return _ok(id=comment_id)

    def _set_title(self, data: Mapping[str, Any]) -> ApiResponse:
        issue = self.store.set_issue_title(
            _str(data, "repo"), _int(data, "number"), _str(data, "title"), user=_user(data)
        )
        return _ok(number=issue.number, title=issue.title)

    def _set_body(self, data: Mapping[str, Any]) -> ApiResponse:
        issue = self.store.set_issue_body(
            _str(data, "repo"), _int(data, "number"), _str(data, "body"), user=_user(data)
        )
        return _ok(number=issue.number)

    def _set_permission(self, data: Mapping[str, Any]) -> ApiResponse:
        role = data.get("role", data.get("permission"))
        if not isinstance(role, str):
            raise ControlError(
                400, "set_permission needs 'role' (none, read, triage, write, maintain or admin)."
            )
        self.store.set_permission(_str(data, "repo"), _str(data, "user"), role)
        return _ok()

    def _create_issue(self, data: Mapping[str, Any]) -> ApiResponse:
        milestone = data.get("milestone")
        number = self.store.create_issue(
            _str(data, "repo"),
            _str(data, "title"),
            str(data.get("body") or ""),
            labels=[str(x) for x in data.get("labels", [])],
            milestone=int(milestone) if milestone is not None else None,
            assignees=[str(x) for x in data.get("assignees", [])],
            user=_user(data),
            pull_request=bool(data.get("pull_request", False)),
        )
        return _ok(number=number)

    def _delete_issue(self, data: Mapping[str, Any]) -> ApiResponse:
        self.store.delete_issue(_str(data, "repo"), _int(data, "number"))
        return _ok()

    def _put_file(self, data: Mapping[str, Any]) -> ApiResponse:
        if "content_base64" in data:
            try:
                content = base64.b64decode(_str(data, "content_base64"), validate=True)
            except (binascii.Error, ValueError):
                raise ControlError(400, "'content_base64' is not valid base64.") from None
        else:
            content = _str(data, "content").encode("utf-8")
        stored = self.store.put_file(
            _str(data, "repo"), _str(data, "path"), content, user=_user(data)
        )
        return _ok(sha=stored.sha, commit=stored.commit)


def _body(raw: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ControlError(400, f"The body is not JSON: {exc}.") from exc
    return _object(data, "body")


def _object(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise ControlError(400, f"The {what} must be a JSON object, got {value!r}.")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise ControlError(400, f"Field '{key}' is required and must be a string.")
    return value


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError(400, f"Field '{key}' is required and must be an integer.")
    return value


def _user(data: Mapping[str, Any]) -> str:
    value = data.get("user", BOT)
    if not isinstance(value, str) or not value:
        raise ControlError(400, "Field 'user' must be a non-empty string.")
    return value

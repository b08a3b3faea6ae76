"""The sandbox's own endpoints under /_sandbox/ (no authentication, never counted as API
requests): inspect the state and the request log, reset, configure faults and limits, and act
as a person on "the other side".

    GET  /_sandbox/state      the whole state, as the state file holds it
    GET  /_sandbox/requests   the API request log
    POST /_sandbox/reset      back to the state at start
    GET  /_sandbox/faults     the faults and limits in force
    POST /_sandbox/faults     {"faults": [...], "append": false, "limits": {...}}
    POST /_sandbox/act        {"action": <act>, ...fields}

The acts (fields in sandbox/acts.py; `user` says who acts, the bot by default):
create_issue, update_issue, set_title, set_body, close_issue, reopen_issue, delete_issue,
move_issue, set_estimate, comment, edit_comment, react, create_milestone, update_milestone,
create_label, update_label, set_permission, put_file.

A malformed request is answered 400, a refused value 422, an unknown repository, issue or
comment 404, a failure of the sandbox itself 500, each with {"error": "<what is wrong and what
to do>"}; the connection is never dropped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from plansync.sandbox.acts import perform
from plansync.sandbox.faults import FaultRule
from plansync.sandbox.http_types import ApiResponse
from plansync.sandbox.json_fields import JsonFields
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.store import SandboxStore
from plansync.sandbox.store_errors import InvalidFieldError, SandboxStoreError

log = logging.getLogger(__name__)

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

    def handle(self, method: str, path: str, body: bytes) -> ApiResponse:
        route = path[len(PREFIX) :].strip("/")
        try:
            return self._route(method, route, body) or _error(
                404,
                f"No sandbox control endpoint {method} {path}; there are GET {PREFIX}/state, "
                f"GET {PREFIX}/requests, GET|POST {PREFIX}/faults, POST {PREFIX}/reset and "
                f"POST {PREFIX}/act.",
            )
        except ControlError as exc:
            return _error(exc.status, exc.message)
        except InvalidFieldError as exc:
            return _error(422, str(exc))
        except SandboxStoreError as exc:
            return _error(404, str(exc))
        except ValueError as exc:
            return _error(400, str(exc))
        except Exception as exc:  # a sandbox bug: answer and say so, never hang up
            log.exception("sandbox control %s %s failed", method, path)
            failure = f"{type(exc).__name__}: {exc}"
            return _error(500, f"The sandbox failed on {method} {path} ({failure}).")

    def _route(self, method: str, route: str, body: bytes) -> ApiResponse | None:
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
            return _ok(**perform(self.store, _body(body)))
        return None

    # faults and limits -------------------------------------------------------------------

    def _faults_json(self) -> ApiResponse:
        with self.store.lock:
            return ApiResponse.json(
                200,
                {"faults": self.store.faults.to_json(), "limits": self.store.limits.to_json()},
            )

    def _configure(self, data: Mapping[str, Any]) -> ApiResponse:
        """{"faults": [rule, ...], "append": false, "limits": {...}}: the rules replace the
        ones in force unless `append` is true; `limits` replaces the limit configuration.
        Everything is checked before anything changes."""
        fields = JsonFields(data, "the faults request")
        fields.refuse_unknown(("faults", "append", "limits"))
        rules = [FaultRule.from_json(rule) for rule in fields.objects("faults")]
        append = fields.flag("append", False)
        limits = fields.opt_object("limits")
        config = LimitConfig.from_json(limits) if limits is not None else None
        with self.store.lock:
            if not append:
                self.store.faults.clear()
            for rule in rules:
                self.store.faults.add(rule)
            if config is not None:
                self.store.limits.configure(config)
        return self._faults_json()


def _body(raw: bytes) -> Mapping[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ControlError(400, f"The body is not JSON: {exc}.") from exc
    if not isinstance(data, dict):
        raise ControlError(400, f"The body must be a JSON object, got {json.dumps(data)[:60]}.")
    return data

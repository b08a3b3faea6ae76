"""The request and answer one API handler sees, and a small path router."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote


class BadRequestBodyError(Exception):
    """The request body is not the JSON object the endpoint expects."""


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # below the API prefix, still percent-encoded, no query
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]  # keys lower-cased
    body: bytes
    user: str
    base_url: str  # "http://host:port" as the client addressed the server
    raw_target: str  # path and query as received (for Link headers)

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def params(self, name: str) -> list[str]:
        return list(self.query.get(name, []))

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as exc:
            raise BadRequestBodyError(f"Problems parsing JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise BadRequestBodyError("The request body must be a JSON object.")
        return data


@dataclass
class ApiResponse:
    status: int
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    last_modified: datetime | None = None  # enables If-Modified-Since

    @classmethod
    def json(
        cls,
        status: int,
        data: Any,
        *,
        headers: list[tuple[str, str]] | None = None,
        last_modified: datetime | None = None,
    ) -> ApiResponse:
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, headers=list(headers or []), last_modified=last_modified)

    @classmethod
    def empty(cls, status: int = 204) -> ApiResponse:
        return cls(status, b"", content_type="")

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


Handler = Callable[[ApiRequest, dict[str, str]], ApiResponse]

_PLACEHOLDER = re.compile(r"\{(\w+)(?::(int|path))?\}")


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class Router:
    """Routes like "/repos/{owner}/{repo}/issues/{number:int}" to handlers. Placeholders match
    one path segment ({x}), digits ({x:int}) or the rest of the path ({x:path}); their values
    are percent-decoded before the handler sees them."""

    def __init__(self) -> None:
        self._routes: list[_Route] = []

    def add(self, method: str, template: str, handler: Handler) -> None:
        def replace(match: re.Match[str]) -> str:
            name, kind = match.group(1), match.group(2)
            body = {"int": r"\d+", "path": r".+"}.get(kind or "", r"[^/]+")
            return f"(?P<{name}>{body})"

        regex = (
            "^"
            + _PLACEHOLDER.sub(replace, re.escape(template).replace(r"\{", "{").replace(r"\}", "}"))
            + "/?$"
        )
        self._routes.append(_Route(method.upper(), re.compile(regex), handler))

    def find(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        wanted = "GET" if method == "HEAD" else method
        for route in self._routes:
            if route.method != wanted:
                continue
            match = route.pattern.match(path)
            if match:
                return route.handler, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

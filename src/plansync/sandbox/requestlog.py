"""The log of API requests the sandbox answered, so tests can count calls and 304s."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

NO_ANSWER = "no answer"


@dataclass(frozen=True)
class LoggedRequest:
    n: int  # 1-based position among API requests
    api: str  # "github" | "gitlab"
    method: str
    path: str  # as requested, with the query string
    status: int | None  # None: the connection was closed without an answer
    user: str | None
    fault: str | None
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "api": self.api,
            "method": self.method,
            "path": self.path,
            "status": self.status,
            "user": self.user,
            "fault": self.fault,
            "at": self.at.isoformat(),
        }


@dataclass
class RequestLog:
    """Guarded by the store's lock."""

    entries: list[LoggedRequest] = field(default_factory=list)
    _issued: int = 0

    def next_number(self) -> int:
        self._issued += 1
        return self._issued

    def record(self, entry: LoggedRequest) -> None:
        self.entries.append(entry)

    def clear(self) -> None:
        self.entries.clear()
        self._issued = 0

    def by_method(self) -> dict[str, int]:
        return dict(Counter(e.method for e in self.entries))

    def by_status(self) -> dict[str, int]:
        return dict(
            Counter(str(e.status) if e.status is not None else NO_ANSWER for e in self.entries)
        )

    def count(
        self,
        method: str | None = None,
        *,
        status: int | None = None,
        path_contains: str | None = None,
        api: str | None = None,
    ) -> int:
        return sum(
            1
            for e in self.entries
            if (method is None or e.method == method.upper())
            and (status is None or e.status == status)
            and (path_contains is None or path_contains in e.path)
            and (api is None or e.api == api)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "total": len(self.entries),
            "by_method": self.by_method(),
            "by_status": self.by_status(),
            "requests": [e.to_json() for e in self.entries],
        }

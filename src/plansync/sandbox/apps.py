"""The sandbox's GitHub Apps: which App is installed on which repository with which
permissions, and the installation tokens handed out (kept in memory, not in the state file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

# What plansync asks of an App; an installation gets these unless told otherwise.
FULL_PERMISSIONS = {
    "issues": "write",
    "contents": "write",
    "pull_requests": "write",
    "metadata": "read",
}


@dataclass
class Installation:
    id: int
    app_id: int
    repo: str
    permissions: dict[str, str]
    lifetime: timedelta


@dataclass
class AppRegistry:
    """The sandbox's Apps and their installations (not kept in the state file)."""

    installations: dict[int, Installation] = field(default_factory=dict)
    tokens: dict[str, tuple[int, datetime]] = field(default_factory=dict)  # -> (inst., expiry)
    issued: int = 0
    next_id: int = 7_000_001

    def install(
        self,
        app_id: int,
        repo: str,
        permissions: dict[str, str] | None = None,
        lifetime: timedelta = timedelta(hours=1),
    ) -> int:
        installation = Installation(
            self.next_id, app_id, repo, dict(permissions or FULL_PERMISSIONS), lifetime
        )
        self.installations[installation.id] = installation
        self.next_id += 1
        return installation.id

    def clear(self) -> None:
        self.installations.clear()
        self.tokens.clear()
        self.issued = 0

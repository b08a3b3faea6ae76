"""Who plansync acts as on a tracker and what it may do there: `plansync check-access` and the
start of a run read this (a GitLab token's expiry, among others)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

# A token expiring sooner than this is warned about at the start of a run.
EXPIRY_WARNING_DAYS = 14


@dataclass(frozen=True)
class AccessReport:
    actor: str  # the login / username plansync acts as
    held: tuple[str, ...]  # the permissions plansync needs that it has, in words
    lacking: tuple[str, ...]  # those it needs and has not
    rate_limit_left: int | None  # requests left in the current window, when the tracker says
    expires_on: date | None = None  # the token's expiry date, when it has one


@runtime_checkable
class AccessCheck(Protocol):
    def access(self) -> AccessReport: ...

    def token_expiry(self) -> date | None:
        """When the credentials plansync uses expire (None: never, or not known)."""
        ...


def expiry_warning(expires_on: date | None, today: date, what: str) -> str | None:
    if expires_on is None:
        return None
    left = (expires_on - today).days
    if left >= EXPIRY_WARNING_DAYS:
        return None
    when = "has expired" if left < 0 else f"expires in {left} days ({expires_on.isoformat()})"
    return f"the token for {what} {when}; make a new one and set it before it stops working"

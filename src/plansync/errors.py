"""The exception hierarchy. Every message is one paragraph a person can act on."""

from __future__ import annotations

from datetime import datetime


class PlansyncError(Exception):
    """Base of every error plansync raises on purpose. `exit_code` is what the CLI returns."""

    exit_code = 2


class ConfigError(PlansyncError):
    """The configuration is missing, unreadable or invalid."""


class PlanfileError(PlansyncError):
    """A planfile cannot be read (missing, unreadable, invalid UTF-8 that is not mojibake)."""


class TrackerError(PlansyncError):
    """A tracker answered with an error, or could not be reached."""

    exit_code = 1


class AuthenticationError(TrackerError):
    """The token was refused (401)."""

    exit_code = 2


class PermissionDeniedError(TrackerError):
    """The token is valid but may not do this (403 without a rate limit)."""

    exit_code = 2


class NotFoundError(TrackerError):
    """The repository, project, issue or file does not exist, or the token cannot see it."""

    exit_code = 2


class ValidationFailedError(TrackerError):
    """The tracker refused the content of a write (422 / 400)."""


class StaleFileError(TrackerError):
    """A repository file changed since it was read; the write was refused."""


class RateLimitedError(TrackerError):
    """The tracker asked us to wait longer than the configured maximum. `retry_at` (aware,
    UTC) is when a request may go again, when known."""

    exit_code = 3  # nothing is wrong: run again later

    def __init__(self, message: str, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class WriteBudgetSpent(RateLimitedError):
    """The pacing of a host's writes (e.g. 500 an hour on GitHub) lets the next write go only
    later than the configured maximum wait; nothing was sent. `retry_at` says when it may."""


class StopRequested(PlansyncError):
    """A stop was asked for (Ctrl-C, SIGTERM, the daemon stopping) while a write waited its
    turn; that write was not sent."""

    exit_code = 130


class TrackerUnavailableError(TrackerError):
    """5xx answers or dropped connections persisted after the retries."""


class BusyError(PlansyncError):
    """Another run is syncing the same project."""

    exit_code = 1


class BranchProtectedError(TrackerError):
    """The branch refuses pushes from plansync (branch protection or a ruleset)."""

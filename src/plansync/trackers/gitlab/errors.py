"""What a failed GitLab request means: retry it, wait for it, or tell the user in one sentence.

python-gitlab raises `GitlabError`s carrying the status and body of the answer; the headers come
from the adapter's `ResponseLog`. Messages name the project and what to do, and never hold the
token (python-gitlab's exceptions do not carry request headers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from http import HTTPStatus

import requests
from gitlab.exceptions import GitlabError

from plansync.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    TrackerError,
    TrackerUnavailableError,
    ValidationFailedError,
)
from plansync.trackers.retry import Outcome, Verdict, verdict_for_status

_MAX_MESSAGE = 300

# Failures of the connection itself: the request may or may not have reached GitLab.
_CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def gitlab_message(exc: GitlabError) -> str:
    """GitLab's own explanation, flattened to one line.

    GitLab answers `{"message": "..."}`, `{"error": "..."}` or, for validation failures,
    `{"message": {"title": ["can't be blank"]}}`.
    """
    text = _message_from_body(exc.response_body)
    if text is None:
        raw = exc.error_message
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _message_from_body(body: bytes | None) -> str | None:
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("message", "error"):
        if key in data:
            text = _flatten(data[key])
            extra = data.get("error_description")
            return f"{text}: {extra}" if isinstance(extra, str) and extra else text
    return None


def _flatten(value: object) -> str:
    if isinstance(value, Mapping):
        parts = [f"{field} {_flatten(detail)}" for field, detail in value.items()]
        return "; ".join(parts)
    if isinstance(value, list):
        return ", ".join(_flatten(item) for item in value)
    return str(value)


def classify(exc: BaseException, headers: Mapping[str, str], now: datetime) -> Verdict:
    """The retry verdict on one failed attempt; `headers` are those of the failed answer."""
    if isinstance(exc, GitlabError) and exc.response_code is not None:
        return verdict_for_status(exc.response_code, headers, now, gitlab_message(exc))
    if isinstance(exc, requests.Timeout):
        return Verdict(Outcome.TRANSIENT, None, "a timeout")
    if isinstance(exc, _CONNECTION_ERRORS):
        return Verdict(Outcome.TRANSIENT, None, "a dropped connection")
    return Verdict(Outcome.FATAL)


def is_missing_project(exc: GitlabError) -> bool:
    """A 404 about the project itself (absent, or invisible to the token)."""
    return exc.response_code == 404 and "project" in gitlab_message(exc).lower()


def is_absent(exc: GitlabError) -> bool:
    """A 404 about the thing asked for (issue, file, member) inside a project that exists."""
    return exc.response_code == 404 and not is_missing_project(exc)


def translate(exc: GitlabError, *, repo: str, action: str) -> TrackerError:
    """The plansync error a user sees for a GitLab answer that will not get better by retrying.

    `action` says what was being done, as a verb phrase: "create an issue", "close issue #4".
    """
    status = exc.response_code
    message = gitlab_message(exc)
    if status is None:
        return TrackerError(
            f"GitLab's answer could not be used while trying to {action} in {repo} "
            f"({type(exc).__name__}: {message}); check that the tracker URL points at a GitLab "
            "server and not at a login page or proxy."
        )
    said = f"{status} {_reason(status)}: {message}" if message else f"{status} {_reason(status)}"
    if status == 401:
        return AuthenticationError(
            f"GitLab rejected the token for {repo} (401 Unauthorized). Set the token's "
            "environment variable (the tracker's `token_env`, GITLAB_TOKEN by default) to a "
            "personal, project or group access token with the `api` scope."
        )
    if status == 403:
        return PermissionDeniedError(
            f"GitLab refused to {action} in {repo} ({said}); give the token's user at least "
            f"Developer access to {repo}, or use a token with the `api` scope."
        )
    if is_missing_project(exc):
        return NotFoundError(
            f"GitLab has no project {repo}, or the token cannot see it ({said} while trying to "
            f"{action}); check the project path in the configuration and that the token's user "
            "is a member of the project."
        )
    if status == 404:
        return NotFoundError(
            f"GitLab could not {action} in {repo} because it does not exist ({said}); check "
            "that it was not deleted or moved."
        )
    if status in (400, 409, 422):
        return ValidationFailedError(
            f"GitLab refused to {action} in {repo} ({said}); correct what GitLab names and run "
            "again."
        )
    if status == 429:
        return RateLimitedError(
            f"GitLab rate-limited the request to {action} in {repo} ({said}); wait a few "
            "minutes and run again."
        )
    if status >= 500:
        return TrackerUnavailableError(
            f"GitLab failed to {action} in {repo} ({said}); the server may be down, so retry later."
        )
    return TrackerError(
        f"GitLab answered {said} when asked to {action} in {repo}; check the project settings "
        "and the tracker URL."
    )


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def is_label_taken(exc: GitlabError) -> bool:
    """GitLab's answer to creating a label that exists: 409 "Label already exists"."""
    return exc.response_code == 409 or (
        exc.response_code == 400 and "already" in gitlab_message(exc).lower()
    )


def is_award_taken(exc: GitlabError) -> bool:
    """GitLab's answer to awarding an emoji twice: 404 "Award Emoji Name has already been
    taken" (the API reports every refused award as a 404)."""
    return exc.response_code in (400, 404) and "already been taken" in gitlab_message(exc)


# What GitLab's repository files API says when a write does not match the branch any more.
_STALE_FILE_MESSAGES = (
    "has changed since",  # update with an old last_commit_id
    "already exists",  # create of a file someone else created
    "doesn't exist",  # update of a file someone else deleted
    "does not exist",
)


def is_stale_file(exc: GitlabError) -> bool:
    """A file write refused because the file is not at the version the write assumed."""
    if exc.response_code != 400:
        return False
    message = gitlab_message(exc).lower()
    return any(fragment in message for fragment in _STALE_FILE_MESSAGES)

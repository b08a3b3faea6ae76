"""What GitHub's failures mean: a retry verdict for `call_with_retries`, and, for the ones that
are final, one plansync error whose message names the repository and says what to do.

Messages are built from GitHub's own `message` and `errors` fields only, never from the
exception's text: that text carries request details, and tokens must never reach a message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import requests
from github import GithubException

from plansync.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    TrackerError,
    ValidationFailedError,
)
from plansync.trackers.retry import Outcome, Verdict, verdict_for_status

TOKEN_HINT = (
    "Set the token's environment variable (the tracker's `token_env`, GITHUB_TOKEN by default) "
    "to a token with the `repo` scope (classic) or Issues/Contents read-write (fine-grained)."
)
APP_HINT = (
    "Check the GitHub App id, its private key and the installation id, and that the app is "
    "installed on the repository with Issues and Contents read-write."
)

# Failures of the connection itself: the request may or may not have reached GitHub.
_CONNECTION_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


def github_message(exc: GithubException) -> str:
    """GitHub's `message` field, or the reason phrase when the body had none."""
    data = exc.data
    if isinstance(data, Mapping):
        message = data.get("message")
        if isinstance(message, str) and message.strip():
            return message.strip()
    return exc.message or "no message"


def _headers_of(exc: GithubException) -> dict[str, str]:
    return {str(name): str(value) for name, value in (exc.headers or {}).items()}


def classify(exc: BaseException, now: datetime) -> Verdict:
    """The retry verdict on one failed request (see plansync.trackers.retry)."""
    if isinstance(exc, GithubException):
        return verdict_for_status(exc.status, _headers_of(exc), now, github_message(exc))
    if isinstance(exc, _CONNECTION_ERRORS):
        return Verdict(Outcome.TRANSIENT, None, type(exc).__name__)
    return Verdict(Outcome.FATAL)


def validation_details(data: Any) -> str:
    """GitHub's 422 `errors` list as words: `Label.color is invalid; title is missing`."""
    if not isinstance(data, Mapping):
        return ""
    details: list[str] = []
    for error in data.get("errors") or ():
        if isinstance(error, str):
            details.append(error)
            continue
        if not isinstance(error, Mapping):
            continue
        if isinstance(error.get("message"), str) and error["message"]:
            details.append(error["message"])
            continue
        where = ".".join(str(error[k]) for k in ("resource", "field") if error.get(k))
        code = str(error.get("code") or "invalid").replace("_", " ")
        details.append(f"{where} is {code}" if where else code)
    return "; ".join(details)


class AssigneesRefused(Exception):
    """GitHub refused to create an issue because of these assignees (422); nothing was made.
    Raised inside a request so that the adapter can post again without them."""

    def __init__(self, logins: tuple[str, ...]) -> None:
        super().__init__(", ".join(logins))
        self.logins = logins


def refused_assignees(exc: GithubException, asked: Sequence[str]) -> tuple[str, ...]:
    """The logins of `asked` that a 422 refused as assignees (empty when it is another 422).

    GitHub answers `{"resource": "Issue", "field": "assignees", "code": "invalid", "value":
    "login"}` for a person who cannot be assigned (no access to the repository, or no such
    user). An entry that names nobody among `asked` refuses them all: which one it meant
    cannot be told, and an issue without assignees is better than no issue.
    """
    if exc.status != 422 or not asked or not isinstance(exc.data, Mapping):
        return ()
    entries = [
        error
        for error in exc.data.get("errors") or ()
        if isinstance(error, Mapping) and error.get("field") in ("assignees", "assignee")
    ]
    if not entries:
        return ()
    named: set[str] = set()
    for error in entries:
        value = error.get("value")
        values = value if isinstance(value, list) else [value]
        named.update(str(v).lower() for v in values if isinstance(v, str))
    refused = tuple(login for login in asked if login.lower() in named)
    return refused or tuple(asked)


class GitHubErrors:
    """Translates final GitHub failures for one repository into plansync errors.

    `repository_exists` answers whether the repository itself is visible, so a 404 can say
    whether the repository or the thing inside it is missing; it is asked only on a 404.
    """

    def __init__(self, repo: str, auth_hint: str, repository_exists: Callable[[], bool]) -> None:
        self.repo = repo
        self.auth_hint = auth_hint
        self._repository_exists = repository_exists

    def translate(self, exc: GithubException, doing: str, subject: str = "") -> TrackerError:
        """`doing` says what was asked ("create an issue"); `subject` names the thing a 404
        is about ("issue #12"), empty when the repository itself was the target."""
        status = exc.status
        message = github_message(exc)
        repo = self.repo
        if status == 401:
            return AuthenticationError(
                f"GitHub rejected the token for {repo} ({status} {message}). {self.auth_hint}"
            )
        if status == 403:
            return PermissionDeniedError(
                f"GitHub refused to let the token {doing} in {repo} ({status} {message}); "
                f"the token needs more access to {repo}. {self.auth_hint}"
            )
        if status in (404, 410):
            return self.not_found(status, message, subject)
        if status == 422:
            details = validation_details(exc.data)
            said = f"{message}: {details}" if details else message
            return ValidationFailedError(
                f"GitHub refused to {doing} in {repo} ({status} {said}). Fix the value it "
                "names in the planfile or the configuration and run again."
            )
        return TrackerError(
            f"GitHub answered {status} ({message}) when asked to {doing} in {repo}. Check "
            f"https://www.githubstatus.com and the repository settings, then run again."
        )

    def not_found(self, status: int, message: str, subject: str = "") -> NotFoundError:
        if subject and self._repository_exists():
            return NotFoundError(
                f"GitHub has no {subject} in {self.repo} ({status} {message}); it may have "
                "been deleted or transferred. Remove or fix the reference to it and run again."
            )
        return NotFoundError(
            f"GitHub repository {self.repo} was not found, or the token cannot see it "
            f"({status} {message}). Check the repository name in the configuration, and that "
            "the token has access to it (a fine-grained token must list the repository)."
        )

"""One API request from arrival to answer: faults, authentication, rate limits, the API
handler, conditional answers (ETag / Last-Modified -> 304), service headers, the request log.

Everything here runs under the store's lock; holding an answer back (a "timeout" fault) and
writing it to the socket happen outside, in the server.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import parse_qs, urlsplit

from plansync.sandbox import github_api, gitlab_api
from plansync.sandbox.faults import FaultKind, FaultRule, FaultTiming
from plansync.sandbox.github_app import AppAuth, is_jwt
from plansync.sandbox.http_types import ApiRequest, ApiResponse
from plansync.sandbox.limits import Budget
from plansync.sandbox.requestlog import LoggedRequest
from plansync.sandbox.store import BOT, SandboxStore

log = logging.getLogger(__name__)

API_PREFIXES = {"github": "/api/v3", "gitlab": "/api/v4"}
ACT_AS = "as:"
ANONYMOUS = "(anonymous)"  # whose budget refused tokens are counted against
SECONDARY_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {rid}."
)
SECONDARY_DOCS = (
    "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
)


@dataclass(frozen=True)
class Outcome:
    """What the server does with the connection: send `response` (after holding it for
    `hold` seconds), or close without an answer when `response` is None."""

    response: ApiResponse | None
    hold: float = 0.0


def api_of(path: str) -> str | None:
    for api, prefix in API_PREFIXES.items():
        if path == prefix or path.startswith(prefix + "/"):
            return api
    return None


class Dispatcher:
    def __init__(self, store: SandboxStore, bad_tokens: frozenset[str]) -> None:
        self.store = store
        self.bad_tokens = bad_tokens
        self.github = github_api.GitHubApi(store)
        self.gitlab = gitlab_api.GitLabApi(store)
        self.apps = AppAuth(store)

    def handle(
        self, api: str, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Outcome:
        split = urlsplit(target)
        path = split.path[len(API_PREFIXES[api]) :] or "/"
        with self.store.lock:
            number = self.store.requests.next_number()
            fault = self.store.faults.pick(api, method, split.path)
            token = _token(api, headers)
            app_jwt = api == "github" and token is not None and is_jwt(token)
            if api == "github" and token is not None and token in self.store.apps.tokens:
                user = self.apps.user_of_token(token)  # None once it expired
            elif app_jwt:
                user = None  # the App itself: only its own endpoints answer
            else:
                user = None if token is None or token in self.bad_tokens else _user_of(token)
            if user is not None:
                self.store.add_user(user)
            if fault is not None and fault.when is FaultTiming.BEFORE:
                outcome = self._fault_outcome(api, fault, None, number)
            else:
                request = ApiRequest(
                    method=method,
                    path=path,
                    query=parse_qs(split.query, keep_blank_values=True),
                    headers=headers,
                    body=body,
                    user=user or BOT,
                    base_url=f"http://{headers.get('host', '127.0.0.1')}",
                    raw_target=target,
                )
                response = (
                    self.apps.answer(request, token)
                    if app_jwt and token is not None
                    else self._answer(api, request, token, user, number)
                )
                outcome = (
                    self._fault_outcome(api, fault, response, number)
                    if fault is not None
                    else Outcome(response)
                )
            status = outcome.response.status if outcome.response is not None else None
            self.store.requests.record(
                LoggedRequest(
                    n=number,
                    api=api,
                    method=method,
                    path=target,
                    status=status,
                    user=user,
                    fault=fault.kind.value if fault is not None else None,
                    at=self.store.now(),
                )
            )
            return outcome

    # the real answer ---------------------------------------------------------------------

    def _answer(
        self, api: str, request: ApiRequest, token: str | None, user: str | None, number: int
    ) -> ApiResponse:
        limits = self.store.limits
        if token is None or user is None:
            if api == "gitlab":
                refusal = gitlab_api.unauthorized()
            elif token is None:
                refusal = github_api.requires_authentication()
            else:
                refusal = github_api.bad_credentials()
            return self._decorate(api, refusal, limits.budget(api, ANONYMOUS), number)
        budget = limits.budget(api, user)
        if budget.remaining <= 0:
            return self._decorate(api, self._primary_refusal(api, user, budget), budget, number)
        retry_after = limits.secondary_retry_after(request.method)
        if retry_after is not None:
            refusal = self._secondary_refusal(api, retry_after, number)
            return self._decorate(api, refusal, budget, number)
        try:
            if api == "github":
                response = self.github.dispatch(request)
            else:
                response = self.gitlab.dispatch(request)
        except Exception as exc:  # a sandbox bug: answer 500 and say so, never hang up
            log.exception("sandbox %s handler failed on %s %s", api, request.method, request.path)
            message = "Server Error" if api == "github" else "500 Internal Server Error"
            detail = f"{type(exc).__name__}: {exc}"
            response = ApiResponse.json(500, {"message": message, "sandbox_error": detail})
        if 200 <= response.status < 300:
            limits.record_create(request.method)
        response = _conditional(request, response)
        if response.status != 304:
            limits.spend(api, user)  # a 304 does not count against the budget, as on GitHub
        return self._decorate(api, response, limits.budget(api, user), number)

    def _primary_refusal(self, api: str, user: str, budget: Budget) -> ApiResponse:
        wait = budget.seconds_to_reset(self.store.now().timestamp())
        if api == "github":
            return ApiResponse.json(
                403,
                {
                    "message": (f"API rate limit exceeded for user ID {self.store.user_id(user)}."),
                    "documentation_url": (
                        "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"
                    ),
                },
            )
        return gitlab_api.retry_later(wait, self.store.now())

    def _secondary_refusal(self, api: str, retry_after: int, number: int) -> ApiResponse:
        if api == "github":
            response = ApiResponse.json(
                403,
                {
                    "message": SECONDARY_MESSAGE.format(rid=_request_id(number)),
                    "documentation_url": SECONDARY_DOCS,
                },
            )
            response.headers.append(("Retry-After", str(retry_after)))
            return response
        return gitlab_api.retry_later(retry_after, self.store.now())

    def _decorate(
        self, api: str, response: ApiResponse, budget: Budget, number: int
    ) -> ApiResponse:
        """The headers every answer of the service carries (unless it has its own)."""
        reset = str(budget.reset_epoch)
        if api == "github":
            _add_missing(
                response,
                [
                    ("X-GitHub-Media-Type", "github.v3; format=json"),
                    ("X-GitHub-Api-Version-Selected", "2022-11-28"),
                    ("X-GitHub-Request-Id", _request_id(number)),
                    ("X-OAuth-Scopes", "repo"),
                    ("X-Accepted-OAuth-Scopes", "repo"),
                    ("X-RateLimit-Limit", str(budget.limit)),
                    ("X-RateLimit-Remaining", str(budget.remaining)),
                    ("X-RateLimit-Reset", reset),
                    ("X-RateLimit-Used", str(budget.used)),
                    ("X-RateLimit-Resource", "core"),
                    ("Cache-Control", "private, max-age=60, s-maxage=60"),
                    ("Vary", "Accept, Authorization, Cookie, X-GitHub-OTP"),
                ],
            )
        else:
            reset_time = format_datetime(
                datetime.fromtimestamp(budget.reset_epoch, tz=self.store.now().tzinfo),
                usegmt=True,
            )
            _add_missing(
                response,
                [
                    ("X-Request-Id", _request_id(number).replace(":", "")),
                    ("RateLimit-Name", "throttle_authenticated_api"),
                    ("RateLimit-Limit", str(budget.limit)),
                    ("RateLimit-Observed", str(budget.used)),
                    ("RateLimit-Remaining", str(budget.remaining)),
                    ("RateLimit-Reset", reset),
                    ("RateLimit-ResetTime", reset_time),
                    ("Cache-Control", "max-age=0, private, must-revalidate"),
                ],
            )
        return response

    # faults ------------------------------------------------------------------------------

    def _fault_outcome(
        self, api: str, fault: FaultRule, applied: ApiResponse | None, number: int
    ) -> Outcome:
        if fault.kind is FaultKind.DROP:
            return Outcome(None)
        if fault.kind is FaultKind.TIMEOUT:
            # Held past the client's patience; "before" then closes without doing anything,
            # "after" sends the (late) answer of the write it applied.
            return Outcome(applied, hold=fault.seconds)
        if fault.kind is FaultKind.TOO_MANY_REQUESTS:
            if api == "github":
                response = ApiResponse.json(
                    429,
                    {
                        "message": SECONDARY_MESSAGE.format(rid=_request_id(number)),
                        "documentation_url": SECONDARY_DOCS,
                    },
                )
                response.headers.append(("Retry-After", str(fault.retry_after)))
                return Outcome(response)
            return Outcome(gitlab_api.retry_later(fault.retry_after, self.store.now()))
        if fault.kind is FaultKind.BAD_GATEWAY:
            page = (
                b"<html><head><title>502 Bad Gateway</title></head><body>"
                b"<center><h1>502 Bad Gateway</h1></center></body></html>\n"
            )
            return Outcome(ApiResponse(502, page, content_type="text/html"))
        message = "Server Error" if api == "github" else "500 Internal Server Error"
        return Outcome(ApiResponse.json(500, {"message": message}))


def _add_missing(response: ApiResponse, headers: list[tuple[str, str]]) -> None:
    present = {key.lower() for key, _ in response.headers}
    response.headers.extend((k, v) for k, v in headers if k.lower() not in present)


def _conditional(request: ApiRequest, response: ApiResponse) -> ApiResponse:
    """Add ETag / Last-Modified to a successful read, and answer 304 when the client's
    validator still matches."""
    if request.method not in ("GET", "HEAD") or response.status != 200:
        return response
    etag = 'W/"' + hashlib.sha256(response.body).hexdigest() + '"'
    response.headers.append(("ETag", etag))
    modified = response.last_modified
    if modified is not None:
        response.headers.append(("Last-Modified", format_datetime(modified, usegmt=True)))
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        if _etag_matches(if_none_match, etag):
            return _not_modified(response)
        return response
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since and modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return response
        if since.tzinfo is not None and modified.replace(microsecond=0) <= since:
            return _not_modified(response)
    return response


def _etag_matches(header: str, etag: str) -> bool:
    def weak(tag: str) -> str:
        return tag.strip().removeprefix("W/")

    candidates = [t for t in header.split(",") if t.strip()]
    return any(t.strip() == "*" or weak(t) == weak(etag) for t in candidates)


def _not_modified(response: ApiResponse) -> ApiResponse:
    kept = [(k, v) for k, v in response.headers if k.lower() in ("etag", "last-modified")]
    return ApiResponse(304, b"", content_type="", headers=kept)


def _token(api: str, headers: Mapping[str, str]) -> str | None:
    if api == "gitlab":
        private = headers.get("private-token") or headers.get("job-token")
        if private:
            return private.strip()
    auth = headers.get("authorization", "").strip()
    scheme, _, value = auth.partition(" ")
    scheme = scheme.lower()
    if scheme in ("token", "bearer") and value.strip():
        return value.strip()
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        secret = decoded.partition(":")[2]
        return secret or None
    return None


def _user_of(token: str) -> str:
    """'as:alice' acts as alice; any other accepted token is the bot."""
    if token.startswith(ACT_AS) and len(token) > len(ACT_AS):
        return token[len(ACT_AS) :]
    return BOT


def _request_id(number: int) -> str:
    digest = hashlib.sha1(str(number).encode()).hexdigest().upper()
    return f"{digest[:4]}:{digest[4:9]}:{digest[9:16]}:{digest[16:23]}:{number:08X}"

"""How adapters react to failed requests: honour rate limits, retry what is safe to retry.

An adapter wraps each request in `call_with_retries` and hands it a `classify` function that
turns its library's exceptions into a `Verdict`; `verdict_for_status` and `wait_from_headers`
do the HTTP part of that for both trackers. The rules:

- a rate-limit answer means the request was refused, so any request is retried after the
  advised wait; a wait of up to `max_wait` (exactly `max_wait` included) is waited, one longer
  stops the run cleanly at once, without sleeping first (RateLimitedError). The rule is the
  same for every tracker and every answer of a call: each advised wait is judged on its own;
- a 5xx, a timeout or a dropped connection leaves unknown whether a write happened: idempotent
  requests are retried with backoff, non-idempotent ones raise UnclearWriteError at once so the
  adapter can look for its marker instead of creating a duplicate;
- anything else is the adapter's to explain, and is raised as it came.

`write_once` is the other half of the second rule: it looks for an unclear write's result before
it tries the write again, so nothing is ever made twice.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import NoReturn, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from plansync.clock import Clock, SystemClock
from plansync.errors import (
    RateLimitedError,
    StopRequested,
    TrackerError,
    TrackerUnavailableError,
)
from plansync.trackers.waits import current_rules

T = TypeVar("T")

log = logging.getLogger(__name__)

# GitHub: "if no retry-after or x-ratelimit headers, wait at least one minute"; the same
# fallback serves a bare 429 from any tracker.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# Added to every advised wait: the tracker's clock and ours are never exactly in step.
RATE_LIMIT_MARGIN = 1.0
BACKOFF_FIRST = 0.5
BACKOFF_CAP = 8.0
# Statuses that say "try again later" without saying the request was refused.
TRANSIENT_STATUSES = frozenset({408, 500, 502, 503, 504})
# A RateLimit-Reset below this is a number of seconds (IETF draft), not an epoch (GitLab).
_EPOCH_THRESHOLD = 1_000_000_000
# A wait a stop may end is slept in steps this long, so a stop ends it within a second.
STOP_POLL = 0.5
# How often a write whose outcome stayed unknown, and whose result was then not found, is tried.
UNCLEAR_WRITE_ATTEMPTS = 3


class Outcome(StrEnum):
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    FATAL = "fatal"


@dataclass(frozen=True)
class Verdict:
    """What a failure means. `wait_seconds` is read for RATE_LIMITED only (None: 60 s);
    `detail` says what happened in a few words for error messages ("HTTP 502")."""

    outcome: Outcome
    wait_seconds: float | None = None
    detail: str = ""


class UnclearWriteError(TrackerError):
    """A non-idempotent write failed in a way that leaves unknown whether it took effect.

    The adapter must look for the write's marker before trying again. The original exception
    is the `__cause__`.
    """


def wait_from_headers(
    status: int, headers: Mapping[str, str], now: datetime, body_message: str = ""
) -> float | None:
    """Seconds to wait when this answer is a rate-limit answer, else None.

    Only 403 and 429 can be rate-limit answers. In order: Retry-After (seconds or HTTP-date);
    GitHub's x-ratelimit-remaining 0 with x-ratelimit-reset (epoch seconds); GitLab's
    RateLimit-Remaining 0 (or a 429) with RateLimit-Reset (epoch seconds); a message that
    speaks of a rate limit (GitHub's secondary limits) or a bare 429: 60 s. A 403 with none of
    these is a permission problem: None.
    """
    if now.tzinfo is None:
        raise ValueError(
            f"wait_from_headers needs an aware UTC time; got {now.isoformat()} without a "
            "timezone (use Clock.now())."
        )
    if status not in (403, 429):
        return None
    lowered = {name.lower(): value.strip() for name, value in headers.items()}

    retry_after = _parse_retry_after(lowered.get("retry-after"), now)
    if retry_after is not None:
        return retry_after

    if lowered.get("x-ratelimit-remaining") == "0":
        reset = _parse_number(lowered.get("x-ratelimit-reset"))
        return _until_epoch(reset, now) if reset is not None else DEFAULT_RATE_LIMIT_WAIT

    gitlab_reset = _parse_number(lowered.get("ratelimit-reset"))
    if lowered.get("ratelimit-remaining") == "0" or (status == 429 and gitlab_reset is not None):
        if gitlab_reset is None:
            return DEFAULT_RATE_LIMIT_WAIT
        if gitlab_reset < _EPOCH_THRESHOLD:
            return max(0.0, gitlab_reset)
        return _until_epoch(gitlab_reset, now)

    if "rate limit" in body_message.lower() or status == 429:
        return DEFAULT_RATE_LIMIT_WAIT
    return None


def verdict_for_status(
    status: int, headers: Mapping[str, str], now: datetime, body_message: str = ""
) -> Verdict:
    """The verdict on an HTTP error answer: rate limit, transient (5xx, 408) or fatal."""
    wait = wait_from_headers(status, headers, now, body_message)
    if wait is not None:
        return Verdict(Outcome.RATE_LIMITED, wait, f"HTTP {status} rate limit")
    if status in TRANSIENT_STATUSES:
        return Verdict(Outcome.TRANSIENT, None, f"HTTP {status}")
    return Verdict(Outcome.FATAL, None, f"HTTP {status}")


@dataclass(frozen=True)
class _Failure:
    """One failed attempt that may be retried, and how long to wait before the next one."""

    verdict: Verdict
    error: Exception
    delay: float


class _RetryLater(Exception):
    def __init__(self, failure: _Failure) -> None:
        super().__init__(failure.verdict.detail)
        self.failure = failure


def call_with_retries(
    fn: Callable[[], T],
    *,
    classify: Callable[[BaseException], Verdict],
    idempotent: bool,
    what: str,
    max_wait: float = 60.0,
    max_attempts: int = 5,
    clock: Clock | None = None,
) -> T:
    """Call `fn`, retrying as its failures allow (see the module docstring).

    `what` names the tracker and repository ("GitHub demo/plans") for error messages.
    Raises RateLimitedError when a wait would exceed `max_wait` (or the limit persists after
    `max_attempts`), UnclearWriteError for a transient failure of a non-idempotent call,
    TrackerUnavailableError when transient failures outlast `max_attempts`, and any FATAL
    exception unchanged.
    """
    if max_attempts < 1:
        raise ValueError(f"max_attempts is {max_attempts} for {what}; it must be at least 1.")
    if max_wait < 0:
        raise ValueError(f"max_wait is {max_wait} s for {what}; it must be 0 or more.")
    clock = clock if clock is not None else SystemClock()
    transient_failures = 0

    def attempt() -> T:
        nonlocal transient_failures
        try:
            return fn()
        except Exception as exc:
            verdict = classify(exc)
            if verdict.outcome is Outcome.FATAL:
                raise
            if verdict.outcome is Outcome.RATE_LIMITED:
                wait = (
                    verdict.wait_seconds
                    if verdict.wait_seconds is not None
                    else DEFAULT_RATE_LIMIT_WAIT
                )
                if wait > max_wait:
                    _raise_rate_limited(what, wait, max_wait, clock, exc, attempts=None)
                raise _RetryLater(_Failure(verdict, exc, wait + RATE_LIMIT_MARGIN)) from exc
            if not idempotent:
                raise UnclearWriteError(
                    f"{what}: a write failed with {_describe(verdict, exc)}, so it is unknown "
                    "whether it took effect; look for it on the tracker before trying again."
                ) from exc
            transient_failures += 1
            backoff = min(BACKOFF_FIRST * 2 ** (transient_failures - 1), BACKOFF_CAP)
            raise _RetryLater(_Failure(verdict, exc, backoff)) from exc

    def wait_for(state: RetryCallState) -> float:
        return _failure_of(state).delay

    def before_sleep(state: RetryCallState) -> None:
        failure = _failure_of(state)
        log.warning(
            "%s: %s (attempt %d of %d); retrying in %.1f s",
            what,
            _describe(failure.verdict, failure.error),
            state.attempt_number,
            max_attempts,
            failure.delay,
        )

    def give_up(state: RetryCallState) -> NoReturn:
        failure = _failure_of(state)
        if failure.verdict.outcome is Outcome.RATE_LIMITED:
            _raise_rate_limited(
                what,
                failure.delay - RATE_LIMIT_MARGIN,
                max_wait,
                clock,
                failure.error,
                attempts=max_attempts,
            )
        raise TrackerUnavailableError(
            f"{what} kept failing after {max_attempts} attempts (last: "
            f"{_describe(failure.verdict, failure.error)}); the tracker may be down or "
            "unreachable, so nothing more was tried. Retry later."
        ) from failure.error

    retrying = Retrying(
        sleep=lambda seconds: _sleep(clock, float(seconds), what),
        stop=stop_after_attempt(max_attempts),
        wait=wait_for,
        retry=retry_if_exception_type(_RetryLater),
        before_sleep=before_sleep,
        retry_error_callback=give_up,
    )
    return retrying(attempt)


def write_once(
    attempt: Callable[[], T],
    find_existing: Callable[[], T | None] | None,
    *,
    what: str,
    attempts: int = UNCLEAR_WRITE_ATTEMPTS,
) -> T:
    """Carry out a write that must take effect once, and return its result.

    `attempt` makes the write and raises UnclearWriteError when it may or may not have taken
    effect. `find_existing` then looks on the tracker for what the write would have made:
    what it finds is returned, and only when it finds nothing is the write tried again, at
    most `attempts` times in all. It may raise to say that trying again is wrong (a file
    someone else changed meanwhile). Without `find_existing` a duplicate could not be told
    apart, so the first unclear failure is raised as it came.

    `what` names the write and its place, as a verb phrase for messages ("create issue
    'Parse tables' in GitHub demo/plans"). Raises TrackerUnavailableError when every attempt
    failed unclearly and nothing was found after any of them.
    """
    if attempts < 1:
        raise ValueError(f"attempts is {attempts} to {what}; it must be at least 1.")
    last: UnclearWriteError | None = None
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except UnclearWriteError as exc:
            if find_existing is None:
                raise
            last = exc
        found = find_existing()
        if found is not None:
            log.info("%s: the write whose answer was lost had taken effect", what)
            return found
        log.warning(
            "%s: attempt %d of %d failed without a clear answer and left nothing behind",
            what,
            number,
            attempts,
        )
    raise TrackerUnavailableError(
        f"Could not {what}: {attempts} attempts failed without a clear answer, and looking "
        "after each one found nothing written, so nothing was. The tracker may be down or "
        "unreachable; run again later."
    ) from last


def _sleep(clock: Clock, seconds: float, what: str) -> None:
    """Wait before a retry; the run's stop (waits.py) ends the wait within a second."""
    stop = current_rules().stop
    if stop is None:
        clock.sleep(seconds)
        return
    end = clock.monotonic() + seconds
    while (remaining := end - clock.monotonic()) > 0:
        if stop.is_set():
            raise StopRequested(f"A stop was asked for while {what} was waited for a retry.")
        clock.sleep(min(remaining, STOP_POLL))


def _failure_of(state: RetryCallState) -> _Failure:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    if not isinstance(error, _RetryLater):
        # The retry predicate only lets _RetryLater through, so this is a broken invariant.
        raise RuntimeError(f"retry state holds {error!r} instead of a retryable failure")
    return error.failure


def _raise_rate_limited(
    what: str,
    wait: float,
    max_wait: float,
    clock: Clock,
    cause: BaseException,
    *,
    attempts: int | None,
) -> NoReturn:
    retry_at = ceil_second(clock.now() + timedelta(seconds=wait + RATE_LIMIT_MARGIN))
    at = retry_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if attempts is None:
        reason = (
            f"{what} asked to wait {duration_text(wait)} before the next request, longer than "
            f"the {duration_text(max_wait)} this run may wait"
        )
    else:
        reason = (
            f"{what} still answered with a rate limit after {attempts} attempts and asked "
            f"to wait {duration_text(wait)} more"
        )
    raise RateLimitedError(
        f"{reason}, so the run stopped cleanly with nothing half-done; run it again after {at}.",
        retry_at=retry_at,
    ) from cause


def _describe(verdict: Verdict, error: BaseException) -> str:
    if verdict.detail:
        return verdict.detail
    text = str(error).strip().splitlines()
    first = text[0] if text else ""
    summary = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return summary if len(summary) <= 200 else summary[:197] + "..."


def duration_text(seconds: float) -> str:
    """A wait in words: `45 s`, `52 min`, `2 h 5 min`."""
    whole = math.ceil(seconds)
    if whole < 120:
        return f"{whole} s"
    minutes = math.ceil(whole / 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def ceil_second(moment: datetime) -> datetime:
    """`moment` rounded up to a whole second (a time to retry at is never too early)."""
    if moment.microsecond:
        moment = moment.replace(microsecond=0) + timedelta(seconds=1)
    return moment


def _parse_number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After is delta-seconds or an HTTP-date (RFC 9110 section 10.2.3)."""
    if value is None or not value:
        return None
    seconds = _parse_number(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:  # "-0000": HTTP dates are always GMT
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def _until_epoch(epoch: float, now: datetime) -> float:
    return max(0.0, epoch - now.timestamp())

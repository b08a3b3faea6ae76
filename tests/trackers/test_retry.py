"""Rate-limit answers, retries with backoff, and the errors that end a run cleanly."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses

from plansync.clock import FakeClock
from plansync.errors import (
    RateLimitedError,
    StaleFileError,
    StopRequested,
    TrackerError,
    TrackerUnavailableError,
)
from plansync.trackers.retry import (
    Outcome,
    UnclearWriteError,
    Verdict,
    call_with_retries,
    verdict_for_status,
    wait_from_headers,
    write_once,
)
from plansync.trackers.waits import WaitRules, rules_for_run

NOW = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
EPOCH_NOW = int(NOW.timestamp())


class HttpFailure(Exception):
    """What an adapter's library raises for an error answer, reduced to what matters."""

    def __init__(self, status: int, headers: Mapping[str, str] | None = None, message: str = ""):
        super().__init__(f"{status} {message}".strip())
        self.status = status
        self.headers = dict(headers or {})
        self.message = message


class Fatal(Exception):
    pass


def classify_with(clock: FakeClock) -> Callable[[BaseException], Verdict]:
    def classify(exc: BaseException) -> Verdict:
        if isinstance(exc, HttpFailure):
            return verdict_for_status(exc.status, exc.headers, clock.now(), exc.message)
        if isinstance(exc, ConnectionError):
            return Verdict(Outcome.TRANSIENT, detail="connection dropped")
        return Verdict(Outcome.FATAL)

    return classify


@dataclass
class Script:
    """A callable that fails with the given exceptions, in order, then returns `result`."""

    failures: list[BaseException]
    result: str = "done"
    calls: int = 0
    raised: list[BaseException] = field(default_factory=list)

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            error = self.failures.pop(0)
            self.raised.append(error)
            raise error
        return self.result


def rate_limited(seconds: int) -> HttpFailure:
    return HttpFailure(429, {"Retry-After": str(seconds)})


class TestWaitFromHeaders:
    @pytest.mark.parametrize("status", [403, 429])
    def test_retry_after_seconds(self, status: int) -> None:
        assert wait_from_headers(status, {"Retry-After": "120"}, NOW) == 120.0

    def test_header_names_are_case_insensitive(self) -> None:
        assert wait_from_headers(429, {"rEtRy-AfTeR": "7"}, NOW) == 7.0

    def test_retry_after_http_date(self) -> None:
        headers = {"Retry-After": "Mon, 01 Jan 2024 12:02:30 GMT"}
        assert wait_from_headers(429, headers, NOW) == 150.0

    def test_retry_after_date_in_the_past_means_no_wait(self) -> None:
        headers = {"Retry-After": "Mon, 01 Jan 2024 11:00:00 GMT"}
        assert wait_from_headers(429, headers, NOW) == 0.0

    def test_unreadable_retry_after_falls_through_to_the_other_headers(self) -> None:
        headers = {
            "Retry-After": "soon",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(EPOCH_NOW + 30),
        }
        assert wait_from_headers(403, headers, NOW) == 30.0

    def test_github_primary_limit_waits_until_reset(self) -> None:
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(EPOCH_NOW + 900)}
        assert wait_from_headers(403, headers, NOW) == 900.0

    def test_github_primary_limit_without_reset_waits_a_minute(self) -> None:
        assert wait_from_headers(403, {"x-ratelimit-remaining": "0"}, NOW) == 60.0

    def test_gitlab_ratelimit_reset_epoch(self) -> None:
        headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": str(EPOCH_NOW + 42)}
        assert wait_from_headers(429, headers, NOW) == 42.0

    def test_gitlab_ratelimit_reset_on_a_429_without_remaining(self) -> None:
        assert wait_from_headers(429, {"RateLimit-Reset": str(EPOCH_NOW + 5)}, NOW) == 5.0

    def test_ratelimit_reset_as_delta_seconds(self) -> None:
        headers = {"RateLimit-Remaining": "0", "RateLimit-Reset": "30"}
        assert wait_from_headers(429, headers, NOW) == 30.0

    def test_github_secondary_limit_message_waits_at_least_a_minute(self) -> None:
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you "
            "try again."
        )
        assert wait_from_headers(403, {}, NOW, message) == 60.0

    def test_secondary_limit_with_retry_after_uses_the_header(self) -> None:
        message = "You have exceeded a secondary rate limit."
        assert wait_from_headers(403, {"Retry-After": "300"}, NOW, message) == 300.0

    def test_bare_429_waits_a_minute(self) -> None:
        assert wait_from_headers(429, {}, NOW) == 60.0

    def test_plain_403_is_not_a_rate_limit(self) -> None:
        headers = {"X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": str(EPOCH_NOW + 900)}
        message = "Resource not accessible by integration"
        assert wait_from_headers(403, headers, NOW, message) is None

    @pytest.mark.parametrize("status", [200, 404, 500, 503])
    def test_other_statuses_are_never_rate_limits(self, status: int) -> None:
        headers = {"Retry-After": "10", "X-RateLimit-Remaining": "0"}
        assert wait_from_headers(status, headers, NOW) is None

    def test_naive_now_is_refused(self) -> None:
        with pytest.raises(ValueError, match="aware"):
            wait_from_headers(429, {}, datetime(2024, 1, 1))


class TestVerdictForStatus:
    def test_rate_limit(self) -> None:
        verdict = verdict_for_status(429, {"Retry-After": "9"}, NOW)
        assert (verdict.outcome, verdict.wait_seconds) == (Outcome.RATE_LIMITED, 9.0)

    @pytest.mark.parametrize("status", [408, 500, 502, 503, 504])
    def test_transient(self, status: int) -> None:
        assert verdict_for_status(status, {}, NOW).outcome is Outcome.TRANSIENT

    @pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
    def test_fatal(self, status: int) -> None:
        verdict = verdict_for_status(status, {}, NOW)
        assert verdict.outcome is Outcome.FATAL
        assert verdict.detail == f"HTTP {status}"


class TestRateLimited:
    @pytest.mark.parametrize("idempotent", [True, False])
    def test_waits_the_advised_time_then_succeeds(self, idempotent: bool) -> None:
        clock = FakeClock(NOW)
        call = Script([rate_limited(30)])
        result = call_with_retries(
            call,
            classify=classify_with(clock),
            idempotent=idempotent,
            what="GitHub demo/plans",
            clock=clock,
        )
        assert result == "done"
        assert call.calls == 2
        assert clock.sleeps == [31.0]  # 30 s advised + 1 s margin

    def test_a_stop_ends_the_wait_for_a_retry_within_a_second(self) -> None:
        stop = threading.Event()

        class StoppingClock(FakeClock):
            def sleep(self, seconds: float) -> None:
                super().sleep(seconds)
                if sum(self.sleeps) >= 5.0:
                    stop.set()

        clock = StoppingClock(NOW)
        call = Script([rate_limited(30)])
        with rules_for_run(WaitRules(stop=stop)), pytest.raises(StopRequested):
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                clock=clock,
            )
        assert call.calls == 1
        assert 5.0 <= sum(clock.sleeps) <= 6.0

    def test_no_advised_wait_means_a_minute(self) -> None:
        clock = FakeClock(NOW)
        call = Script([Exception("limited")])
        result = call_with_retries(
            call,
            classify=lambda exc: Verdict(Outcome.RATE_LIMITED),
            idempotent=False,
            what="GitLab group/project",
            clock=clock,
        )
        assert result == "done"
        assert clock.sleeps == [61.0]

    def test_a_wait_beyond_max_wait_stops_cleanly(self) -> None:
        clock = FakeClock(NOW)
        call = Script(
            [
                HttpFailure(
                    403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(EPOCH_NOW + 1800)}
                )
            ]
        )
        with pytest.raises(RateLimitedError) as caught:
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                max_wait=60.0,
                clock=clock,
            )
        error = caught.value
        assert call.calls == 1
        assert clock.sleeps == []
        assert error.retry_at == NOW + timedelta(seconds=1801)
        message = str(error)
        assert "GitHub demo/plans" in message
        assert "30 min" in message
        assert "stopped cleanly" in message
        assert "2024-01-01 12:30:01 UTC" in message
        assert error.__cause__ is call.raised[0]

    def test_a_limit_that_persists_past_max_attempts_stops_cleanly(self) -> None:
        clock = FakeClock(NOW)
        call = Script([rate_limited(10) for _ in range(3)])
        with pytest.raises(RateLimitedError) as caught:
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                max_attempts=3,
                clock=clock,
            )
        assert call.calls == 3
        assert clock.sleeps == [11.0, 11.0]
        assert caught.value.retry_at == NOW + timedelta(seconds=22 + 11)
        assert "3 attempts" in str(caught.value)

    def test_a_wait_exactly_at_max_wait_is_still_waited(self) -> None:
        clock = FakeClock(NOW)
        call = Script([rate_limited(60)])
        call_with_retries(
            call,
            classify=classify_with(clock),
            idempotent=False,
            what="GitHub demo/plans",
            max_wait=60.0,
            clock=clock,
        )
        assert clock.sleeps == [61.0]


class TestTransient:
    def test_non_idempotent_write_becomes_unclear_at_once(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(502)])
        with pytest.raises(UnclearWriteError) as caught:
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=False,
                what="GitHub demo/plans",
                clock=clock,
            )
        assert call.calls == 1
        assert clock.sleeps == []
        assert isinstance(caught.value, TrackerError)
        assert caught.value.__cause__ is call.raised[0]
        assert "GitHub demo/plans" in str(caught.value)
        assert "HTTP 502" in str(caught.value)

    def test_dropped_connection_on_a_write_is_unclear_too(self) -> None:
        clock = FakeClock(NOW)
        call = Script([ConnectionError("reset by peer")])
        with pytest.raises(UnclearWriteError, match="connection dropped"):
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=False,
                what="GitLab group/project",
                clock=clock,
            )
        assert call.calls == 1

    def test_idempotent_call_retries_with_backoff_then_succeeds(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(503), ConnectionError("reset")])
        result = call_with_retries(
            call,
            classify=classify_with(clock),
            idempotent=True,
            what="GitHub demo/plans",
            clock=clock,
        )
        assert result == "done"
        assert call.calls == 3
        assert clock.sleeps == [0.5, 1.0]

    def test_idempotent_5xx_every_time_ends_unavailable(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(502) for _ in range(5)])
        with pytest.raises(TrackerUnavailableError) as caught:
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                clock=clock,
            )
        assert call.calls == 5
        assert clock.sleeps == [0.5, 1.0, 2.0, 4.0]
        message = str(caught.value)
        assert "GitHub demo/plans" in message
        assert "HTTP 502" in message
        assert "Retry later" in message
        assert caught.value.__cause__ is call.raised[-1]

    def test_backoff_is_capped(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(500) for _ in range(7)])
        call_with_retries(
            call,
            classify=classify_with(clock),
            idempotent=True,
            what="GitHub demo/plans",
            max_attempts=8,
            clock=clock,
        )
        assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]

    def test_a_rate_limit_does_not_advance_the_backoff(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(500), rate_limited(5), HttpFailure(500)])
        call_with_retries(
            call,
            classify=classify_with(clock),
            idempotent=True,
            what="GitHub demo/plans",
            clock=clock,
        )
        assert clock.sleeps == [0.5, 6.0, 1.0]

    def test_error_without_detail_is_described_by_its_exception(self) -> None:
        clock = FakeClock(NOW)
        call = Script([OSError("network unreachable")])
        with pytest.raises(UnclearWriteError, match="OSError: network unreachable"):
            call_with_retries(
                call,
                classify=lambda exc: Verdict(Outcome.TRANSIENT),
                idempotent=False,
                what="GitHub demo/plans",
                clock=clock,
            )


class TestFatal:
    def test_fatal_errors_are_raised_unchanged_after_one_call(self) -> None:
        clock = FakeClock(NOW)
        error = Fatal("no such label")
        call = Script([error])
        with pytest.raises(Fatal) as caught:
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                clock=clock,
            )
        assert caught.value is error
        assert call.calls == 1
        assert clock.sleeps == []

    def test_plain_403_is_fatal_not_retried(self) -> None:
        clock = FakeClock(NOW)
        call = Script([HttpFailure(403, {}, "Must have admin rights to Repository.")])
        with pytest.raises(HttpFailure):
            call_with_retries(
                call,
                classify=classify_with(clock),
                idempotent=True,
                what="GitHub demo/plans",
                clock=clock,
            )
        assert call.calls == 1


class TestArguments:
    @pytest.mark.parametrize(
        ("kwargs", "word"),
        [
            ({"max_attempts": 0}, "max_attempts"),
            ({"max_wait": -1.0}, "max_wait"),
        ],
    )
    def test_impossible_arguments_are_refused(self, kwargs: dict[str, Any], word: str) -> None:
        call = Script([])
        with pytest.raises(ValueError, match=word):
            call_with_retries(
                call,
                classify=lambda exc: Verdict(Outcome.FATAL),
                idempotent=True,
                what="GitHub demo/plans",
                clock=FakeClock(NOW),
                **kwargs,
            )
        assert call.calls == 0


def unclear() -> UnclearWriteError:
    return UnclearWriteError("GitHub demo/plans: a write failed with HTTP 502")


@dataclass
class Lookup:
    """A `find_existing` that answers the given results, in order, counting its calls."""

    answers: list[str | None]
    calls: int = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.answers.pop(0)


class TestWriteOnce:
    WHAT = "create issue 'Parse tables' in GitHub demo/plans"

    def test_a_clear_success_is_not_looked_for(self) -> None:
        attempt = Script([], result="#7")
        find = Lookup([])
        assert write_once(attempt, find, what=self.WHAT) == "#7"
        assert (attempt.calls, find.calls) == (1, 0)

    def test_an_unclear_write_found_afterwards_is_not_made_again(self) -> None:
        attempt = Script([unclear()], result="#8")
        find = Lookup(["#7"])
        assert write_once(attempt, find, what=self.WHAT) == "#7"
        assert (attempt.calls, find.calls) == (1, 1)

    def test_an_unclear_write_found_absent_is_made_again(self) -> None:
        attempt = Script([unclear(), unclear()], result="#9")
        find = Lookup([None, None])
        assert write_once(attempt, find, what=self.WHAT) == "#9"
        assert (attempt.calls, find.calls) == (3, 2)

    def test_unclear_and_absent_every_time_ends_unavailable(self) -> None:
        attempt = Script([unclear() for _ in range(4)])
        find = Lookup([None] * 4)
        with pytest.raises(TrackerUnavailableError) as raised:
            write_once(attempt, find, what=self.WHAT, attempts=4)
        assert str(raised.value).startswith(
            "Could not create issue 'Parse tables' in GitHub demo/plans: 4 attempts failed"
        )
        assert raised.value.__cause__ is attempt.raised[-1]
        assert (attempt.calls, find.calls) == (4, 4)

    def test_without_a_way_to_look_the_unclear_failure_is_raised_as_it_came(self) -> None:
        failure = unclear()
        attempt = Script([failure])
        with pytest.raises(UnclearWriteError) as raised:
            write_once(attempt, None, what=self.WHAT)
        assert raised.value is failure
        assert attempt.calls == 1

    def test_a_lookup_that_forbids_another_attempt_ends_it(self) -> None:
        attempt = Script([unclear()])

        def find() -> str | None:
            raise StaleFileError("PLAN.md in GitHub repository demo/plans changed")

        with pytest.raises(StaleFileError):
            write_once(attempt, find, what=self.WHAT)
        assert attempt.calls == 1

    def test_a_clear_failure_is_raised_without_looking(self) -> None:
        attempt = Script([TrackerError("GitHub refused to create issue 'Parse tables'")])
        find = Lookup([])
        with pytest.raises(TrackerError, match="refused"):
            write_once(attempt, find, what=self.WHAT)
        assert find.calls == 0

    def test_no_attempt_at_all_is_refused(self) -> None:
        attempt = Script([])
        with pytest.raises(ValueError, match="attempts is 0"):
            write_once(attempt, Lookup([]), what=self.WHAT, attempts=0)
        assert attempt.calls == 0


class TestOverHttp:
    """The same rules with real HTTP answers (served by `responses`, no network)."""

    URL = "http://127.0.0.1:9/repos/demo/plans/issues"

    @staticmethod
    def classify_http(clock: FakeClock) -> Callable[[BaseException], Verdict]:
        def classify(exc: BaseException) -> Verdict:
            if isinstance(exc, requests.HTTPError) and exc.response is not None:
                response = exc.response
                message = response.json().get("message", "") if response.content else ""
                return verdict_for_status(
                    response.status_code, response.headers, clock.now(), message
                )
            if isinstance(exc, requests.ConnectionError | requests.Timeout):
                return Verdict(Outcome.TRANSIENT, detail=type(exc).__name__)
            return Verdict(Outcome.FATAL)

        return classify

    @responses.activate
    def test_secondary_limit_then_created(self) -> None:
        clock = FakeClock(NOW)
        responses.post(
            self.URL,
            status=403,
            json={
                "message": "You have exceeded a secondary rate limit and have been "
                "temporarily blocked from content creation."
            },
        )
        responses.post(self.URL, status=201, json={"number": 7})

        def create() -> int:
            response = requests.post(self.URL, json={"title": "T1"}, timeout=5)
            response.raise_for_status()
            number: int = response.json()["number"]
            return number

        number = call_with_retries(
            create,
            classify=self.classify_http(clock),
            idempotent=False,
            what="GitHub demo/plans",
            clock=clock,
        )
        assert number == 7
        assert len(responses.calls) == 2
        assert clock.sleeps == [61.0]

    @responses.activate
    def test_gitlab_429_with_a_long_reset_stops_the_run(self) -> None:
        clock = FakeClock(NOW)
        responses.get(
            self.URL,
            status=429,
            json={"message": "429 Too Many Requests"},
            headers={"RateLimit-Remaining": "0", "RateLimit-Reset": str(EPOCH_NOW + 7200)},
        )

        def read() -> int:
            response = requests.get(self.URL, timeout=5)
            response.raise_for_status()
            return len(response.json())

        with pytest.raises(RateLimitedError, match="GitLab group/project") as caught:
            call_with_retries(
                read,
                classify=self.classify_http(clock),
                idempotent=True,
                what="GitLab group/project",
                max_wait=300.0,
                clock=clock,
            )
        assert caught.value.retry_at == NOW + timedelta(seconds=7201)
        assert len(responses.calls) == 1

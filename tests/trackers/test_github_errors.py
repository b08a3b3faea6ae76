"""GitHub's exact error answers, and what the GitHub adapter makes of them.

Every answer here is what api.github.com sends (status, headers, body); `responses` plays it.
Time is a FakeClock: waits are recorded, never slept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from plansync.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StaleFileError,
    TrackerUnavailableError,
    ValidationFailedError,
)
from plansync.trackers.base import CloseReason, IssueDraft
from plansync.trackers.clock import FakeClock
from plansync.trackers.github import GitHubTracker
from plansync.trackers.markers import task_marker
from plansync.trackers.pacing import PacingLimits, reset_pacers
from plansync.trackers.retry import UnclearWriteError

API = "https://api.github.com"
# PyGithub spells the port out in every URL it requests.
WIRE = "https://api.github.com:443"
REPO_URL = f"{WIRE}/repos/demo/plans"
TOKEN = "ghp_0123456789abcdefSECRETtoken"
START = datetime(2024, 1, 1, tzinfo=UTC)


def issue_json(number: int, title: str, body: str = "", updated: str = "2024-01-01T00:00:00Z"):
    return {
        "url": f"{REPO_URL}/issues/{number}",
        "html_url": f"https://github.com/demo/plans/issues/{number}",
        "id": 1000 + number,
        "node_id": f"I_{number}",
        "number": number,
        "title": title,
        "body": body,
        "state": "open",
        "state_reason": None,
        "labels": [],
        "milestone": None,
        "assignees": [],
        "user": {"login": "plansync-bot", "id": 1},
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": updated,
        "closed_at": None,
        "comments": 0,
    }


def rate_headers(remaining: int, reset: datetime) -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(5000 - remaining),
        "x-ratelimit-reset": str(int(reset.timestamp())),
        "x-ratelimit-resource": "core",
    }


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def tracker(clock: FakeClock) -> GitHubTracker:
    return GitHubTracker(
        "demo/plans", TOKEN, base_url=API, pacing=PacingLimits.DISABLED, clock=clock
    )


def calls(api: responses.RequestsMock, method: str, path: str) -> list[Any]:
    return [
        c
        for c in api.calls
        if c.request.method == method and c.request.url.split("?")[0] == f"{WIRE}{path}"
    ]


class TestAuthentication:
    def test_401_names_the_repository_and_the_variable_to_set(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(
            f"{REPO_URL}/issues",
            status=401,
            json={"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
        )
        with pytest.raises(AuthenticationError) as raised:
            tracker.observe_issues(None)
        assert str(raised.value) == (
            "GitHub rejected the token for demo/plans (401 Bad credentials). Set GITHUB_TOKEN "
            "to a token with the `repo` scope (classic) or Issues/Contents read-write "
            "(fine-grained)."
        )
        assert len(api.calls) == 1  # a refused token is not retried

    def test_the_token_is_sent_but_never_shown(
        self, api: responses.RequestsMock, tracker: GitHubTracker, caplog: pytest.LogCaptureFixture
    ) -> None:
        api.get(f"{REPO_URL}/issues", status=401, json={"message": "Bad credentials"})
        caplog.set_level(logging.DEBUG)
        with pytest.raises(AuthenticationError) as raised:
            tracker.observe_issues(None)
        assert api.calls[0].request.headers["Authorization"] == f"token {TOKEN}"
        assert TOKEN not in str(raised.value)
        assert TOKEN not in caplog.text


class TestConfiguration:
    def test_a_repository_without_owner_is_refused_before_any_request(
        self, api: responses.RequestsMock
    ) -> None:
        with pytest.raises(ConfigError, match="GitHub repository 'plans' is not of the form"):
            GitHubTracker("plans", TOKEN, base_url=API, pacing=PacingLimits.DISABLED)
        assert len(api.calls) == 0

    def test_an_empty_token_names_the_variable(self) -> None:
        with pytest.raises(ConfigError, match="No GitHub token was given for demo/plans"):
            GitHubTracker("demo/plans", "", base_url=API, pacing=PacingLimits.DISABLED)


class TestNotFound:
    def test_unknown_repository(self, api: responses.RequestsMock, tracker: GitHubTracker) -> None:
        not_found = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        api.get(f"{REPO_URL}/issues/7", status=404, json=not_found)
        api.get(REPO_URL, status=404, json=not_found)
        with pytest.raises(NotFoundError) as raised:
            tracker.get_issue(7)
        message = str(raised.value)
        assert message.startswith("GitHub repository demo/plans was not found")
        assert "(404 Not Found)" in message

    def test_missing_issue_in_an_existing_repository_is_none(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/issues/7", status=404, json={"message": "Not Found"})
        api.get(REPO_URL, json={"id": 1, "full_name": "demo/plans"})
        assert tracker.get_issue(7) is None

    def test_writing_to_a_missing_issue_names_it(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.patch(f"{REPO_URL}/issues/7", status=404, json={"message": "Not Found"})
        api.get(REPO_URL, json={"id": 1, "full_name": "demo/plans"})
        with pytest.raises(NotFoundError) as raised:
            tracker.reopen_issue(7)
        assert str(raised.value).startswith("GitHub has no issue #7 in demo/plans (404 Not Found)")


class TestPermission:
    def test_403_without_a_rate_limit_is_a_permission_error_and_not_retried(
        self, api: responses.RequestsMock, tracker: GitHubTracker, clock: FakeClock
    ) -> None:
        api.post(
            f"{REPO_URL}/issues",
            status=403,
            json={"message": "Resource not accessible by personal access token"},
            headers=rate_headers(4990, START + timedelta(hours=1)),
        )
        with pytest.raises(PermissionDeniedError) as raised:
            tracker.create_issue(IssueDraft(title="Add parser"))
        message = str(raised.value)
        assert "create issue 'Add parser' in demo/plans" in message
        assert "(403 Resource not accessible by personal access token)" in message
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 1
        assert clock.sleeps == []


class TestRateLimits:
    def test_primary_limit_waits_until_the_reset(
        self, api: responses.RequestsMock, tracker: GitHubTracker, clock: FakeClock
    ) -> None:
        api.get(
            f"{REPO_URL}/issues",
            status=403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers=rate_headers(0, START + timedelta(seconds=30)),
        )
        api.get(f"{REPO_URL}/issues", json=[issue_json(1, "Parse tables")])
        observed = tracker.observe_issues(None)
        assert [i.title for i in observed.items] == ["Parse tables"]
        assert clock.sleeps[0] == pytest.approx(31.0)  # the reset, plus a second of margin

    def test_secondary_limit_retry_after_retries_even_a_create(
        self, api: responses.RequestsMock, tracker: GitHubTracker, clock: FakeClock
    ) -> None:
        api.post(
            f"{REPO_URL}/issues",
            status=403,
            json={
                "message": "You have exceeded a secondary rate limit and have been temporarily "
                "blocked from content creation. Please retry your request again later."
            },
            headers={"retry-after": "5"},
        )
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(3, "Add parser"))
        created = tracker.create_issue(IssueDraft(title="Add parser"))
        assert created.number == 3
        # A refusal means nothing was created: trying again cannot duplicate.
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 2
        assert clock.sleeps == [pytest.approx(6.0)]

    def test_429_is_retried_after_the_advised_wait(
        self, api: responses.RequestsMock, tracker: GitHubTracker, clock: FakeClock
    ) -> None:
        api.get(
            f"{REPO_URL}/milestones",
            status=429,
            json={"message": "Too many requests"},
            headers={"retry-after": "2"},
        )
        api.get(f"{REPO_URL}/milestones", json=[])
        assert tracker.list_milestones() == []
        assert clock.sleeps == [pytest.approx(3.0)]

    def test_a_wait_beyond_max_wait_stops_with_the_retry_time(
        self, api: responses.RequestsMock, clock: FakeClock
    ) -> None:
        tracker = GitHubTracker(
            "demo/plans",
            TOKEN,
            base_url=API,
            pacing=PacingLimits.DISABLED,
            clock=clock,
            max_wait=60.0,
        )
        reset = START + timedelta(hours=2)
        api.get(
            f"{REPO_URL}/issues",
            status=403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers=rate_headers(0, reset),
        )
        with pytest.raises(RateLimitedError) as raised:
            tracker.observe_issues(None)
        assert raised.value.retry_at is not None
        assert reset <= raised.value.retry_at <= reset + timedelta(seconds=2)
        assert "GitHub demo/plans" in str(raised.value)
        assert "2024-01-01 02:00:01 UTC" in str(raised.value)
        assert clock.sleeps == []
        assert len(api.calls) == 1


class TestValidation:
    def test_422_carries_githubs_details(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/labels", json=[])
        api.post(
            f"{REPO_URL}/labels",
            status=422,
            json={
                "message": "Validation Failed",
                "errors": [{"resource": "Label", "code": "invalid", "field": "color"}],
                "documentation_url": "https://docs.github.com/rest/reference/issues#create-a-label",
            },
        )
        with pytest.raises(ValidationFailedError) as raised:
            tracker.ensure_labels(["phase: 1"])
        message = str(raised.value)
        assert "create label 'phase: 1' in demo/plans" in message
        assert "(422 Validation Failed: Label.color is invalid)" in message

    def test_stale_file_sha_is_a_stale_file_error(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.put(
            f"{REPO_URL}/contents/docs/PLAN.md",
            status=409,
            json={"message": "docs/PLAN.md does not match 3d21ec53a331a6f037a91c368710b9938"},
        )
        with pytest.raises(StaleFileError) as raised:
            tracker.write_file("docs/PLAN.md", b"# Plan\n", "Update plan", "3d21ec53")
        assert "docs/PLAN.md" in str(raised.value)
        assert "demo/plans" in str(raised.value)
        assert len(calls(api, "PUT", "/repos/demo/plans/contents/docs/PLAN.md")) == 1


class TestServerErrors:
    def test_a_read_is_retried_after_a_5xx(
        self, api: responses.RequestsMock, tracker: GitHubTracker, clock: FakeClock
    ) -> None:
        api.get(f"{REPO_URL}/issues/1", status=502, body="<html>Bad Gateway</html>")
        api.get(f"{REPO_URL}/issues/1", json=issue_json(1, "Parse tables"))
        issue = tracker.get_issue(1)
        assert issue is not None
        assert issue.title == "Parse tables"
        assert len(clock.sleeps) == 1
        assert tracker.stats.by_method == {"GET": 2}

    def test_a_dropped_connection_on_a_read_is_retried(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/issues/1", body=requests.ConnectionError("connection reset"))
        api.get(f"{REPO_URL}/issues/1", json=issue_json(1, "Parse tables"))
        issue = tracker.get_issue(1)
        assert issue is not None
        assert tracker.stats.by_method == {"GET": 2}

    def test_persistent_5xx_ends_in_tracker_unavailable(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/milestones", status=503, json={"message": "Service Unavailable"})
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.list_milestones()
        assert "GitHub demo/plans kept failing after 5 attempts" in str(raised.value)
        assert len(api.calls) == 5


class TestUnclearCreate:
    def test_found_marker_means_no_second_post(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        marker = task_marker("FIX-006")
        body = f"Fix the parser.\n\n{marker}"
        api.post(f"{REPO_URL}/issues", status=502, body="Bad Gateway")
        api.get(
            f"{REPO_URL}/issues",
            json=[issue_json(9, "Fix parser", body), issue_json(8, "Older", "no marker")],
            match=[
                responses.matchers.query_param_matcher(
                    {"state": "all", "sort": "created", "direction": "desc", "per_page": "100"}
                )
            ],
        )
        issue = tracker.create_issue(IssueDraft(title="Fix parser", body=body), marker=marker)
        assert issue.number == 9
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 1

    def test_absent_marker_means_one_more_create(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        marker = task_marker("FIX-006")
        body = f"Fix the parser.\n\n{marker}"
        api.post(f"{REPO_URL}/issues", body=requests.ConnectionError("connection reset"))
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(10, "Fix parser", body))
        api.get(f"{REPO_URL}/issues", json=[issue_json(8, "Older", "no marker")])
        issue = tracker.create_issue(IssueDraft(title="Fix parser", body=body), marker=marker)
        assert issue.number == 10
        posts = calls(api, "POST", "/repos/demo/plans/issues")
        assert len(posts) == 2
        assert json.loads(posts[1].request.body)["body"] == body

    def test_without_a_marker_the_unclear_failure_is_reported(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(f"{REPO_URL}/issues", status=500, json={"message": "Server Error"})
        with pytest.raises(UnclearWriteError) as raised:
            tracker.create_issue(IssueDraft(title="Fix parser"))
        assert "GitHub demo/plans" in str(raised.value)
        assert "unknown whether it took effect" in str(raised.value)
        assert len(api.calls) == 1


class TestPacing:
    def test_writes_wait_for_the_hosts_queue(
        self, api: responses.RequestsMock, clock: FakeClock
    ) -> None:
        reset_pacers()
        try:
            tracker = GitHubTracker("demo/plans", TOKEN, base_url=API, clock=clock)
            api.patch(f"{REPO_URL}/issues/1", json={**issue_json(1, "a"), "state": "closed"})
            api.patch(f"{REPO_URL}/issues/2", json={**issue_json(2, "b"), "state": "closed"})
            tracker.close_issue(1)
            tracker.close_issue(2)
            assert clock.sleeps == [pytest.approx(1.0)]  # GitHub: at least 1 s between writes
            assert tracker.stats.writes == 2
        finally:
            reset_pacers()


class TestCloseReasons:
    @pytest.mark.parametrize(
        ("state", "reason", "expected"),
        [
            ("closed", "completed", CloseReason.COMPLETED),
            ("closed", "not_planned", CloseReason.NOT_PLANNED),
            ("closed", "duplicate", CloseReason.NOT_PLANNED),
            ("closed", None, None),
            ("open", "reopened", None),
        ],
    )
    def test_githubs_reasons_as_plansync_reads_them(
        self,
        api: responses.RequestsMock,
        tracker: GitHubTracker,
        state: str,
        reason: str | None,
        expected: CloseReason | None,
    ) -> None:
        api.get(
            f"{REPO_URL}/issues/4",
            json={**issue_json(4, "Closed somehow"), "state": state, "state_reason": reason},
        )
        issue = tracker.get_issue(4)
        assert issue is not None
        assert issue.state_reason is expected


class TestAppInstallation:
    @pytest.fixture
    def private_key(self) -> str:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def test_requests_carry_the_installation_token(
        self, api: responses.RequestsMock, clock: FakeClock, private_key: str
    ) -> None:
        api.post(
            f"{WIRE}/app/installations/42/access_tokens",
            status=201,
            json={"token": "ghs_installation", "expires_at": "2999-01-01T00:00:00Z"},
        )
        api.get(f"{REPO_URL}/issues/1", json=issue_json(1, "Parse tables"))
        tracker = GitHubTracker.from_app(
            "demo/plans",
            1234,
            private_key,
            42,
            base_url=API,
            pacing=PacingLimits.DISABLED,
            clock=clock,
        )
        issue = tracker.get_issue(1)
        assert issue is not None
        [token_call] = calls(api, "POST", "/app/installations/42/access_tokens")
        assert token_call.request.headers["Authorization"].startswith("Bearer ")
        [read] = calls(api, "GET", "/repos/demo/plans/issues/1")
        assert read.request.headers["Authorization"] == "token ghs_installation"

    def test_a_refused_app_names_what_to_check(
        self, api: responses.RequestsMock, clock: FakeClock, private_key: str
    ) -> None:
        api.post(
            f"{WIRE}/app/installations/42/access_tokens",
            status=401,
            json={"message": "A JSON web token could not be decoded"},
        )
        tracker = GitHubTracker.from_app(
            "demo/plans",
            1234,
            private_key,
            42,
            base_url=API,
            pacing=PacingLimits.DISABLED,
            clock=clock,
        )
        with pytest.raises(AuthenticationError) as raised:
            tracker.get_issue(1)
        message = str(raised.value)
        assert message.startswith("GitHub rejected the token for demo/plans (401 A JSON web")
        assert "GitHub App id, its private key and the installation id" in message

"""GitHub's exact error answers, and what the GitHub adapter makes of them.

Every answer here is what api.github.com sends (status, headers, body); `responses` plays it.
Time is a FakeClock: waits are recorded, never slept.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from plansync.clock import FakeClock
from plansync.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StaleFileError,
    StopRequested,
    TrackerUnavailableError,
    ValidationFailedError,
    WriteBudgetSpent,
)
from plansync.model.remote import CloseReason, IssueDraft, MilestoneDraft
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.markers import task_marker
from plansync.trackers.pacing import PacingLimits, reset_pacers
from plansync.trackers.retry import UnclearWriteError
from plansync.trackers.waits import WaitRules, rules_for_run

API = "https://api.github.com"
# PyGithub spells the port out in every URL it requests.
WIRE = "https://api.github.com:443"
REPO_URL = f"{WIRE}/repos/demo/plans"
TOKEN = "ghp_0123456789abcdefSECRETtoken"
START = datetime(2024, 1, 1, tzinfo=UTC)


def issue_json(
    number: int,
    title: str,
    body: str = "",
    updated: str = "2024-01-01T00:00:00Z",
    created: str = "2024-01-01T00:00:00Z",
) -> dict[str, Any]:
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
        "created_at": created,
        "updated_at": updated,
        "closed_at": None,
        "comments": 0,
    }


def milestone_json(number: int, title: str) -> dict[str, Any]:
    return {
        "url": f"{REPO_URL}/milestones/{number}",
        "html_url": f"https://github.com/demo/plans/milestone/{number}",
        "id": 5000 + number,
        "number": number,
        "title": title,
        "description": "",
        "state": "open",
        "due_on": None,
        "open_issues": 0,
        "closed_issues": 0,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }


def comment_json(comment_id: int, issue: int, body: str) -> dict[str, Any]:
    return {
        "id": comment_id,
        "url": f"{REPO_URL}/issues/comments/{comment_id}",
        "html_url": f"https://github.com/demo/plans/issues/{issue}#issuecomment-{comment_id}",
        "issue_url": f"{REPO_URL}/issues/{issue}",
        "user": {"login": "plansync-bot", "id": 1},
        "body": body,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
    }


def file_json(path: str, content: bytes, sha: str) -> dict[str, Any]:
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(content),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.b64encode(content).decode("ascii"),
        "sha": sha,
        "url": f"{REPO_URL}/contents/{path}",
    }


def rate_headers(remaining: int, reset: datetime) -> dict[str, str]:
    return {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-used": str(5000 - remaining),
        "x-ratelimit-reset": str(int(reset.timestamp())),
        "x-ratelimit-resource": "core",
    }


def assignees_refused(login: str | None) -> dict[str, Any]:
    """GitHub's 422 for an assignee who cannot be assigned (`login` None: no value given)."""
    error: dict[str, Any] = {"resource": "Issue", "field": "assignees", "code": "invalid"}
    if login is not None:
        error["value"] = login
    return {
        "message": "Validation Failed",
        "errors": [error],
        "documentation_url": "https://docs.github.com/rest/issues/issues#create-an-issue",
        "status": "422",
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
            json={
                "message": "Bad credentials",
                "documentation_url": "https://docs.github.com/rest",
            },
        )
        with pytest.raises(AuthenticationError) as raised:
            tracker.observe_issues(None)
        assert str(raised.value) == (
            "GitHub rejected the token for demo/plans (401 Bad credentials). Set the token's "
            "environment variable (the tracker's `token_env`, GITHUB_TOKEN by default) to a "
            "token with the `repo` scope (classic) or Issues/Contents read-write (fine-grained)."
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

    @pytest.mark.parametrize(
        "base_url",
        [
            "ghe.example.com/api/v3",
            "ftp://ghe.example.com/api/v3",
            "https://",
            "https://ghe.example.com:port/api/v3",
            "",
        ],
    )
    def test_an_unusable_api_url_is_refused_at_construction(
        self, api: responses.RequestsMock, base_url: str
    ) -> None:
        with pytest.raises(ConfigError) as raised:
            GitHubTracker("demo/plans", TOKEN, base_url=base_url, pacing=PacingLimits.DISABLED)
        message = str(raised.value)
        assert f"The GitHub API URL {base_url!r} for repository demo/plans" in message
        assert "https://HOST/api/v3" in message
        assert len(api.calls) == 0

    def test_an_unreachable_enterprise_server_is_named_by_its_url(
        self, api: responses.RequestsMock, clock: FakeClock
    ) -> None:
        tracker = GitHubTracker(
            "demo/plans",
            TOKEN,
            base_url="https://ghe.example.com/api/v3/",
            pacing=PacingLimits.DISABLED,
            clock=clock,
        )
        api.get(
            "https://ghe.example.com:443/api/v3/repos/demo/plans/issues/1",
            body=requests.ConnectionError("connection refused"),
        )
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.get_issue(1)
        assert str(raised.value).startswith(
            "GitHub demo/plans at https://ghe.example.com/api/v3 kept failing after 5 attempts"
        )
        assert len(api.calls) == 5

    def test_unreachable_github_com_is_named_without_its_url(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/issues/1", body=requests.ConnectionError("connection refused"))
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.get_issue(1)
        assert str(raised.value).startswith("GitHub demo/plans kept failing after 5 attempts")


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


class TestMaxWait:
    """A wait of exactly `max_wait` is waited, then the request is made again; one a second
    longer stops the run at once, before any sleep. GitLab keeps the same rule."""

    @pytest.fixture
    def patient(self, clock: FakeClock) -> GitHubTracker:
        return GitHubTracker(
            "demo/plans",
            TOKEN,
            base_url=API,
            pacing=PacingLimits.DISABLED,
            clock=clock,
            max_wait=60.0,
        )

    def test_a_retry_after_of_exactly_max_wait_is_waited_then_retried(
        self, api: responses.RequestsMock, patient: GitHubTracker, clock: FakeClock
    ) -> None:
        api.post(
            f"{REPO_URL}/issues",
            status=403,
            json={"message": "You have exceeded a secondary rate limit."},
            headers={"retry-after": "60"},
        )
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(2, "Ship it"))
        assert patient.create_issue(IssueDraft(title="Ship it")).number == 2
        assert clock.sleeps == [pytest.approx(61.0)]  # the wait, and a second of margin
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 2

    def test_a_reset_exactly_max_wait_away_is_waited_then_retried(
        self, api: responses.RequestsMock, patient: GitHubTracker, clock: FakeClock
    ) -> None:
        api.get(
            f"{REPO_URL}/milestones",
            status=403,
            json={"message": "API rate limit exceeded for user ID 1."},
            headers=rate_headers(0, START + timedelta(seconds=60)),
        )
        api.get(f"{REPO_URL}/milestones", json=[])
        assert patient.list_milestones() == []
        assert clock.sleeps == [pytest.approx(61.0)]

    def test_a_wait_a_second_past_max_wait_stops_before_sleeping(
        self, api: responses.RequestsMock, patient: GitHubTracker, clock: FakeClock
    ) -> None:
        api.post(
            f"{REPO_URL}/issues",
            status=429,
            json={"message": "Too many requests"},
            headers={"retry-after": "61"},
        )
        with pytest.raises(RateLimitedError, match="asked to wait 61 s"):
            patient.create_issue(IssueDraft(title="Ship it"))
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

    def test_an_assignee_github_refuses_is_left_out_and_the_issue_made(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        # What github.com answers when one assignee has no access to the repository.
        api.post(
            f"{REPO_URL}/issues",
            status=422,
            json=assignees_refused("Stranger"),
        )
        made = issue_json(4, "Pair on it")
        made["assignees"] = [{"login": "alice", "id": 2}]
        api.post(f"{REPO_URL}/issues", status=201, json=made)
        issue = tracker.create_issue(
            IssueDraft(title="Pair on it", assignees=("alice", "stranger"))
        )
        assert (issue.number, issue.assignees) == (4, ("alice",))
        posts = calls(api, "POST", "/repos/demo/plans/issues")
        sent = [json.loads(p.request.body).get("assignees") for p in posts]
        # GitHub spells the login in its own case: the one refused is still the one asked.
        assert sent == [["alice", "stranger"], ["alice"]]

    def test_a_refusal_naming_no_one_asked_leaves_every_assignee_out(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(f"{REPO_URL}/issues", status=422, json=assignees_refused(None))
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(5, "Solo"))
        issue = tracker.create_issue(IssueDraft(title="Solo", assignees=("ann", "bob")))
        assert issue.assignees == ()
        posts = calls(api, "POST", "/repos/demo/plans/issues")
        assert len(posts) == 2
        assert "assignees" not in json.loads(posts[1].request.body)

    def test_every_refused_assignee_is_left_out_one_answer_at_a_time(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(f"{REPO_URL}/issues", status=422, json=assignees_refused("ann"))
        api.post(f"{REPO_URL}/issues", status=422, json=assignees_refused("bob"))
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(6, "Nobody here"))
        issue = tracker.create_issue(IssueDraft(title="Nobody here", assignees=("ann", "bob")))
        assert issue.number == 6
        posts = calls(api, "POST", "/repos/demo/plans/issues")
        sent = [json.loads(p.request.body).get("assignees") for p in posts]
        assert sent == [["ann", "bob"], ["bob"], None]

    def test_another_422_on_a_create_is_still_an_error(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(
            f"{REPO_URL}/issues",
            status=422,
            json={
                "message": "Validation Failed",
                "errors": [{"resource": "Issue", "code": "invalid", "field": "milestone"}],
            },
        )
        with pytest.raises(ValidationFailedError, match=r"Issue\.milestone is invalid"):
            tracker.create_issue(IssueDraft(title="Late", assignees=("alice",)))
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 1

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
                    {
                        "state": "all",
                        "sort": "created",
                        "direction": "desc",
                        "per_page": "100",
                        # the attempt's start, less five minutes for the clocks' difference
                        "since": "2023-12-31T23:55:00Z",
                    }
                )
            ],
        )
        issue = tracker.create_issue(IssueDraft(title="Fix parser", body=body), marker=marker)
        assert issue.number == 9
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 1

    def test_the_search_stops_at_issues_older_than_the_attempt(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        marker = task_marker("FIX-006")
        body = f"Fix the parser.\n\n{marker}"
        api.post(f"{REPO_URL}/issues", status=502, body="Bad Gateway")
        page_two = f"{WIRE}/repositories/1/issues?page=2"
        api.get(
            f"{REPO_URL}/issues",
            json=[
                issue_json(9, "Recent", "no marker"),
                # Edited lately, created long ago: it cannot be the issue just created.
                issue_json(8, "Old", "no marker", created="2023-06-01T00:00:00Z"),
            ],
            headers={"Link": f'<{page_two}>; rel="next"'},
        )
        api.get(page_two, json=[issue_json(1, "Oldest", "no marker")])
        api.post(f"{REPO_URL}/issues", status=201, json=issue_json(10, "Fix parser", body))
        issue = tracker.create_issue(IssueDraft(title="Fix parser", body=body), marker=marker)
        assert issue.number == 10
        assert len(calls(api, "GET", "/repos/demo/plans/issues")) == 1
        assert len(calls(api, "GET", "/repositories/1/issues")) == 0

    def test_every_attempt_unclear_and_absent_ends_unavailable(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        marker = task_marker("FIX-006")
        body = f"Fix the parser.\n\n{marker}"
        api.post(f"{REPO_URL}/issues", status=502, body="Bad Gateway")
        api.get(f"{REPO_URL}/issues", json=[])
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.create_issue(IssueDraft(title="Fix parser", body=body), marker=marker)
        assert str(raised.value).startswith(
            "Could not create issue 'Fix parser' in GitHub demo/plans: 3 attempts failed"
        )
        assert len(calls(api, "POST", "/repos/demo/plans/issues")) == 3
        assert len(calls(api, "GET", "/repos/demo/plans/issues")) == 3

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


class TestOtherUnclearWrites:
    def test_a_milestone_found_by_its_title_is_not_created_again(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(f"{REPO_URL}/milestones", status=504, body="Gateway Timeout")
        api.get(f"{REPO_URL}/milestones", json=[milestone_json(4, "Week 2")])
        milestone = tracker.create_milestone(MilestoneDraft(title="Week 2"))
        assert (milestone.number, milestone.title) == (4, "Week 2")
        assert len(calls(api, "POST", "/repos/demo/plans/milestones")) == 1

    def test_a_label_found_on_a_fresh_list_is_not_created_again(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.get(f"{REPO_URL}/labels", json=[])
        api.post(f"{REPO_URL}/labels", status=502, body="Bad Gateway")
        api.get(f"{REPO_URL}/labels", json=[{"name": "Phase: 1", "color": "ededed"}])
        tracker.ensure_labels(["phase: 1"])
        assert len(calls(api, "POST", "/repos/demo/plans/labels")) == 1
        assert len(calls(api, "GET", "/repos/demo/plans/labels")) == 2

    def test_a_comment_found_by_its_body_is_not_posted_again(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        api.post(f"{REPO_URL}/issues/3/comments", status=502, body="Bad Gateway")
        api.get(
            f"{REPO_URL}/issues/3/comments",
            json=[comment_json(70, 3, "Other"), comment_json(71, 3, "Marked as done.")],
            match=[
                responses.matchers.query_param_matcher(
                    {"since": "2023-12-31T23:55:00Z", "per_page": "100"}
                )
            ],
        )
        comment = tracker.post_comment(3, "Marked as done.")
        assert comment.id == 71
        assert len(calls(api, "POST", "/repos/demo/plans/issues/3/comments")) == 1

    def test_a_file_still_at_its_base_is_written_again(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        path = f"{REPO_URL}/contents/PLAN.md"
        api.put(path, status=502, body="Bad Gateway")
        api.get(path, json=file_json("PLAN.md", b"v1\n", "sha-v1"))
        api.put(
            path,
            status=200,
            json={"content": file_json("PLAN.md", b"v2\n", "sha-v2"), "commit": {"sha": "c2"}},
        )
        written = tracker.write_file("PLAN.md", b"v2\n", "Tick", "sha-v1")
        assert written.version == "sha-v2"
        assert len(calls(api, "PUT", "/repos/demo/plans/contents/PLAN.md")) == 2

    def test_a_file_changed_by_someone_else_meanwhile_is_stale(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        path = f"{REPO_URL}/contents/PLAN.md"
        api.put(path, status=502, body="Bad Gateway")
        api.get(path, json=file_json("PLAN.md", b"by a person\n", "sha-other"))
        with pytest.raises(StaleFileError) as raised:
            tracker.write_file("PLAN.md", b"v2\n", "Tick", "sha-v1")
        assert "PLAN.md in GitHub repository demo/plans changed" in str(raised.value)
        assert len(calls(api, "PUT", "/repos/demo/plans/contents/PLAN.md")) == 1


class TestEstimates:
    def test_a_negative_estimate_is_refused_before_any_request(
        self, api: responses.RequestsMock, tracker: GitHubTracker
    ) -> None:
        with pytest.raises(ValueError, match=r"issue #4 in GitHub demo/plans is -30 minutes"):
            tracker.set_estimate(4, -30)
        assert len(api.calls) == 0


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
            # GitHub's 80 writes a minute, evenly spaced: 0.75 s between writes.
            assert clock.sleeps == [pytest.approx(0.75)]
            assert tracker.stats.writes == 2
        finally:
            reset_pacers()

    def test_a_spent_budget_stops_the_write_before_it_is_sent(
        self, api: responses.RequestsMock, clock: FakeClock
    ) -> None:
        reset_pacers()
        try:
            hourly = PacingLimits(min_interval=0.0, per_minute=None, per_hour=1)
            tracker = GitHubTracker(
                "demo/plans", TOKEN, base_url=API, pacing=hourly, max_wait=60.0, clock=clock
            )
            api.patch(f"{REPO_URL}/issues/1", json={**issue_json(1, "a"), "state": "closed"})
            tracker.close_issue(1)
            with pytest.raises(WriteBudgetSpent) as caught:
                tracker.close_issue(2)
            assert caught.value.retry_at == clock.now() + timedelta(hours=1)
            assert tracker.stats.writes == 1
            assert clock.sleeps == []
        finally:
            reset_pacers()

    def test_a_stop_ends_the_wait_and_nothing_is_sent(
        self, api: responses.RequestsMock, clock: FakeClock
    ) -> None:
        reset_pacers()
        try:
            tracker = GitHubTracker("demo/plans", TOKEN, base_url=API, clock=clock)
            api.patch(f"{REPO_URL}/issues/1", json={**issue_json(1, "a"), "state": "closed"})
            tracker.close_issue(1)
            stop = threading.Event()
            stop.set()
            with rules_for_run(WaitRules(stop=stop)), pytest.raises(StopRequested):
                tracker.close_issue(2)
            assert tracker.stats.writes == 1
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

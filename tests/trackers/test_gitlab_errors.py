"""The GitLab adapter facing GitLab's exact error answers, replayed with `responses`.

Each test registers what gitlab.com answers (status, headers, JSON body) and checks what the
user gets: a retry, a wait on the fake clock, or one error naming the project and what to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from plansync.clock import FakeClock
from plansync.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    StaleFileError,
    TrackerError,
    TrackerUnavailableError,
    ValidationFailedError,
)
from plansync.model.remote import Cursor, IssueDraft, IssueState, Permission, RemoteComment
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.markers import task_marker
from plansync.trackers.pacing import PacingLimits, reset_pacers
from plansync.trackers.retry import UnclearWriteError

TOKEN = "glpat-SECRET-token-value"
REPO = "group/project"
HOST = "https://gitlab.example.com"
API = f"{HOST}/api/v4/projects/group%2Fproject"
START = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_pacers() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def make_tracker(clock: FakeClock, **options: Any) -> GitLabTracker:
    settings: dict[str, Any] = {
        "url": HOST,
        "pacing": PacingLimits.DISABLED,
        "notes_pacing": PacingLimits.DISABLED,
        "clock": clock,
    }
    settings.update(options)
    return GitLabTracker(REPO, TOKEN, **settings)


@pytest.fixture
def tracker(clock: FakeClock) -> GitLabTracker:
    return make_tracker(clock)


def issue_json(iid: int = 1, **fields: Any) -> dict[str, Any]:
    """An issue as GitLab's API v4 returns it (the fields plansync reads, and some it does not)."""
    data: dict[str, Any] = {
        "id": 90_000 + iid,
        "iid": iid,
        "project_id": 42,
        "title": f"Issue {iid}",
        "description": "",
        "state": "opened",
        "created_at": "2024-05-01T09:00:00.000Z",
        "updated_at": "2024-05-01T10:00:00.000Z",
        "closed_at": None,
        "closed_by": None,
        "labels": [],
        "milestone": None,
        "assignees": [],
        "author": {"id": 7, "username": "plansync-bot", "name": "plansync"},
        "type": "ISSUE",
        "issue_type": "issue",
        "user_notes_count": 0,
        "web_url": f"{HOST}/group/project/-/issues/{iid}",
        "time_stats": {
            "time_estimate": 0,
            "total_time_spent": 0,
            "human_time_estimate": None,
            "human_total_time_spent": None,
        },
    }
    data.update(fields)
    return data


def message_body(message: Any) -> dict[str, Any]:
    return {"message": message}


def query_of(call: Any) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def sent_json(call: Any) -> dict[str, Any]:
    body = call.request.body
    parsed = json.loads(body.decode() if isinstance(body, bytes) else body)
    assert isinstance(parsed, dict)
    return parsed


def assert_no_token(error: BaseException) -> None:
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)


class TestRefusedRequests:
    def test_401_names_the_project_and_the_token_to_set(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues", status=401, json=message_body("401 Unauthorized"))
        with pytest.raises(AuthenticationError) as raised:
            tracker.observe_issues(None)
        assert str(raised.value) == (
            "GitLab rejected the token for group/project (401 Unauthorized). Set the token's "
            "environment variable (the tracker's `token_env`, GITLAB_TOKEN by default) to a "
            "personal, project or group access token with the `api` scope."
        )
        assert_no_token(raised.value)
        assert len(mock.calls) == 1

    def test_missing_project_is_an_error_not_a_missing_issue(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues/3", status=404, json=message_body("404 Project Not Found"))
        with pytest.raises(NotFoundError) as raised:
            tracker.get_issue(3)
        text = str(raised.value)
        assert "GitLab has no project group/project" in text
        assert "check the project path" in text
        assert_no_token(raised.value)

    def test_missing_issue_is_none(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues/3", status=404, json=message_body("404 Issue Not Found"))
        assert tracker.get_issue(3) is None

    def test_403_says_which_access_is_missing(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.post(f"{API}/issues", status=403, json=message_body("403 Forbidden"))
        with pytest.raises(PermissionDeniedError) as raised:
            tracker.create_issue(IssueDraft(title="Parse tables"))
        text = str(raised.value)
        assert "GitLab refused to create issue 'Parse tables' in group/project (403" in text
        assert "Developer access to group/project" in text
        assert_no_token(raised.value)
        assert len(mock.calls) == 1

    def test_400_carries_gitlabs_field_message(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.post(
            f"{API}/issues",
            status=400,
            json=message_body({"title": ["is too long (maximum is 255 characters)"]}),
        )
        with pytest.raises(ValidationFailedError) as raised:
            tracker.create_issue(IssueDraft(title="x" * 300))
        text = str(raised.value)
        assert "group/project" in text
        assert "title is too long (maximum is 255 characters)" in text
        assert len(mock.calls) == 1

    def test_400_from_a_missing_parameter(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        answer = {"error": "state_event does not have a valid value"}
        mock.put(f"{API}/issues/5", status=400, json=answer)
        with pytest.raises(ValidationFailedError, match="state_event does not have a valid"):
            tracker.close_issue(5)


class TestRateLimits:
    def test_429_with_retry_after_is_waited_then_succeeds(
        self, tracker: GitLabTracker, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        mock.get(
            f"{API}/issues",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers={"Retry-After": "7", "RateLimit-Remaining": "0"},
        )
        mock.get(f"{API}/issues", json=[issue_json(1)])
        observed = tracker.observe_issues(None)
        assert [i.number for i in observed.items] == [1]
        # The advised 7 s plus the retry layer's margin, on the fake clock; python-gitlab's own
        # sleeping would have shown as a third call or a real delay.
        assert clock.sleeps == [8.0]
        assert len(mock.calls) == 2

    def test_429_with_ratelimit_reset_epoch_is_waited(
        self, tracker: GitLabTracker, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        reset = int((START + timedelta(seconds=20)).timestamp())
        mock.get(
            f"{API}/milestones",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers={"RateLimit-Remaining": "0", "RateLimit-Reset": str(reset)},
        )
        mock.get(f"{API}/milestones", json=[])
        assert tracker.list_milestones() == []
        assert clock.sleeps == [21.0]

    def test_429_past_max_wait_stops_with_the_retry_time(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(clock, max_wait=60.0)
        mock.get(
            f"{API}/issues",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers={"Retry-After": "3600"},
        )
        with pytest.raises(RateLimitedError) as raised:
            tracker.observe_issues(None)
        assert raised.value.retry_at == START + timedelta(seconds=3601)
        text = str(raised.value)
        assert "GitLab group/project" in text
        assert "2024-05-01 13:00:01 UTC" in text
        assert clock.sleeps == []
        assert len(mock.calls) == 1

    def test_403_that_is_a_rate_limit_is_waited(
        self, tracker: GitLabTracker, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        mock.get(
            f"{API}/labels",
            status=403,
            json=message_body("403 Forbidden"),
            headers={"RateLimit-Remaining": "0", "Retry-After": "2"},
        )
        mock.get(f"{API}/labels", json=[{"id": 1, "name": "bug", "color": "#ff0000"}])
        tracker.ensure_labels(["bug"])
        assert clock.sleeps == [3.0]


class TestMaxWait:
    """A wait of exactly `max_wait` is waited, then the request is made again; one a second
    longer stops the run at once, before any sleep. GitHub keeps the same rule."""

    @staticmethod
    def throttled(seconds: int) -> dict[str, str]:
        """The headers of GitLab's 429 (Rack::Attack) asking for `seconds`."""
        reset = START + timedelta(seconds=seconds)
        return {
            "Retry-After": str(seconds),
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": "2000",
            "RateLimit-Observed": "2001",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(int(reset.timestamp())),
            "RateLimit-ResetTime": reset.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        }

    def test_a_429_asking_exactly_max_wait_is_waited_then_retried(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(clock, max_wait=60.0)
        mock.post(
            f"{API}/issues",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers=self.throttled(60),
        )
        mock.post(f"{API}/issues", status=201, json=issue_json(5))
        assert tracker.create_issue(IssueDraft(title="Issue 5")).number == 5
        assert clock.sleeps == [61.0]  # the wait, and a second of margin
        assert [call.request.method for call in mock.calls] == ["POST", "POST"]

    def test_a_reset_exactly_max_wait_away_is_waited_then_retried(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(clock, max_wait=60.0)
        headers = self.throttled(60)
        del headers["Retry-After"]  # only the reset time says how long
        mock.get(
            f"{API}/milestones",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers=headers,
        )
        mock.get(f"{API}/milestones", json=[])
        assert tracker.list_milestones() == []
        assert clock.sleeps == [61.0]

    def test_a_429_asking_a_second_past_max_wait_stops_before_sleeping(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(clock, max_wait=60.0)
        mock.get(
            f"{API}/issues",
            status=429,
            body="Retry later\n",
            content_type="text/plain",
            headers=self.throttled(61),
        )
        with pytest.raises(RateLimitedError, match="asked to wait 61 s"):
            tracker.observe_issues(None)
        assert clock.sleeps == []
        assert len(mock.calls) == 1


class TestServerFailures:
    def test_5xx_on_a_read_is_retried_then_succeeds(
        self, tracker: GitLabTracker, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        gateway_page = "<html>502 Bad Gateway</html>"
        mock.get(f"{API}/issues/4", status=502, body=gateway_page, content_type="text/html")
        mock.get(f"{API}/issues/4", status=500, json=message_body("500 Internal Server Error"))
        mock.get(f"{API}/issues/4", json=issue_json(4, title="Back"))
        issue = tracker.get_issue(4)
        assert issue is not None
        assert issue.title == "Back"
        assert clock.sleeps == [0.5, 1.0]

    def test_persistent_5xx_becomes_unavailable(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues", status=503, json=message_body("503 Service Unavailable"))
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.observe_issues(None)
        assert str(raised.value).startswith(
            f"GitLab group/project at {HOST} kept failing after 5 attempts (last: HTTP 503)"
        )
        assert len(mock.calls) == 5

    def test_idempotent_write_is_retried(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.put(f"{API}/issues/6", status=502, body="Bad Gateway", content_type="text/plain")
        mock.put(f"{API}/issues/6", json=issue_json(6, state="closed"))
        closed = tracker.close_issue(6)
        assert closed.state is IssueState.CLOSED
        assert [sent_json(call) for call in mock.calls] == [{"state_event": "close"}] * 2

    def test_unreachable_server_is_reported_with_the_url(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues/2", body=requests.ConnectionError("connection refused"))
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.get_issue(2)
        assert str(raised.value).startswith(
            "GitLab group/project at https://gitlab.example.com kept failing after 5 attempts"
        )
        assert len(mock.calls) == 5

    def test_gitlab_com_is_not_spelled_out(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(clock, url="https://gitlab.com/")
        mock.get(
            "https://gitlab.com/api/v4/projects/group%2Fproject/issues/2",
            body=requests.ConnectionError("connection refused"),
        )
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.get_issue(2)
        assert str(raised.value).startswith("GitLab group/project kept failing after 5 attempts")


class TestNoDuplicateOnUnclearCreate:
    def test_marker_found_after_an_unclear_create_means_no_second_post(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        marker = task_marker("T12")
        body = f"Parse the tables.\n\n{marker}"
        mock.post(f"{API}/issues", status=502, body="Bad Gateway", content_type="text/plain")
        mock.get(
            f"{API}/issues",
            json=[issue_json(8, title="Parse tables", description=body)],
        )
        issue = tracker.create_issue(IssueDraft(title="Parse tables", body=body), marker=marker)
        assert (issue.number, issue.title) == (8, "Parse tables")
        methods = [call.request.method for call in mock.calls]
        assert methods == ["POST", "GET"]
        search = query_of(mock.calls[1])
        assert search["search"] == [marker]
        assert search["in"] == ["description"]

    def test_marker_absent_after_an_unclear_create_creates_once_more(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        marker = task_marker("T13")
        body = f"Body\n\n{marker}"
        mock.post(f"{API}/issues", status=504, body="Gateway Timeout", content_type="text/plain")
        # GitLab's search is fuzzy: an issue holding another marker is not the one we made.
        other = issue_json(2, description=f"x {task_marker('T130')}")
        mock.get(f"{API}/issues", json=[other])
        mock.post(f"{API}/issues", status=201, json=issue_json(9, title="T13", description=body))
        issue = tracker.create_issue(IssueDraft(title="T13", body=body), marker=marker)
        assert issue.number == 9
        assert [call.request.method for call in mock.calls] == ["POST", "GET", "POST"]

    def test_create_unclear_every_time_stops_after_three_attempts(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        marker = task_marker("T14")
        body = f"Body\n\n{marker}"
        for _ in range(3):
            mock.post(f"{API}/issues", status=502, body="Bad Gateway", content_type="text/plain")
            mock.get(f"{API}/issues", json=[])
        with pytest.raises(TrackerUnavailableError) as raised:
            tracker.create_issue(IssueDraft(title="T14", body=body), marker=marker)
        assert str(raised.value).startswith(
            f"Could not create issue 'T14' in GitLab group/project at {HOST}: 3 attempts"
        )
        assert [call.request.method for call in mock.calls] == ["POST", "GET"] * 3

    def test_unclear_create_without_marker_is_reported(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.post(f"{API}/issues", status=500, json=message_body("500 Internal Server Error"))
        with pytest.raises(UnclearWriteError) as raised:
            tracker.create_issue(IssueDraft(title="No marker"))
        assert "GitLab group/project" in str(raised.value)
        assert len(mock.calls) == 1

    def test_marker_must_be_in_the_body(self, tracker: GitLabTracker) -> None:
        with pytest.raises(ValueError, match="not in the body"):
            tracker.create_issue(IssueDraft(title="x", body="plain"), marker=task_marker("T1"))


class TestAssigneesOnCreate:
    def test_an_assignee_gitlab_does_not_know_is_left_out_and_the_issue_made(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        users = f"{HOST}/api/v4/users"
        mock.get(users, json=[{"id": 31, "username": "alice", "state": "active"}])
        mock.get(users, json=[])  # no user of that name: GitLab answers an empty list
        alice = {"id": 31, "username": "alice", "name": "Alice"}
        mock.post(f"{API}/issues", status=201, json=issue_json(3, assignees=[alice]))
        issue = tracker.create_issue(IssueDraft(title="Pair", assignees=("alice", "ghost")))
        assert issue.assignees == ("alice",)
        assert [query_of(call)["username"] for call in mock.calls[:2]] == [["alice"], ["ghost"]]
        assert sent_json(mock.calls[2])["assignee_ids"] == [31]

    def test_nobody_known_to_assign_sends_no_assignees(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{HOST}/api/v4/users", json=[])
        mock.post(f"{API}/issues", status=201, json=issue_json(4))
        issue = tracker.create_issue(IssueDraft(title="Alone", assignees=("ghost",)))
        assert (issue.number, issue.assignees) == (4, ())
        assert "assignee_ids" not in sent_json(mock.calls[1])


class TestGitLabSpecificAnswers:
    def test_stale_file_update_names_path_and_project(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(API, json={"id": 42, "path_with_namespace": REPO, "default_branch": "trunk"})
        mock.put(
            f"{API}/repository/files/docs%2FPLAN.md",
            status=400,
            json=message_body(
                "You are attempting to update a file that has changed since you started editing it."
            ),
        )
        with pytest.raises(StaleFileError) as raised:
            tracker.write_file("docs/PLAN.md", b"new\n", "Tick", "abc123")
        text = str(raised.value)
        assert "docs/PLAN.md" in text
        assert "group/project" in text
        sent = sent_json(mock.calls[1])
        assert (sent["branch"], sent["last_commit_id"], sent["encoding"]) == (
            "trunk",
            "abc123",
            "base64",
        )

    def test_creating_a_file_that_exists_is_stale(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(API, json={"id": 42, "default_branch": "main"})
        mock.post(
            f"{API}/repository/files/PLAN.md",
            status=400,
            json=message_body("A file with this name already exists"),
        )
        with pytest.raises(StaleFileError, match=r"PLAN\.md in GitLab project group/project"):
            tracker.write_file("PLAN.md", b"v1\n", "Add plan", None)

    def test_award_already_given_is_done(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.post(
            f"{API}/issues/3/notes/77/award_emoji",
            status=404,
            json=message_body("404 Award Emoji Name has already been taken Not Found"),
        )
        comment = RemoteComment(
            id=77,
            issue_number=3,
            author="alice",
            body="/plan done",
            created_at=START,
            updated_at=START,
        )
        tracker.add_reaction(comment, "+1")
        assert sent_json(mock.calls[0]) == {"name": "thumbsup"}

    def test_label_created_meanwhile_is_done(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/labels", json=[])
        mock.post(f"{API}/labels", status=409, json=message_body("Label already exists"))
        tracker.ensure_labels(["phase: 1"])
        assert sent_json(mock.calls[1]) == {"name": "phase: 1", "color": "#1068bf"}

    def test_a_stranger_has_no_permission(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{HOST}/api/v4/users", json=[{"id": 31, "username": "bob", "state": "active"}])
        mock.get(f"{API}/members/all/31", status=404, json=message_body("404 Not found"))
        assert tracker.permission("bob") is Permission.NONE

    def test_estimate_is_sent_as_a_gitlab_duration(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.post(f"{API}/issues/4/time_estimate", json={"time_estimate": 5400})
        mock.post(f"{API}/issues/4/reset_time_estimate", json={"time_estimate": 0})
        mock.post(f"{API}/issues/4/reset_time_estimate", json={"time_estimate": 0})
        tracker.set_estimate(4, 90)
        tracker.set_estimate(4, None)
        tracker.set_estimate(4, 0)
        assert sent_json(mock.calls[0]) == {"duration": "1h30m"}
        assert mock.calls[1].request.url.endswith("/issues/4/reset_time_estimate")
        assert mock.calls[2].request.url.endswith("/issues/4/reset_time_estimate")

    def test_a_negative_estimate_is_refused_before_any_request(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        with pytest.raises(ValueError, match=r"issue #4 in GitLab group/project .* -30 minutes"):
            tracker.set_estimate(4, -30)
        assert len(mock.calls) == 0


class TestRequestsAreCountedAndListsComplete:
    def test_every_request_is_counted_by_method(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues/1", json=issue_json(1))
        mock.put(f"{API}/issues/1", json=issue_json(1, state="closed"))
        mock.get(f"{API}/issues/2", status=404, json=message_body("404 Issue Not Found"))
        tracker.get_issue(1)
        tracker.close_issue(1)
        tracker.get_issue(2)
        assert dict(tracker.stats.by_method) == {"GET": 2, "PUT": 1}
        assert tracker.stats.writes == 1

    def test_lists_follow_every_page_with_100_per_page(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        page_two = f"{API}/issues?order_by=updated_at&page=2&per_page=100&sort=asc"
        mock.get(
            f"{API}/issues",
            json=[issue_json(n, updated_at=f"2024-05-01T10:00:{n:02d}.000Z") for n in (1, 2)],
            headers={"Link": f'<{page_two}>; rel="next"', "X-Next-Page": "2"},
        )
        mock.get(
            f"{API}/issues",
            json=[issue_json(3, updated_at="2024-05-01T10:00:03.000Z")],
        )
        observed = tracker.observe_issues(None)
        assert [i.number for i in observed.items] == [1, 2, 3]
        assert query_of(mock.calls[0])["per_page"] == ["100"]
        assert query_of(mock.calls[1])["page"] == ["2"]
        assert observed.cursor == Cursor(since="2024-05-01T10:00:03+00:00", seen=(90_003,))

    def test_cursor_is_sent_as_updated_after_and_its_instant_not_returned_twice(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        cursor = Cursor(since="2024-05-01T10:00:03+00:00", seen=(90_003,))
        mock.get(
            f"{API}/issues",
            json=[
                issue_json(3, updated_at="2024-05-01T10:00:03.000Z"),
                issue_json(4, updated_at="2024-05-01T10:00:03.000Z"),
            ],
        )
        observed = tracker.observe_issues(cursor)
        assert [i.number for i in observed.items] == [4]
        assert observed.cursor.seen == (90_003, 90_004)
        assert query_of(mock.calls[0])["updated_after"] == ["2024-05-01T10:00:03+00:00"]

    def test_notes_are_paced_by_the_notes_queue(
        self, clock: FakeClock, mock: responses.RequestsMock
    ) -> None:
        tracker = make_tracker(
            clock, notes_pacing=PacingLimits(min_interval=0.0, per_minute=1, per_hour=None)
        )
        note = {
            "id": 501,
            "body": "Marked as done.",
            "author": {"id": 7, "username": "plansync-bot"},
            "created_at": "2024-05-01T12:00:00.000Z",
            "updated_at": "2024-05-01T12:00:00.000Z",
            "system": False,
            "noteable_iid": 3,
        }
        mock.post(f"{API}/issues/3/notes", status=201, json=note)
        mock.post(f"{API}/issues/3/notes", status=201, json={**note, "id": 502})
        first = tracker.post_comment(3, "Marked as done.")
        second = tracker.post_comment(3, "Marked as done.")
        assert (first.id, second.id) == (501, 502)
        assert first.url == f"{HOST}/group/project/-/issues/3#note_501"
        assert clock.sleeps == [60.0]

    def test_a_non_json_answer_is_explained(
        self, tracker: GitLabTracker, mock: responses.RequestsMock
    ) -> None:
        mock.get(f"{API}/issues/1", body="<html>Sign in</html>", content_type="text/html")
        with pytest.raises(TrackerError) as raised:
            tracker.get_issue(1)
        assert "points at a GitLab server" in str(raised.value)


class TestConfiguration:
    @pytest.mark.parametrize(
        "url",
        ["gitlab.example.com", "ftp://gitlab.example.com", "https://", "https://host:port", ""],
    )
    def test_an_unusable_url_is_refused_at_construction(
        self, clock: FakeClock, mock: responses.RequestsMock, url: str
    ) -> None:
        with pytest.raises(ConfigError) as raised:
            make_tracker(clock, url=url)
        message = str(raised.value)
        assert f"The GitLab URL {url!r} for project group/project" in message
        assert "https://HOST" in message
        assert len(mock.calls) == 0

    @pytest.mark.parametrize(
        ("url", "kept"),
        [
            ("https://gitlab.example.com/", "https://gitlab.example.com"),
            ("http://127.0.0.1:8929", "http://127.0.0.1:8929"),
            (" https://git.example.org/gitlab ", "https://git.example.org/gitlab"),
        ],
    )
    def test_a_usable_url_is_kept_without_its_trailing_slash(
        self, clock: FakeClock, url: str, kept: str
    ) -> None:
        assert make_tracker(clock, url=url).url == kept

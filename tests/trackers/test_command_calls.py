"""What `/plan` commands ask of the trackers, on their error paths: a user's permission, a
reaction, a reply. Every answer is what the real API sends (status, body); `responses` plays it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import responses

from plansync.clock import FakeClock
from plansync.errors import NotFoundError, PermissionDeniedError
from plansync.model.remote import Permission, RemoteComment
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.pacing import PacingLimits, reset_pacers

START = datetime(2024, 1, 1, tzinfo=UTC)
GITHUB = "https://api.github.com"
REPO_URL = "https://api.github.com:443/repos/demo/plans"
GITLAB = "https://gitlab.example.com"
PROJECT = f"{GITLAB}/api/v4/projects/group%2Fproject"
COMMENT = RemoteComment(77, 3, "alice", "/plan done", START, START)


@pytest.fixture(autouse=True)
def _fresh_pacers() -> Iterator[None]:
    reset_pacers()
    yield
    reset_pacers()


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def github() -> GitHubTracker:
    return GitHubTracker(
        "demo/plans", "token", base_url=GITHUB, pacing=PacingLimits.DISABLED, clock=FakeClock(START)
    )


@pytest.fixture
def gitlab() -> GitLabTracker:
    return GitLabTracker(
        "group/project",
        "token",
        url=GITLAB,
        pacing=PacingLimits.DISABLED,
        notes_pacing=PacingLimits.DISABLED,
        clock=FakeClock(START),
    )


def _github_error(message: str) -> dict[str, str]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest"}


class TestGitHub:
    def test_a_user_who_is_no_collaborator_has_no_permission(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.get(
            f"{REPO_URL}/collaborators/mallory/permission",
            status=404,
            json=_github_error("Not Found"),
        )
        api.get(REPO_URL, json={"id": 1, "full_name": "demo/plans"})  # the repository is there
        assert github.permission("mallory") is Permission.NONE

    def test_a_token_that_may_not_read_collaborators_is_an_error_not_a_no(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.get(
            f"{REPO_URL}/collaborators/alice/permission",
            status=403,
            json=_github_error("Must have push access to view collaborator permission."),
        )
        with pytest.raises(PermissionDeniedError):
            github.permission("alice")

    def test_maintain_reads_as_maintain(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.get(
            f"{REPO_URL}/collaborators/mia/permission",
            json={"permission": "write", "role_name": "maintain", "user": {"login": "mia"}},
        )
        assert github.permission("mia") is Permission.MAINTAIN

    def test_a_reaction_to_a_deleted_comment_says_so(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.post(
            f"{REPO_URL}/issues/comments/77/reactions", status=404, json=_github_error("Not Found")
        )
        api.get(REPO_URL, json={"id": 1, "full_name": "demo/plans"})
        with pytest.raises(NotFoundError):
            github.add_reaction(COMMENT, "eyes")

    def test_a_reaction_given_before_is_done(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.post(
            f"{REPO_URL}/issues/comments/77/reactions",
            status=200,
            json={"id": 1, "content": "eyes", "user": {"login": "plansync-bot"}},
        )
        github.add_reaction(COMMENT, "eyes")

    def test_an_unknown_reaction_is_refused_before_any_request(self, github: GitHubTracker) -> None:
        with pytest.raises(ValueError, match="no reaction 'tada'"):
            github.add_reaction(COMMENT, "tada")

    def test_a_reply_to_a_locked_issue_is_refused(
        self, api: responses.RequestsMock, github: GitHubTracker
    ) -> None:
        api.post(
            f"{REPO_URL}/issues/3/comments",
            status=403,
            json=_github_error("Unable to create comment because issue is locked."),
        )
        with pytest.raises(PermissionDeniedError):
            github.post_comment(3, "Done.")


class TestGitLab:
    def test_an_unknown_user_has_no_permission(
        self, api: responses.RequestsMock, gitlab: GitLabTracker
    ) -> None:
        api.get(f"{GITLAB}/api/v4/users", json=[])
        assert gitlab.permission("ghost") is Permission.NONE

    def test_a_developer_has_write(
        self, api: responses.RequestsMock, gitlab: GitLabTracker
    ) -> None:
        api.get(f"{GITLAB}/api/v4/users", json=[{"id": 31, "username": "dev", "state": "active"}])
        api.get(
            f"{PROJECT}/members/all/31",
            json={"id": 31, "username": "dev", "access_level": 30, "state": "active"},
        )
        assert gitlab.permission("dev") is Permission.WRITE

    def test_a_note_on_an_issue_the_token_may_not_comment_on_is_refused(
        self, api: responses.RequestsMock, gitlab: GitLabTracker
    ) -> None:
        api.post(f"{PROJECT}/issues/3/notes", status=403, json={"message": "403 Forbidden"})
        with pytest.raises(PermissionDeniedError):
            gitlab.post_comment(3, "Done.")

    def test_an_award_on_a_deleted_note_says_so(
        self, api: responses.RequestsMock, gitlab: GitLabTracker
    ) -> None:
        api.post(
            f"{PROJECT}/issues/3/notes/77/award_emoji",
            status=404,
            json={"message": "404 Not found"},
        )
        with pytest.raises(NotFoundError):
            gitlab.add_reaction(COMMENT, "eyes")

"""The sandbox's GitHub REST API, driven by the real PyGithub client over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests
from github import Github, GithubException
from github.ContentFile import ContentFile
from github.GithubException import BadCredentialsException, UnknownObjectException
from github.Repository import Repository

from builders import sandbox_github
from plansync.clock import FakeClock
from plansync.sandbox.server import SandboxServer

REPO = "demo/plans"


@pytest.fixture
def gh(sandbox: SandboxServer) -> Iterator[Github]:
    github = sandbox_github(sandbox)
    yield github
    github.close()


@pytest.fixture
def repo(gh: Github) -> Repository:
    return gh.get_repo(REPO)


@pytest.fixture
def clock(sandbox: SandboxServer) -> FakeClock:
    fake = FakeClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    sandbox.store.set_clock(fake)
    return fake


def file_at(repo: Repository, path: str) -> ContentFile:
    found = repo.get_contents(path)
    assert not isinstance(found, list), f"{path} is a directory"
    return found


def raw_get(sandbox: SandboxServer, path: str, **headers: str) -> requests.Response:
    return requests.get(
        f"{sandbox.github_api_url}{path}",
        headers={"Authorization": "token sandbox-token", **headers},
        timeout=10,
    )


class TestRepositoryAndAuth:
    def test_repository_by_name_and_by_id(self, sandbox: SandboxServer, repo: Repository) -> None:
        assert repo.full_name == REPO
        assert repo.id == sandbox.store.repo(REPO).id
        assert repo.default_branch == "main"
        assert raw_get(sandbox, f"/repositories/{repo.id}").json()["full_name"] == REPO

    def test_unknown_repository_is_404_not_found(self, gh: Github) -> None:
        with pytest.raises(UnknownObjectException) as caught:
            gh.get_repo("demo/absent")
        assert caught.value.status == 404
        assert caught.value.data["message"] == "Not Found"

    def test_bad_token_is_401_bad_credentials(self, sandbox: SandboxServer) -> None:
        with pytest.raises(BadCredentialsException) as caught:
            sandbox_github(sandbox, token="bad-token").get_repo(REPO)
        assert caught.value.status == 401
        assert caught.value.data["message"] == "Bad credentials"
        assert caught.value.headers is not None
        assert "x-ratelimit-remaining" in caught.value.headers

    def test_missing_token_is_401(self, sandbox: SandboxServer) -> None:
        answer = requests.get(f"{sandbox.github_api_url}/repos/{REPO}", timeout=10)
        assert answer.status_code == 401
        assert answer.json()["message"] == "Requires authentication"

    def test_token_as_a_person_acts_as_that_person(self, sandbox: SandboxServer) -> None:
        alice = sandbox_github(sandbox, token="as:alice")
        assert alice.get_user().login == "alice"
        issue = alice.get_repo(REPO).create_issue("From alice")
        assert issue.user.login == "alice"
        assert sandbox_github(sandbox).get_user().login == "plansync-bot"


class TestIssues:
    def test_create_read_and_edit(self, sandbox: SandboxServer, repo: Repository) -> None:
        sandbox.store.set_permission(REPO, "alice", "write")
        milestone = repo.create_milestone("Week 1")
        created = repo.create_issue(
            "Parse tables",
            body="Body",
            labels=["type: bug"],
            milestone=milestone,
            assignees=["alice"],
        )
        fetched = repo.get_issue(created.number)
        assert (fetched.title, fetched.body, fetched.state) == ("Parse tables", "Body", "open")
        assert [x.name for x in fetched.labels] == ["type: bug"]
        assert fetched.milestone.number == milestone.number
        assert [a.login for a in fetched.assignees] == ["alice"]
        fetched.edit(title="Parse all tables", labels=[], milestone=None, assignees=[])
        again = repo.get_issue(created.number)
        assert again.title == "Parse all tables"
        assert again.labels == []
        assert again.milestone is None
        assert again.assignees == []

    def test_close_with_reason_and_reopen(self, repo: Repository) -> None:
        issue = repo.create_issue("Drop this")
        issue.edit(state="closed", state_reason="not_planned")
        assert (issue.state, issue.state_reason) == ("closed", "not_planned")
        assert issue.closed_by is not None
        assert issue.closed_by.login == "plansync-bot"
        issue.edit(state="open")
        assert (issue.state, issue.state_reason) == ("open", "reopened")
        assert issue.closed_at is None
        issue.edit(state="closed")
        assert issue.state_reason == "completed"

    def test_person_closing_is_seen_by_the_client(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        number = repo.create_issue("Done elsewhere").number
        sandbox.store.close_issue(REPO, number, reason="not_planned", user="alice")
        issue = repo.get_issue(number)
        assert issue.closed_by is not None
        assert (issue.state, issue.state_reason, issue.closed_by.login) == (
            "closed",
            "not_planned",
            "alice",
        )

    def test_unchanged_edit_does_not_move_updated_at(
        self, clock: FakeClock, repo: Repository
    ) -> None:
        issue = repo.create_issue("Stable", body="same")
        before = issue.updated_at
        clock.advance(60)
        issue.edit(title="Stable", body="same")
        assert issue.updated_at == before
        issue.edit(body="changed")
        assert issue.updated_at == datetime(2024, 3, 1, 9, 1, tzinfo=UTC)

    def test_unknown_milestone_and_assignee_are_refused_with_422(self, repo: Repository) -> None:
        issue = repo.create_issue("Plain")
        with pytest.raises(GithubException) as caught:
            issue.edit(assignees=["stranger"])
        assert caught.value.status == 422
        assert caught.value.data["message"] == "Validation Failed"
        assert caught.value.data["errors"][0]["field"] == "assignees"
        answer = requests.patch(
            f"{issue.url}",
            json={"milestone": 99},
            headers={"Authorization": "token t"},
            timeout=10,
        )
        assert answer.status_code == 422
        assert answer.json()["errors"][0]["field"] == "milestone"

    def test_creating_with_an_assignee_without_access_is_refused_and_makes_nothing(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        sandbox.store.set_permission(REPO, "alice", "write")
        sandbox.store.add_user("stranger")  # a GitHub user, no collaborator of the repo
        with pytest.raises(GithubException) as caught:
            repo.create_issue("Pair on it", assignees=["alice", "stranger"])
        # github.com's answer: one `errors` entry for `assignees`, echoing the refused login.
        assert caught.value.status == 422
        assert caught.value.data["message"] == "Validation Failed"
        assert caught.value.data["errors"] == [
            {"resource": "Issue", "code": "invalid", "field": "assignees", "value": "stranger"}
        ]
        assert sandbox.store.issues(REPO) == []

    def test_missing_title_is_refused(self, sandbox: SandboxServer) -> None:
        answer = requests.post(
            f"{sandbox.github_api_url}/repos/{REPO}/issues",
            json={"body": "no title"},
            headers={"Authorization": "token t"},
            timeout=10,
        )
        assert answer.status_code == 422
        assert "title" in answer.json()["message"]

    def test_deleted_issue_is_410(self, sandbox: SandboxServer, repo: Repository) -> None:
        number = repo.create_issue("Soon gone").number
        sandbox.store.delete_issue(REPO, number)
        with pytest.raises(GithubException) as caught:
            _ = repo.get_issue(number).title
        assert caught.value.status == 410
        assert [i.number for i in repo.get_issues(state="all")] == []

    def test_pull_requests_are_listed_with_a_pull_request_key(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        sandbox.store.create_issue(REPO, "An issue")
        sandbox.store.create_issue(REPO, "A pull request", pull_request=True)
        listed = {i.title: i for i in repo.get_issues(state="all")}
        assert listed["A pull request"].pull_request is not None
        assert listed["An issue"].pull_request is None
        assert listed["A pull request"].number == 2  # issues and PRs share the numbers


class TestIssueListing:
    def test_state_labels_and_milestone_filters(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        store = sandbox.store
        week = store.create_milestone(REPO, "Week 1")
        store.create_issue(REPO, "open bug", labels=["bug"], milestone=week)
        closed = store.create_issue(REPO, "closed bug", labels=["bug", "ui"])
        store.close_issue(REPO, closed)
        store.create_issue(REPO, "open chore")

        def titles(**kwargs: Any) -> set[str]:
            return {i.title for i in repo.get_issues(**kwargs)}

        assert titles() == {"open bug", "open chore"}  # GitHub lists open issues by default
        assert titles(state="closed") == {"closed bug"}
        assert titles(state="all", labels=["bug", "ui"]) == {"closed bug"}
        assert titles(state="all", milestone=repo.get_milestone(week)) == {"open bug"}
        assert titles(state="all", milestone="none") == {"closed bug", "open chore"}

    def test_since_is_inclusive_and_sorting_follows_the_parameters(
        self, sandbox: SandboxServer, clock: FakeClock, repo: Repository
    ) -> None:
        store = sandbox.store
        first = store.create_issue(REPO, "first")
        clock.advance(10)
        second = store.create_issue(REPO, "second")
        clock.advance(10)
        store.set_issue_title(REPO, first, "first, renamed")
        at_second = datetime(2024, 3, 1, 9, 0, 10, tzinfo=UTC)
        since = repo.get_issues(state="all", since=at_second, sort="updated", direction="asc")
        assert [i.number for i in since] == [second, first]
        newest_first = repo.get_issues(state="all", sort="created")
        assert [i.number for i in newest_first] == [second, first]

    def test_250_issues_come_in_3_pages_linked_through_repositories_id(
        self, sandbox: SandboxServer
    ) -> None:
        for n in range(250):
            sandbox.store.create_issue(REPO, f"Task {n:03d}")
        repo_id = sandbox.store.repo(REPO).id
        first = raw_get(sandbox, f"/repos/{REPO}/issues?state=all&per_page=100")
        assert len(first.json()) == 100
        links = {
            x["rel"]: x["url"] for x in requests.utils.parse_header_links(first.headers["link"])
        }
        assert links["next"] == (
            f"{sandbox.github_api_url}/repositories/{repo_id}/issues?state=all&per_page=100&page=2"
        )
        assert links["last"].endswith("page=3")
        third = raw_get(sandbox, f"/repositories/{repo_id}/issues?state=all&per_page=100&page=3")
        assert len(third.json()) == 50
        listed = sandbox_github(sandbox, per_page=100).get_repo(REPO).get_issues(state="all")
        numbers = [i.number for i in listed]
        assert sorted(numbers) == list(range(1, 251))
        assert sandbox.store.requests.count("GET", path_contains="/issues") == 2 + 3

    def test_per_page_defaults_to_30_and_is_capped_at_100(self, sandbox: SandboxServer) -> None:
        for n in range(120):
            sandbox.store.create_issue(REPO, f"Task {n}")
        assert len(raw_get(sandbox, f"/repos/{REPO}/issues").json()) == 30
        assert len(raw_get(sandbox, f"/repos/{REPO}/issues?per_page=500").json()) == 100


class TestLabelsAndMilestones:
    def test_labels_create_get_and_absent(self, repo: Repository) -> None:
        repo.create_label("good first issue", "7057ff", description="Newcomers")
        label = repo.get_label("good first issue")
        assert (label.name, label.color, label.description) == (
            "good first issue",
            "7057ff",
            "Newcomers",
        )
        with pytest.raises(UnknownObjectException):
            _ = repo.get_label("absent").color
        with pytest.raises(GithubException) as caught:
            repo.create_label("Good First Issue", "000000")
        assert caught.value.data["errors"] == [
            {"resource": "Label", "code": "already_exists", "field": "name"}
        ]

    def test_labels_named_on_an_issue_are_created(self, repo: Repository) -> None:
        repo.create_issue("Tagged", labels=["estimate: 2h"])
        assert [(x.name, x.color) for x in repo.get_labels()] == [("estimate: 2h", "ededed")]

    def test_milestones_with_counts_state_and_due_dates(self, repo: Repository) -> None:
        late = repo.create_milestone("Week 2", due_on=date(2024, 5, 8))
        early = repo.create_milestone("Week 1", description="first", due_on=date(2024, 5, 1))
        repo.create_issue("a", milestone=early)
        done = repo.create_issue("b", milestone=early)
        done.edit(state="closed")
        fetched = repo.get_milestone(early.number)
        assert (fetched.open_issues, fetched.closed_issues) == (1, 1)
        assert fetched.due_on is not None
        assert fetched.due_on.date() == date(2024, 5, 1)
        assert [m.title for m in repo.get_milestones()] == ["Week 1", "Week 2"]
        late.edit("Week 2", state="closed")
        assert [m.title for m in repo.get_milestones()] == ["Week 1"]
        assert [m.title for m in repo.get_milestones(state="closed")] == ["Week 2"]
        assert {m.title for m in repo.get_milestones(state="all")} == {"Week 1", "Week 2"}

    def test_duplicate_milestone_title_is_422(self, repo: Repository) -> None:
        repo.create_milestone("Phase 1")
        with pytest.raises(GithubException) as caught:
            repo.create_milestone("Phase 1")
        assert caught.value.status == 422
        assert caught.value.data["errors"][0]["code"] == "already_exists"


class TestComments:
    def test_repository_comments_since_and_order(
        self, sandbox: SandboxServer, clock: FakeClock, repo: Repository
    ) -> None:
        issue = repo.create_issue("Discuss")
        first = issue.create_comment("first")
        clock.advance(5)
        sandbox.store.add_comment(REPO, issue.number, "/plan done", user="alice")
        clock.advance(5)
        first.edit("first, edited")
        since = datetime(2024, 3, 1, 9, 0, 5, tzinfo=UTC)
        changed = repo.get_issues_comments(sort="updated", direction="asc", since=since)
        assert [(c.body, c.user.login) for c in changed] == [
            ("/plan done", "alice"),
            ("first, edited", "plansync-bot"),
        ]
        assert [c.body for c in issue.get_comments()] == ["first, edited", "/plan done"]
        assert repo.get_issue(issue.number).comments == 2

    def test_comments_are_listed_by_their_own_time_whatever_the_issue_shows(
        self, sandbox: SandboxServer, clock: FakeClock, repo: Repository
    ) -> None:
        issue = repo.create_issue("Fresh")
        clock.advance(20)
        sandbox.store.add_comment(REPO, issue.number, "/plan done", user="alice")
        # The store holds the issue's touch back as GitLab does (ThrottledTouch); the
        # repository's comment list finds the comment by its own time all the same.
        assert repo.get_issue(issue.number).updated_at == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
        since = datetime(2024, 3, 1, 9, 0, 10, tzinfo=UTC)
        assert [c.body for c in repo.get_issues_comments(since=since)] == ["/plan done"]

    def test_reactions_are_counted_once_per_person(self, repo: Repository) -> None:
        comment = repo.create_issue("React").create_comment("/plan status")
        comment.create_reaction("eyes")
        comment.create_reaction("eyes")
        comment.create_reaction("rocket")
        counts = repo.get_issue(1).get_comment(comment.id).reactions
        assert (counts["eyes"], counts["rocket"], counts["total_count"]) == (1, 1, 2)
        with pytest.raises(GithubException) as caught:
            comment.create_reaction("clap")
        assert caught.value.status == 422

    def test_activity_notes_kept_for_gitlab_never_show_on_github(self, repo: Repository) -> None:
        issue = repo.create_issue("Activity")
        issue.edit(title="Activity, renamed", state="closed")
        assert list(repo.get_issues_comments()) == []
        assert repo.get_issue(issue.number).comments == 0


class TestPermissions:
    @pytest.mark.parametrize(
        ("role", "permission"),
        [
            ("read", "read"),
            ("triage", "read"),
            ("write", "write"),
            ("maintain", "write"),
            ("admin", "admin"),
        ],
    )
    def test_roles_and_legacy_permissions(
        self, sandbox: SandboxServer, repo: Repository, role: str, permission: str
    ) -> None:
        sandbox.store.set_permission(REPO, "carol", role)
        assert repo.get_collaborator_permission("carol") == permission
        assert repo.get_collaborator_role_name("carol") == role

    def test_known_user_without_role_and_unknown_user(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        sandbox.store.add_user("dave")
        assert repo.get_collaborator_permission("dave") == "none"
        with pytest.raises(UnknownObjectException):
            repo.get_collaborator_permission("nobody-at-all")


class TestContents:
    def test_create_read_update_and_stale_sha(self, repo: Repository) -> None:
        content = "# Plan\r\n- [ ] caf\u00e9\r\n".encode()
        created = repo.create_file("docs/PLAN.md", "Add plan", content)
        read = file_at(repo, "docs/PLAN.md")
        assert read.decoded_content == content
        assert read.sha == created["content"].sha
        updated = repo.update_file("docs/PLAN.md", "Edit", b"v2\n", read.sha)
        assert file_at(repo, "docs/PLAN.md").decoded_content == b"v2\n"
        with pytest.raises(GithubException) as caught:
            repo.update_file("docs/PLAN.md", "Edit again", b"v3\n", read.sha)
        assert caught.value.status == 409
        assert file_at(repo, "docs/PLAN.md").sha == updated["content"].sha

    def test_writing_an_existing_file_without_sha_is_422(self, repo: Repository) -> None:
        repo.create_file("PLAN.md", "Add", b"v1\n")
        with pytest.raises(GithubException) as caught:
            repo.create_file("PLAN.md", "Add again", b"v2\n")
        assert caught.value.status == 422
        assert '"sha" wasn\'t supplied' in caught.value.data["message"]

    def test_person_pushing_makes_the_clients_sha_stale(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        repo.create_file("PLAN.md", "Add", b"v1\n")
        seen = file_at(repo, "PLAN.md")
        sandbox.store.put_file(REPO, "PLAN.md", b"v2 by a person\n")
        with pytest.raises(GithubException) as caught:
            repo.update_file("PLAN.md", "Mine", b"v2 by the tool\n", seen.sha)
        assert caught.value.status == 409
        assert sandbox.store.file(REPO, "PLAN.md").content == b"v2 by a person\n"

    def test_absent_file_and_directory_listing(
        self, sandbox: SandboxServer, repo: Repository
    ) -> None:
        with pytest.raises(UnknownObjectException):
            repo.get_contents("absent.md")
        sandbox.store.put_file(REPO, "docs/a.md", b"a")
        sandbox.store.put_file(REPO, "docs/deep/b.md", b"b")
        listing = repo.get_contents("docs")
        assert isinstance(listing, list)
        assert [(c.path, c.type) for c in listing] == [("docs/a.md", "file"), ("docs/deep", "dir")]


class TestConditionalRequests:
    def test_etag_gives_304_without_spending_rate_limit(self, sandbox: SandboxServer) -> None:
        sandbox.store.create_issue(REPO, "one")
        first = raw_get(sandbox, f"/repos/{REPO}/issues")
        etag = first.headers["etag"]
        assert etag.startswith('W/"')
        assert etag.endswith('"')
        again = raw_get(sandbox, f"/repos/{REPO}/issues", **{"If-None-Match": etag})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["x-ratelimit-remaining"] == first.headers["x-ratelimit-remaining"]
        assert again.headers["x-ratelimit-used"] == first.headers["x-ratelimit-used"]
        sandbox.store.create_issue(REPO, "two")
        changed = raw_get(sandbox, f"/repos/{REPO}/issues", **{"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed.headers["etag"] != etag
        assert int(changed.headers["x-ratelimit-remaining"]) == (
            int(first.headers["x-ratelimit-remaining"]) - 1
        )

    def test_last_modified_answers_if_modified_since(
        self, sandbox: SandboxServer, clock: FakeClock
    ) -> None:
        number = sandbox.store.create_issue(REPO, "dated")
        first = raw_get(sandbox, f"/repos/{REPO}/issues/{number}")
        stamp = first.headers["last-modified"]
        assert stamp == "Fri, 01 Mar 2024 09:00:00 GMT"
        same = raw_get(sandbox, f"/repos/{REPO}/issues/{number}", **{"If-Modified-Since": stamp})
        assert same.status_code == 304
        clock.advance(3)
        sandbox.store.set_issue_title(REPO, number, "dated, renamed")
        later = raw_get(sandbox, f"/repos/{REPO}/issues/{number}", **{"If-Modified-Since": stamp})
        assert later.status_code == 200

    def test_every_answer_carries_githubs_headers(self, sandbox: SandboxServer) -> None:
        answer = raw_get(sandbox, f"/repos/{REPO}")
        for name in (
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-ratelimit-used",
            "x-ratelimit-resource",
            "x-github-request-id",
            "etag",
            "last-modified",
        ):
            assert name in answer.headers
        assert answer.headers["x-ratelimit-limit"] == "5000"

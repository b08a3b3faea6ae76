"""The sandbox's GitLab REST v4 API, driven by the real python-gitlab client over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import gitlab
import pytest
import requests
from gitlab.exceptions import GitlabAuthenticationError, GitlabGetError, GitlabHttpError
from gitlab.v4.objects import Project

from plansync.clock import FakeClock
from plansync.sandbox.server import SandboxServer
from plansync.sandbox.store_errors import InvalidFieldError

PROJECT = "group/sub/project"
GITLAB_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def client(sandbox: SandboxServer, token: str = "sandbox-token") -> gitlab.Gitlab:
    return gitlab.Gitlab(sandbox.gitlab_url, private_token=token)


@pytest.fixture
def gl(sandbox: SandboxServer) -> Iterator[gitlab.Gitlab]:
    with client(sandbox) as connection:
        yield connection


@pytest.fixture
def project(gl: gitlab.Gitlab) -> Project:
    return gl.projects.get(PROJECT)


@pytest.fixture
def clock(sandbox: SandboxServer) -> FakeClock:
    fake = FakeClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    sandbox.store.set_clock(fake)
    return fake


def raw_get(sandbox: SandboxServer, path: str) -> requests.Response:
    return requests.get(
        f"{sandbox.gitlab_url}/api/v4{path}", headers={"PRIVATE-TOKEN": "t"}, timeout=10
    )


class TestProjectsAndAuth:
    def test_project_by_path_and_by_id_is_the_github_repository(
        self, sandbox: SandboxServer, gl: gitlab.Gitlab, project: Project
    ) -> None:
        assert project.path_with_namespace == PROJECT
        assert project.id == sandbox.store.repo(PROJECT).id
        assert gl.projects.get(project.id).path_with_namespace == PROJECT
        assert project.namespace["full_path"] == "group/sub"

    def test_unknown_project_is_404_project_not_found(self, gl: gitlab.Gitlab) -> None:
        with pytest.raises(GitlabGetError) as caught:
            gl.projects.get("group/absent")
        assert caught.value.response_code == 404
        assert caught.value.error_message == "404 Project Not Found"

    def test_bad_token_is_401(self, sandbox: SandboxServer) -> None:
        with pytest.raises(GitlabAuthenticationError) as caught:
            client(sandbox, "bad-token").projects.get(PROJECT)
        assert caught.value.response_code == 401
        assert caught.value.error_message == "401 Unauthorized"

    def test_current_user_follows_the_token(self, sandbox: SandboxServer) -> None:
        alice = client(sandbox, "as:alice")
        alice.auth()
        assert alice.user is not None
        assert alice.user.username == "alice"
        issue = alice.projects.get(PROJECT).issues.create({"title": "From alice"})
        assert issue.author["username"] == "alice"


class TestIssues:
    def test_create_read_update_close_reopen(
        self, sandbox: SandboxServer, gl: gitlab.Gitlab, project: Project
    ) -> None:
        sandbox.store.set_permission(PROJECT, "alice", "write")
        alice_id = gl.users.list(username="alice")[0].id
        milestone = project.milestones.create({"title": "Week 1"})
        issue = project.issues.create(
            {
                "title": "Parse tables",
                "description": "Body",
                "labels": "type: bug,estimate: 2h",
                "milestone_id": milestone.id,
                "assignee_ids": [alice_id],
            }
        )
        assert issue.state == "opened"
        assert issue.labels == ["type: bug", "estimate: 2h"]
        assert issue.milestone["iid"] == milestone.iid
        assert [a["username"] for a in issue.assignees] == ["alice"]
        assert GITLAB_TIME.match(issue.created_at)
        issue.title = "Parse all tables"
        issue.labels = ["type: bug"]
        issue.milestone_id = None
        issue.state_event = "close"
        issue.save()
        fetched = project.issues.get(issue.iid)
        assert (fetched.title, fetched.state, fetched.labels) == (
            "Parse all tables",
            "closed",
            ["type: bug"],
        )
        assert fetched.milestone is None
        assert fetched.attributes["closed_by"]["username"] == "plansync-bot"
        fetched.state_event = "reopen"
        fetched.save()
        assert project.issues.get(issue.iid).state == "opened"

    def test_non_members_are_left_out_of_assignees(
        self, sandbox: SandboxServer, gl: gitlab.Gitlab, project: Project
    ) -> None:
        sandbox.store.add_user("stranger")
        stranger = gl.users.list(username="stranger")[0].id
        issue = project.issues.create({"title": "Unassigned", "assignee_ids": [stranger]})
        assert issue.assignees == []

    def test_missing_title_is_400(self, sandbox: SandboxServer) -> None:
        answer = requests.post(
            f"{sandbox.gitlab_url}/api/v4/projects/{sandbox.store.repo(PROJECT).id}/issues",
            json={"description": "no title"},
            headers={"PRIVATE-TOKEN": "t"},
            timeout=10,
        )
        assert answer.status_code == 400
        assert answer.json() == {"error": "title is missing"}

    def test_pull_requests_do_not_exist_on_gitlab(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        sandbox.store.create_issue(PROJECT, "An issue")
        pr = sandbox.store.create_issue(PROJECT, "A merge request", pull_request=True)
        assert [i.title for i in project.issues.list(get_all=True)] == ["An issue"]
        with pytest.raises(GitlabGetError):
            project.issues.get(pr)

    def test_updated_after_is_inclusive_with_milliseconds(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        first = sandbox.store.create_issue(PROJECT, "first")
        clock.advance(0.25)
        second = sandbox.store.create_issue(PROJECT, "second")
        clock.advance(0.25)
        sandbox.store.close_issue(PROJECT, first)
        changed = project.issues.list(
            updated_after="2024-03-01T09:00:00.250Z",
            order_by="updated_at",
            sort="asc",
            get_all=True,
        )
        assert [i.iid for i in changed] == [second, first]
        assert changed[0].updated_at == "2024-03-01T09:00:00.250Z"

    def test_state_labels_and_search_filters(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        store = sandbox.store
        store.create_issue(PROJECT, "one", "has <!-- plansync:task=T1 --> marker", labels=["a"])
        closed = store.create_issue(PROJECT, "two", "plain", labels=["a", "b"])
        store.close_issue(PROJECT, closed)

        def titles(**kwargs: Any) -> list[str]:
            return [i.title for i in project.issues.list(get_all=True, **kwargs)]

        assert titles() == ["two", "one"]  # all states, newest first, as on GitLab
        assert titles(state="opened") == ["one"]
        assert titles(labels="a,b") == ["two"]
        assert titles(search="plansync:task=T1", **{"in": "description"}) == ["one"]
        assert titles(search="one", **{"in": "description"}) == []

    def test_250_issues_paginate_with_gitlab_headers(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        for n in range(250):
            sandbox.store.create_issue(PROJECT, f"Task {n:03d}")
        repo_id = sandbox.store.repo(PROJECT).id
        first = raw_get(sandbox, f"/projects/{repo_id}/issues?per_page=100")
        assert len(first.json()) == 100
        assert (first.headers["x-total"], first.headers["x-total-pages"]) == ("250", "3")
        assert (first.headers["x-page"], first.headers["x-next-page"]) == ("1", "2")
        assert first.links["next"]["url"] == (
            f"{sandbox.gitlab_url}/api/v4/projects/{repo_id}/issues?per_page=100&page=2"
        )
        assert len(raw_get(sandbox, f"/projects/{repo_id}/issues").json()) == 20
        assert len(project.issues.list(get_all=True, per_page=100)) == 250
        assert sandbox.store.requests.count("GET", path_contains="/issues?per_page=100") == 4


class TestTimeTracking:
    def test_estimate_set_shown_and_reset(self, project: Project) -> None:
        issue = project.issues.create({"title": "Estimate me"})
        stats = issue.time_estimate("1h30m")
        assert stats["time_estimate"] == 5400
        assert stats["human_time_estimate"] == "1h 30m"
        assert project.issues.get(issue.iid).attributes["time_stats"]["time_estimate"] == 5400
        issue.time_estimate("1d")
        assert project.issues.get(issue.iid).attributes["time_stats"]["time_estimate"] == 8 * 3600
        assert issue.reset_time_estimate()["time_estimate"] == 0

    def test_an_estimate_quick_action_in_a_new_description_is_run_and_taken_out(
        self, project: Project
    ) -> None:
        issue = project.issues.create(
            {"title": "Estimated", "description": "Body text\n\n/estimate 1h30m\n"}
        )
        assert issue.attributes["time_stats"]["time_estimate"] == 5400
        assert issue.attributes["description"] == "Body text"
        plain = project.issues.create({"title": "Prose", "description": "See /estimate soon"})
        assert plain.attributes["description"] == "See /estimate soon"
        assert plain.attributes["time_stats"]["time_estimate"] == 0

    def test_invalid_duration_is_400(self, project: Project) -> None:
        issue = project.issues.create({"title": "Estimate me"})
        with pytest.raises(gitlab.exceptions.GitlabTimeTrackingError) as caught:
            issue.time_estimate("soon")
        assert caught.value.response_code == 400


class TestNotesAndEmoji:
    def test_notes_include_activity_and_sort(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Discuss"})
        issue.notes.create({"body": "first"})
        clock.advance(1)
        sandbox.store.add_comment(PROJECT, issue.iid, "/plan done", user="alice")
        clock.advance(1)
        issue.state_event = "close"
        issue.save()
        notes = issue.notes.list(get_all=True, sort="asc", order_by="created_at")
        assert [(n.body, n.system, n.author["username"]) for n in notes] == [
            ("first", False, "plansync-bot"),
            ("/plan done", False, "alice"),
            ("closed", True, "plansync-bot"),
        ]
        assert issue.notes.list(get_all=True)[0].body == "closed"  # newest first by default
        assert project.issues.get(issue.iid).user_notes_count == 2

    def test_award_emoji_on_a_note_once(self, sandbox: SandboxServer, project: Project) -> None:
        issue = project.issues.create({"title": "React"})
        note = issue.notes.create({"body": "/plan status"})
        award = note.awardemojis.create({"name": "eyes"})
        assert (award.name, award.awardable_type) == ("eyes", "Note")
        note.awardemojis.create({"name": "thumbsup"})
        with pytest.raises(gitlab.exceptions.GitlabCreateError) as caught:
            note.awardemojis.create({"name": "eyes"})
        assert caught.value.response_code == 404
        reactions = sandbox.store.comment(PROJECT, note.id).reactions
        assert [r.content for r in reactions] == ["eyes", "+1"]  # GitHub's word for thumbsup


class TestThrottledTouch:
    """GitLab's Issue includes ThrottledTouch: a note added or edited moves the issue's
    updated_at only when that is more than a minute old."""

    def test_a_note_within_the_minute_leaves_the_issue_alone(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Fresh"})
        clock.advance(20)
        issue.notes.create({"body": "by the bot"})
        sandbox.store.add_comment(PROJECT, issue.iid, "/plan done", user="alice")
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:00:00.000Z"

    def test_a_note_after_the_minute_moves_the_issue(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Quiet"})
        clock.advance(60)
        sandbox.store.add_comment(PROJECT, issue.iid, "exactly a minute on", user="alice")
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:00:00.000Z"
        clock.advance(0.5)
        issue.notes.create({"body": "just over a minute on"})
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:01:00.500Z"

    def test_an_edited_note_follows_the_same_rule(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Edited"})
        note = issue.notes.create({"body": "/plan dne"})
        clock.advance(30)
        note.body = "/plan done"
        note.save()
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:00:00.000Z"
        clock.advance(120)
        sandbox.store.edit_comment(PROJECT, note.id, "/plan done, really")
        edited = issue.notes.get(note.id)
        assert edited.updated_at == "2024-03-01T09:02:30.000Z"
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:02:30.000Z"

    def test_an_unchanged_edit_moves_nothing(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Same"})
        note = issue.notes.create({"body": "as it was"})
        clock.advance(300)
        sandbox.store.edit_comment(PROJECT, note.id, "as it was")
        assert issue.notes.get(note.id).updated_at == "2024-03-01T09:00:00.000Z"
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:00:00.000Z"

    def test_without_the_throttle_every_note_moves_its_issue(
        self, sandbox: SandboxServer, clock: FakeClock, project: Project
    ) -> None:
        sandbox.store.throttle_note_touch = False
        issue = project.issues.create({"title": "Simple"})
        clock.advance(20)
        issue.notes.create({"body": "moves it"})
        assert project.issues.get(issue.iid).updated_at == "2024-03-01T09:00:20.000Z"
        sandbox.store.reset()
        assert sandbox.store.throttle_note_touch is True  # back to what it was built with

    def test_activity_notes_are_not_edited_through_the_store(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        issue = project.issues.create({"title": "Closing"})
        issue.state_event = "close"
        issue.save()
        [activity] = sandbox.store.comments(PROJECT, issue.iid, include_system=True)
        with pytest.raises(InvalidFieldError, match="activity note"):
            sandbox.store.edit_comment(PROJECT, activity.id, "rewritten history")


class TestMilestonesAndLabels:
    def test_milestones_by_id_with_iid_and_state_events(self, project: Project) -> None:
        first = project.milestones.create({"title": "Week 1", "due_date": "2024-05-01"})
        second = project.milestones.create({"title": "Week 2"})
        assert (first.iid, second.iid) == (1, 2)
        assert first.id != first.iid
        fetched = project.milestones.get(first.id)
        assert (fetched.title, fetched.due_date, fetched.state) == (
            "Week 1",
            "2024-05-01",
            "active",
        )
        fetched.state_event = "close"
        fetched.description = "done"
        fetched.save()
        assert [m.title for m in project.milestones.list(state="closed")] == ["Week 1"]
        assert [m.title for m in project.milestones.list(state="active")] == ["Week 2"]
        with pytest.raises(gitlab.exceptions.GitlabCreateError) as caught:
            project.milestones.create({"title": "Week 2"})
        assert caught.value.response_code == 400

    def test_labels_create_list_and_duplicate(self, project: Project) -> None:
        label = project.labels.create({"name": "phase: 1", "color": "#428BCA"})
        assert (label.name, label.color) == ("phase: 1", "#428BCA")
        project.issues.create({"title": "x", "labels": "auto"})
        assert {x.name for x in project.labels.list(get_all=True)} == {"phase: 1", "auto"}
        with pytest.raises(gitlab.exceptions.GitlabCreateError) as caught:
            project.labels.create({"name": "Phase: 1", "color": "#000000"})
        assert caught.value.response_code == 409
        assert caught.value.error_message == "Label already exists"


class TestPeople:
    @pytest.mark.parametrize(
        ("role", "level"),
        [("read", 10), ("triage", 20), ("write", 30), ("maintain", 40), ("admin", 50)],
    )
    def test_roles_are_access_levels(
        self,
        sandbox: SandboxServer,
        gl: gitlab.Gitlab,
        project: Project,
        role: str,
        level: int,
    ) -> None:
        sandbox.store.set_permission(PROJECT, "carol", role)
        carol = gl.users.list(username="carol")
        assert [u.username for u in carol] == ["carol"]
        assert project.members_all.get(carol[0].id).access_level == level

    def test_unknown_user_and_non_member(
        self, sandbox: SandboxServer, gl: gitlab.Gitlab, project: Project
    ) -> None:
        assert gl.users.list(username="nobody-at-all") == []
        sandbox.store.add_user("dave")
        dave = gl.users.list(username="dave")[0]
        with pytest.raises(GitlabGetError) as caught:
            project.members_all.get(dave.id)
        assert caught.value.response_code == 404


class TestRepositoryFiles:
    def test_create_read_update(self, project: Project) -> None:
        content = "# Plan\r\n- [ ] caf\u00e9\r\n"
        project.files.create(
            {
                "file_path": "docs/PLAN.md",
                "branch": "main",
                "content": content,
                "commit_message": "Add plan",
            }
        )
        read = project.files.get("docs/PLAN.md", ref="main")
        assert read.decode() == content.encode()
        assert project.files.raw("docs/PLAN.md", ref="main") == content.encode()
        project.files.update(
            "docs/PLAN.md",
            {
                "branch": "main",
                "content": "djI=",
                "encoding": "base64",
                "commit_message": "Edit",
                "last_commit_id": read.last_commit_id,
            },
        )
        assert project.files.get("docs/PLAN.md", ref="main").decode() == b"v2"

    def test_stale_last_commit_id_is_refused(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        sandbox.store.put_file(PROJECT, "PLAN.md", b"v1\n")
        seen = project.files.get("PLAN.md", ref="main").last_commit_id
        sandbox.store.put_file(PROJECT, "PLAN.md", b"v2 by a person\n")
        with pytest.raises(gitlab.exceptions.GitlabUpdateError) as caught:
            project.files.update(
                "PLAN.md",
                {
                    "branch": "main",
                    "content": "mine",
                    "commit_message": "Edit",
                    "last_commit_id": seen,
                },
            )
        assert caught.value.response_code == 400
        assert "has changed since you started editing it" in caught.value.error_message
        assert sandbox.store.file(PROJECT, "PLAN.md").content == b"v2 by a person\n"

    def test_absent_file_and_create_over_existing(
        self, sandbox: SandboxServer, project: Project
    ) -> None:
        with pytest.raises(GitlabGetError) as caught:
            project.files.get("absent.md", ref="main")
        assert caught.value.error_message == "404 File Not Found"
        sandbox.store.put_file(PROJECT, "PLAN.md", b"v1\n")
        with pytest.raises(gitlab.exceptions.GitlabCreateError) as created:
            project.files.create(
                {"file_path": "PLAN.md", "branch": "main", "content": "x", "commit_message": "c"}
            )
        assert created.value.error_message == "A file with this name already exists"


class TestHeaders:
    def test_rate_limit_headers_and_etag(self, sandbox: SandboxServer) -> None:
        repo_id = sandbox.store.repo(PROJECT).id
        first = raw_get(sandbox, f"/projects/{repo_id}/issues")
        for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset", "etag"):
            assert name in first.headers
        again = requests.get(
            f"{sandbox.gitlab_url}/api/v4/projects/{repo_id}/issues",
            headers={"PRIVATE-TOKEN": "t", "If-None-Match": first.headers["etag"]},
            timeout=10,
        )
        assert again.status_code == 304

    def test_unknown_route_is_404(self, sandbox: SandboxServer) -> None:
        answer = raw_get(sandbox, "/projects/1/pipelines")
        assert answer.status_code == 404
        with pytest.raises(GitlabHttpError):
            client(sandbox).http_get("/projects/1/pipelines")

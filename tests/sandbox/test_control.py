"""The sandbox's own controls: faults, rate limits, the /_sandbox/ endpoints, the state file,
and the server's lifecycle."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gitlab
import pytest
import requests
from github import GithubException, RateLimitExceededException

from builders import sandbox_github
from plansync.clock import FakeClock
from plansync.sandbox import control as control_module
from plansync.sandbox.acts import ACTS
from plansync.sandbox.faults import FaultRule
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.server import SandboxServer

REPO = "demo/plans"
GITHUB_TOKEN = {"Authorization": "token sandbox-token"}


def issues_url(sandbox: SandboxServer) -> str:
    return f"{sandbox.github_api_url}/repos/{REPO}/issues"


def post_issue(sandbox: SandboxServer, title: str, timeout: float = 10) -> requests.Response:
    return requests.post(
        issues_url(sandbox), json={"title": title}, headers=GITHUB_TOKEN, timeout=timeout
    )


def control(sandbox: SandboxServer, method: str, name: str, body: Any = None) -> requests.Response:
    return requests.request(method, f"{sandbox.url}/_sandbox/{name}", json=body, timeout=10)


def titles(sandbox: SandboxServer) -> list[str]:
    return [i.title for i in sandbox.store.issues(REPO)]


@pytest.fixture
def clock(sandbox: SandboxServer) -> FakeClock:
    fake = FakeClock(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))
    sandbox.store.set_clock(fake)
    return fake


class TestFaults:
    @pytest.mark.parametrize("kind", ["500", "502"])
    def test_server_errors_before_change_nothing(self, sandbox: SandboxServer, kind: str) -> None:
        sandbox.store.faults.fail(kind, nth=1, methods=["POST"])
        with pytest.raises(GithubException) as caught:
            sandbox_github(sandbox).get_repo(REPO).create_issue("Lost")
        assert caught.value.status == int(kind)
        assert titles(sandbox) == []

    @pytest.mark.parametrize("kind", ["500", "502"])
    def test_server_errors_after_apply_the_write(self, sandbox: SandboxServer, kind: str) -> None:
        sandbox.store.faults.fail(kind, nth=1, methods=["POST"], when="after")
        answer = post_issue(sandbox, "Applied anyway")
        assert answer.status_code == int(kind)
        assert titles(sandbox) == ["Applied anyway"]
        assert post_issue(sandbox, "Second").status_code == 201  # nth fires once

    def test_429_carries_retry_after_on_github(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("429", nth=1, retry_after=7)
        answer = requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10)
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "7"
        assert answer.json()["message"].startswith("You have exceeded a secondary rate limit")

    def test_429_after_applies_the_write(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("429", nth=1, methods=["POST"], when="after")
        assert post_issue(sandbox, "Counted").status_code == 429
        assert titles(sandbox) == ["Counted"]

    def test_429_on_gitlab_says_when_to_come_back(
        self, sandbox: SandboxServer, clock: FakeClock
    ) -> None:
        sandbox.store.faults.fail("429", nth=1, retry_after=5, api="gitlab")
        answer = requests.get(
            f"{sandbox.gitlab_url}/api/v4/projects/{sandbox.store.repo(REPO).id}",
            headers={"PRIVATE-TOKEN": "t"},
            timeout=10,
        )
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "5"
        reset = datetime(2024, 3, 1, 9, 0, 5, tzinfo=UTC)
        assert answer.headers["RateLimit-Reset"] == str(int(reset.timestamp()))
        assert answer.headers["RateLimit-ResetTime"] == "Fri, 01 Mar 2024 09:00:05 GMT"

    def test_python_gitlab_waits_out_a_429_and_retries(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("429", nth=1, retry_after=0, api="gitlab")
        project = gitlab.Gitlab(sandbox.gitlab_url, private_token="t").projects.get(REPO)
        assert project.path_with_namespace == REPO
        assert [e.status for e in sandbox.store.requests.entries] == [429, 200]
        assert sandbox.store.requests.entries[0].fault == "429"

    def test_drop_before_and_after(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("drop", nth=1, methods=["POST"])
        with pytest.raises(requests.ConnectionError):
            post_issue(sandbox, "Dropped first")
        assert titles(sandbox) == []
        sandbox.store.faults.clear()
        sandbox.store.faults.fail("drop", nth=1, methods=["POST"], when="after")
        with pytest.raises(requests.ConnectionError):
            post_issue(sandbox, "Dropped after the write")
        assert titles(sandbox) == ["Dropped after the write"]
        assert sandbox.store.requests.by_status() == {"no answer": 2}

    def test_timeout_before_holds_then_hangs_up_without_writing(
        self, sandbox: SandboxServer
    ) -> None:
        sandbox.store.faults.fail("timeout", nth=1, methods=["POST"], seconds=0.6)
        with pytest.raises(requests.Timeout):
            post_issue(sandbox, "Too slow", timeout=0.2)
        time.sleep(0.6)
        assert titles(sandbox) == []

    def test_timeout_after_has_written_when_the_client_gives_up(
        self, sandbox: SandboxServer
    ) -> None:
        sandbox.store.faults.fail("timeout", nth=1, methods=["POST"], seconds=0.6, when="after")
        with pytest.raises(requests.Timeout):
            post_issue(sandbox, "Slow but done", timeout=0.2)
        assert titles(sandbox) == ["Slow but done"]

    def test_every_nth_matching_request_fails(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("500", every=2, methods=["POST"])
        statuses = []
        for n in range(4):
            requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10)  # not counted
            statuses.append(post_issue(sandbox, f"T{n}").status_code)
        assert statuses == [201, 500, 201, 500]
        assert titles(sandbox) == ["T0", "T2"]

    def test_path_and_api_filters(self, sandbox: SandboxServer) -> None:
        sandbox.store.faults.fail("500", nth=1, api="gitlab")
        sandbox.store.faults.fail("502", nth=1, path_contains="/milestones")
        assert post_issue(sandbox, "fine").status_code == 201
        milestone = requests.post(
            f"{sandbox.github_api_url}/repos/{REPO}/milestones",
            json={"title": "M"},
            headers=GITHUB_TOKEN,
            timeout=10,
        )
        assert milestone.status_code == 502
        gitlab_answer = requests.get(
            f"{sandbox.gitlab_url}/api/v4/projects/1001", headers={"PRIVATE-TOKEN": "t"}, timeout=10
        )
        assert gitlab_answer.status_code == 500

    def test_rules_are_validated(self) -> None:
        with pytest.raises(ValueError, match="exactly one of"):
            FaultRule.from_json({"kind": "500"})
        with pytest.raises(ValueError, match="kind"):
            FaultRule.from_json({"kind": "418", "nth": 1})
        with pytest.raises(ValueError, match="unknown fields"):
            FaultRule.from_json({"kind": "500", "nth": 1, "nht": 2})
        with pytest.raises(ValueError, match=">= 1"):
            FaultRule.from_json({"kind": "drop", "every": 0})


class TestRateLimits:
    def test_secondary_limit_on_creates(self, sandbox: SandboxServer, clock: FakeClock) -> None:
        sandbox.store.limits.configure(
            LimitConfig(secondary=2, secondary_window=60, secondary_retry_after=30)
        )
        repo = sandbox_github(sandbox).get_repo(REPO)
        repo.create_issue("one")
        repo.create_issue("two")
        with pytest.raises(RateLimitExceededException) as caught:
            repo.create_issue("three")
        assert caught.value.status == 403
        assert caught.value.headers is not None
        assert caught.value.headers["retry-after"] == "30"
        assert repo.get_issue(1).title == "one"  # reads are not creates
        gitlab_answer = requests.post(
            f"{sandbox.gitlab_url}/api/v4/projects/{repo.id}/issues",
            json={"title": "three"},
            headers={"PRIVATE-TOKEN": "t"},
            timeout=10,
        )
        assert (gitlab_answer.status_code, gitlab_answer.headers["Retry-After"]) == (429, "30")
        clock.advance(61)
        assert repo.create_issue("three").number == 3

    def test_primary_limit_on_github(self, sandbox: SandboxServer, clock: FakeClock) -> None:
        sandbox.store.limits.configure(LimitConfig(primary=3, primary_window=3600))
        for _ in range(3):
            assert requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10).ok
        refused = requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10)
        assert refused.status_code == 403
        assert refused.headers["x-ratelimit-remaining"] == "0"
        reset = int(refused.headers["x-ratelimit-reset"])
        assert reset == int(datetime(2024, 3, 1, 10, 0, tzinfo=UTC).timestamp())
        assert refused.json()["message"].startswith("API rate limit exceeded")
        with pytest.raises(RateLimitExceededException):
            sandbox_github(sandbox).get_repo(REPO)
        clock.advance(3600)
        again = requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10)
        assert (again.status_code, again.headers["x-ratelimit-remaining"]) == (200, "2")

    def test_primary_limit_on_gitlab_is_429_with_retry_after(
        self, sandbox: SandboxServer, clock: FakeClock
    ) -> None:
        sandbox.store.limits.configure(LimitConfig(primary=1, primary_window=60))
        url = f"{sandbox.gitlab_url}/api/v4/projects/{sandbox.store.repo(REPO).id}"
        assert requests.get(url, headers={"PRIVATE-TOKEN": "t"}, timeout=10).ok
        clock.advance(20)
        refused = requests.get(url, headers={"PRIVATE-TOKEN": "t"}, timeout=10)
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "40"
        assert refused.headers["RateLimit-Remaining"] == "0"

    def test_limits_are_per_person(self, sandbox: SandboxServer) -> None:
        sandbox.store.limits.configure(LimitConfig(primary=1))
        assert requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10).ok
        alice = {"Authorization": "token as:alice"}
        assert requests.get(issues_url(sandbox), headers=alice, timeout=10).ok


class TestControlEndpoints:
    def test_state_shows_every_repository(self, sandbox: SandboxServer) -> None:
        store = sandbox.store
        number = store.create_issue(REPO, "Visible", labels=["bug"])
        store.add_comment(REPO, number, "hello", user="alice")
        store.create_milestone(REPO, "Week 1")
        store.put_file(REPO, "PLAN.md", b"# plan\n")
        state = control(sandbox, "GET", "state").json()
        repos = {r["full_name"]: r for r in state["repos"]}
        assert set(repos) == {"demo/plans", "demo/other", "group/sub/project"}
        plans = repos[REPO]
        assert [i["title"] for i in plans["issues"]] == ["Visible"]
        assert [c["body"] for c in plans["comments"]] == ["hello"]
        assert [m["title"] for m in plans["milestones"]] == ["Week 1"]
        assert [x["name"] for x in plans["labels"]] == ["bug"]
        assert [(f["path"], f["size"]) for f in plans["files"]] == [("PLAN.md", 7)]

    def test_request_log_counts_api_requests_only(self, sandbox: SandboxServer) -> None:
        post_issue(sandbox, "one")
        requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10)
        requests.get(
            f"{sandbox.github_api_url}/repos/demo/absent", headers=GITHUB_TOKEN, timeout=10
        )
        control(sandbox, "GET", "state")
        log = control(sandbox, "GET", "requests").json()
        assert log["total"] == 3
        assert log["by_method"] == {"POST": 1, "GET": 2}
        assert log["by_status"] == {"201": 1, "200": 1, "404": 1}
        assert log["requests"][0]["path"] == f"/api/v3/repos/{REPO}/issues"

    def test_reset_empties_everything(self, sandbox: SandboxServer) -> None:
        sandbox.store.create_issue(REPO, "gone soon")
        sandbox.store.faults.fail("500", every=1)
        assert control(sandbox, "POST", "reset").json() == {"ok": True}
        assert titles(sandbox) == []
        assert sandbox.store.faults.rules == ()
        assert sandbox.store.requests.entries == []
        assert post_issue(sandbox, "fresh").json()["number"] == 1

    def test_faults_endpoint_configures_and_reports(self, sandbox: SandboxServer) -> None:
        answer = control(
            sandbox,
            "POST",
            "faults",
            {
                "faults": [{"kind": "502", "nth": 1, "methods": ["post"], "when": "after"}],
                "limits": {"secondary": 5},
            },
        )
        assert answer.status_code == 200
        assert answer.json()["faults"][0]["methods"] == ["POST"]
        assert answer.json()["limits"]["config"]["secondary"] == 5
        assert post_issue(sandbox, "after fault").status_code == 502
        assert titles(sandbox) == ["after fault"]
        report = control(sandbox, "GET", "faults").json()["faults"][0]
        assert (report["seen"], report["fired"]) == (1, 1)
        cleared = control(sandbox, "POST", "faults", {"faults": []})
        assert cleared.json()["faults"] == []

    def test_faults_endpoint_refuses_bad_input_with_a_reason(self, sandbox: SandboxServer) -> None:
        bad = control(sandbox, "POST", "faults", {"faults": [{"kind": "500"}]})
        assert bad.status_code == 400
        assert "exactly one of" in bad.json()["error"]
        unknown = control(sandbox, "POST", "faults", {"fault": []})
        assert unknown.status_code == 400
        assert "unknown fields ['fault']" in unknown.json()["error"]

    def test_act_plays_the_other_side(self, sandbox: SandboxServer) -> None:
        def act(**body: Any) -> dict[str, Any]:
            answer = control(sandbox, "POST", "act", body)
            assert answer.status_code == 200, answer.text
            result: dict[str, Any] = answer.json()
            return result

        number = act(action="create_issue", repo=REPO, title="Theirs", user="alice")["number"]
        act(action="set_title", repo=REPO, number=number, title="Theirs, renamed", user="alice")
        comment = act(action="comment", repo=REPO, number=number, body="/plan done", user="bob")
        act(action="close_issue", repo=REPO, number=number, reason="not_planned", user="alice")
        issue = sandbox.store.issue(REPO, number)
        assert (issue.title, issue.state, issue.state_reason, issue.closed_by) == (
            "Theirs, renamed",
            "closed",
            "not_planned",
            "alice",
        )
        assert sandbox.store.comment(REPO, comment["id"]).author == "bob"
        act(action="reopen_issue", repo=REPO, number=number)
        assert sandbox.store.issue(REPO, number).state == "open"
        act(action="set_permission", repo=REPO, user="bob", role="maintain")
        assert sandbox.store.permission(REPO, "bob") == "maintain"
        act(action="put_file", repo=REPO, path="PLAN.md", content="caf\u00e9\n")
        assert sandbox.store.file(REPO, "PLAN.md").content == "caf\u00e9\n".encode()
        pr = act(action="create_issue", repo=REPO, title="A PR", pull_request=True)["number"]
        assert sandbox.store.issue(REPO, pr).pull_request

    def test_act_refuses_with_a_reason(self, sandbox: SandboxServer) -> None:
        unknown = control(sandbox, "POST", "act", {"action": "explode"})
        assert unknown.status_code == 400
        assert "close_issue" in unknown.json()["error"]
        missing = control(sandbox, "POST", "act", {"action": "close_issue", "repo": REPO})
        assert (missing.status_code, "'number'" in missing.json()["error"]) == (400, True)
        absent = control(
            sandbox, "POST", "act", {"action": "close_issue", "repo": REPO, "number": 9}
        )
        assert absent.status_code == 404
        assert "#9" in absent.json()["error"]
        assert control(sandbox, "GET", "nothing-here").status_code == 404


def act_ok(sandbox: SandboxServer, **body: Any) -> dict[str, Any]:
    answer = control(sandbox, "POST", "act", body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


class TestEveryAct:
    def test_the_docstring_lists_every_act(self) -> None:
        doc = control_module.__doc__ or ""
        listed = doc.split("The acts", 1)[1].split(":", 1)[1].split("\n\n", 1)[0]
        names = [name.strip(" .\n") for name in listed.split(",")]
        assert sorted(names) == sorted(ACTS)

    def test_update_issue_sets_labels_milestone_and_assignees(self, sandbox: SandboxServer) -> None:
        store = sandbox.store
        store.set_permission(REPO, "carol", "write")
        week = act_ok(sandbox, action="create_milestone", repo=REPO, title="Week 1")["number"]
        number = act_ok(sandbox, action="create_issue", repo=REPO, title="Planned")["number"]
        act_ok(
            sandbox,
            action="update_issue",
            repo=REPO,
            number=number,
            labels=["phase: 1"],
            milestone=week,
            assignees=["carol"],
            user="alice",
        )
        issue = store.issue(REPO, number)
        assert (issue.labels, issue.milestone, issue.assignees) == (["phase: 1"], week, ["carol"])
        act_ok(sandbox, action="update_issue", repo=REPO, number=number, milestone=None)
        assert store.issue(REPO, number).milestone is None
        assert store.issue(REPO, number).labels == ["phase: 1"]  # absent fields stay

    def test_edit_comment_and_react(self, sandbox: SandboxServer, clock: FakeClock) -> None:
        number = act_ok(sandbox, action="create_issue", repo=REPO, title="Talk")["number"]
        comment = act_ok(
            sandbox, action="comment", repo=REPO, number=number, body="/plan dne", user="bob"
        )["id"]
        clock.advance(90)
        edited = act_ok(
            sandbox, action="edit_comment", repo=REPO, comment_id=comment, body="/plan done"
        )
        assert edited["updated_at"] == "2024-03-01T09:01:30+00:00"
        stored = sandbox.store.comment(REPO, comment)
        assert (stored.body, stored.author) == ("/plan done", "bob")
        first = act_ok(sandbox, action="react", repo=REPO, comment_id=comment, reaction="thumbsup")
        again = act_ok(sandbox, action="react", repo=REPO, comment_id=comment, reaction="+1")
        assert (first["new"], again["new"], again["id"]) == (True, False, first["id"])
        assert [r.content for r in stored.reactions] == ["+1"]

    def test_estimate_milestone_and_label_acts(self, sandbox: SandboxServer) -> None:
        store = sandbox.store
        number = act_ok(sandbox, action="create_issue", repo=REPO, title="Sized")["number"]
        act_ok(sandbox, action="set_estimate", repo=REPO, number=number, seconds=5400)
        assert store.issue(REPO, number).time_estimate == 5400
        week = act_ok(
            sandbox,
            action="create_milestone",
            repo=REPO,
            title="Week 2",
            due_on="2025-03-14",
            user="alice",
        )["number"]
        act_ok(
            sandbox, action="update_milestone", repo=REPO, number=week, state="closed", due_on=None
        )
        milestone = store.milestone(REPO, week)
        assert (milestone.state, milestone.due_on, milestone.creator) == ("closed", None, "alice")
        act_ok(sandbox, action="create_label", repo=REPO, name="bug", color="#d73a4a")
        act_ok(sandbox, action="update_issue", repo=REPO, number=number, labels=["bug"])
        act_ok(sandbox, action="update_label", repo=REPO, name="bug", new_name="defect")
        assert store.issue(REPO, number).labels == ["defect"]
        assert store.label(REPO, "defect").color == "d73a4a"

    def test_delete_issue_and_binary_file(self, sandbox: SandboxServer) -> None:
        number = act_ok(sandbox, action="create_issue", repo=REPO, title="Gone")["number"]
        act_ok(sandbox, action="delete_issue", repo=REPO, number=number)
        assert sandbox.store.issues(REPO) == []
        act_ok(sandbox, action="put_file", repo=REPO, path="odd.md", content_base64="/w==")
        assert sandbox.store.file(REPO, "odd.md").content == b"\xff"


class TestActRefusals:
    """A malformed act is answered 400 with the field and what was expected, and changes
    nothing; the connection stays up."""

    @pytest.mark.parametrize(
        ("body", "field", "expected"),
        [
            ({"action": "create_issue", "title": "y", "labels": 5}, "labels", "list of strings"),
            ({"action": "create_issue", "title": "y", "assignees": "bob"}, "assignees", "list"),
            ({"action": "create_issue", "title": "y", "milestone": "one"}, "milestone", "integer"),
            (
                {"action": "create_issue", "title": "y", "pull_request": "yes"},
                "pull_request",
                "true or false",
            ),
            ({"action": "create_issue", "title": "y", "body": ["x"]}, "body", "string"),
            ({"action": "create_issue", "title": None}, "title", "string"),
            ({"action": "comment", "number": True, "body": "hi"}, "number", "integer"),
            ({"action": "close_issue", "number": 1, "reason": "bored"}, "reason", "not_planned"),
            ({"action": "set_estimate", "number": 1, "seconds": -5}, "seconds", ">= 0"),
            ({"action": "create_issue", "title": "y", "user": ""}, "user", "user name"),
            ({"action": "create_milestone", "title": "W", "due_on": "soon"}, "due_on", "date"),
            ({"action": "create_issue", "titel": "y"}, "titel", "unknown fields"),
        ],
    )
    def test_wrongly_typed_field_is_400_naming_it(
        self, sandbox: SandboxServer, body: dict[str, Any], field: str, expected: str
    ) -> None:
        sandbox.store.create_issue(REPO, "Existing")
        version = sandbox.store.version
        answer = control(sandbox, "POST", "act", {"repo": REPO, **body})
        assert answer.status_code == 400
        message = answer.json()["error"]
        assert f"'{field}'" in message
        assert expected in message
        assert f"act {body['action']}" in message.lower()
        assert sandbox.store.version == version  # nothing changed

    def test_put_file_needs_exactly_one_content(self, sandbox: SandboxServer) -> None:
        both = {"action": "put_file", "repo": REPO, "path": "a.md", "content": "x"}
        answer = control(sandbox, "POST", "act", {**both, "content_base64": "eA=="})
        assert answer.status_code == 400
        assert "exactly one of 'content'" in answer.json()["error"]
        garbled = {"action": "put_file", "repo": REPO, "path": "a.md", "content_base64": "%%"}
        bad = control(sandbox, "POST", "act", garbled)
        assert (bad.status_code, "valid base64" in bad.json()["error"]) == (400, True)

    def test_unknown_repository_says_how_to_start_the_sandbox_with_it(
        self, sandbox: SandboxServer
    ) -> None:
        answer = control(
            sandbox, "POST", "act", {"action": "create_issue", "repo": "acme/app", "title": "x"}
        )
        assert answer.status_code == 404
        message = answer.json()["error"]
        assert "'acme/app'" in message
        assert "plansync sandbox --repo acme/app" in message
        assert "store." not in message  # nothing an HTTP caller could do

    def test_unknown_repository_on_the_apis_is_answered_as_the_services_do(
        self, sandbox: SandboxServer
    ) -> None:
        github = requests.get(
            f"{sandbox.github_api_url}/repos/acme/app", headers=GITHUB_TOKEN, timeout=10
        )
        assert github.status_code == 404
        assert github.json() == {
            "message": "Not Found",
            "documentation_url": "https://docs.github.com/rest",
        }
        gitlab_answer = requests.get(
            f"{sandbox.gitlab_url}/api/v4/projects/acme%2Fapp",
            headers={"PRIVATE-TOKEN": "t"},
            timeout=10,
        )
        assert gitlab_answer.status_code == 404
        assert gitlab_answer.json() == {"message": "404 Project Not Found"}


class TestFaultRefusals:
    @pytest.mark.parametrize(
        ("body", "field", "expected"),
        [
            ({"faults": [{"kind": "500", "nth": 1, "seconds": [1]}]}, "seconds", "number"),
            ({"faults": [{"kind": "500", "nth": 1, "methods": 5}]}, "methods", "list of strings"),
            (
                {"faults": [{"kind": "500", "nth": 1, "path_contains": 5}]},
                "path_contains",
                "string",
            ),
            ({"faults": [{"kind": "500", "nth": 1, "api": ["gitlab"]}]}, "api", "string"),
            ({"faults": [{"kind": "500", "nth": "1"}]}, "nth", "integer"),
            ({"faults": [{"kind": "500", "nth": 1, "retry_after": 1.5}]}, "retry_after", "integer"),
            ({"faults": [{"kind": 500, "nth": 1}]}, "kind", "'502'"),
            ({"faults": ["500"]}, "faults", "list of objects"),
            ({"faults": [], "append": "no"}, "append", "true or false"),
            ({"limits": {"primary": [1]}}, "primary", "integer"),
            ({"limits": {"secondary_window": None}}, "secondary_window", "above 0"),
            ({"limits": {"primary_window": 0}}, "primary_window", "above 0"),
            ({"limits": 5}, "limits", "object"),
        ],
    )
    def test_wrongly_typed_field_is_400_naming_it(
        self, sandbox: SandboxServer, body: dict[str, Any], field: str, expected: str
    ) -> None:
        sandbox.store.faults.fail("502", nth=3)
        answer = control(sandbox, "POST", "faults", body)
        assert answer.status_code == 400
        message = answer.json()["error"]
        assert f"'{field}'" in message
        assert expected in message
        # Nothing changed: the rule in force stays, and API requests are served.
        assert [r.kind.value for r in sandbox.store.faults.rules] == ["502"]
        assert requests.get(issues_url(sandbox), headers=GITHUB_TOKEN, timeout=10).ok

    def test_a_number_that_is_not_finite_is_refused(self, sandbox: SandboxServer) -> None:
        answer = requests.post(
            f"{sandbox.url}/_sandbox/faults",
            data=b'{"faults": [{"kind": "timeout", "nth": 1, "seconds": NaN}]}',
            timeout=10,
        )
        assert answer.status_code == 400
        assert "'seconds'" in answer.json()["error"]

    def test_a_body_that_is_not_an_object_is_refused(self, sandbox: SandboxServer) -> None:
        answer = requests.post(f"{sandbox.url}/_sandbox/act", data=b"[1, 2]", timeout=10)
        assert answer.status_code == 400
        assert "JSON object" in answer.json()["error"]


class TestControlFailures:
    def test_a_failure_inside_the_sandbox_is_answered_500_not_hung_up(
        self, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken() -> dict[str, Any]:
            raise RuntimeError("state unavailable")

        monkeypatch.setattr(sandbox.store, "snapshot", broken)
        answer = control(sandbox, "GET", "state")
        assert answer.status_code == 500
        assert "RuntimeError: state unavailable" in answer.json()["error"]
        assert "GET /_sandbox/state" in answer.json()["error"]


class TestStateFile:
    def test_state_survives_a_restart(self, tmp_path: Path) -> None:
        state = tmp_path / "sandbox.json"
        with SandboxServer(repos=(REPO,), state_file=state) as first:
            number = post_issue(first, "Kept").json()["number"]
            first.store.add_comment(REPO, number, "and remembered", user="alice")
            saved = json.loads(state.read_text(encoding="utf-8"))
            assert saved["repos"][0]["issues"][0]["title"] == "Kept"
            issue_id = first.store.issue(REPO, number).id
        with SandboxServer(repos=(REPO,), state_file=state) as second:
            kept = second.store.issue(REPO, number)
            assert (kept.title, kept.id) == ("Kept", issue_id)
            assert [c.body for c in second.store.comments(REPO, number)] == ["and remembered"]
            assert post_issue(second, "Next").json()["number"] == number + 1
        assert [p.name for p in tmp_path.iterdir()] == ["sandbox.json"]  # no temporary left

    def test_unreadable_state_file_is_refused_with_its_name(self, tmp_path: Path) -> None:
        state = tmp_path / "sandbox.json"
        state.write_text("{not json", encoding="utf-8")
        with pytest.raises(ValueError, match=r"sandbox\.json"):
            SandboxServer(state_file=state)


class TestServer:
    def test_listens_on_loopback_only(self) -> None:
        with pytest.raises(ValueError, match="loopback"):
            SandboxServer(host="0.0.0.0")

    def test_urls(self, sandbox: SandboxServer) -> None:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.github_api_url == sandbox.url + "/api/v3"
        assert sandbox.gitlab_url == sandbox.url

    def test_starts_fast_and_stop_releases_held_answers(self) -> None:
        began = time.monotonic()
        server = SandboxServer()
        server.start()
        assert time.monotonic() - began < 1.0
        server.store.faults.fail("timeout", nth=1, seconds=30)
        failures: list[BaseException] = []

        def slow_call() -> None:
            try:
                requests.get(
                    f"{server.github_api_url}/repos/{REPO}", headers=GITHUB_TOKEN, timeout=10
                )
            except requests.RequestException as exc:
                failures.append(exc)

        caller = threading.Thread(target=slow_call)
        caller.start()
        time.sleep(0.2)
        stopping = time.monotonic()
        server.stop()
        caller.join(timeout=5)
        assert time.monotonic() - stopping < 3
        assert not caller.is_alive()
        assert len(failures) == 1

    def test_concurrent_creates_get_distinct_numbers(self, sandbox: SandboxServer) -> None:
        numbers: list[int] = []
        guard = threading.Lock()

        def create(worker: int) -> None:
            with requests.Session() as session:
                for n in range(10):
                    answer = session.post(
                        issues_url(sandbox),
                        json={"title": f"w{worker}-{n}"},
                        headers=GITHUB_TOKEN,
                        timeout=10,
                    )
                    with guard:
                        numbers.append(answer.json()["number"])

        workers = [threading.Thread(target=create, args=(w,)) for w in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert sorted(numbers) == list(range(1, 81))

    def test_unknown_prefix_is_404(self, sandbox: SandboxServer) -> None:
        answer = requests.get(f"{sandbox.url}/repos/{REPO}", timeout=10)
        assert answer.status_code == 404

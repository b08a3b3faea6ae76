"""Moving an issue to another project, as GitLab does it: through the REST API (python-gitlab's
`issue.move`), through the store, and as a control act."""

from __future__ import annotations

from collections.abc import Iterator

import gitlab
import pytest
import requests
from gitlab.exceptions import GitlabError

from plansync.sandbox.server import SandboxServer

PROJECT = "group/sub/project"
ELSEWHERE = "group/elsewhere"


@pytest.fixture
def gl(sandbox: SandboxServer) -> Iterator[gitlab.Gitlab]:
    sandbox.store.add_repo(ELSEWHERE)
    with gitlab.Gitlab(sandbox.gitlab_url, private_token="sandbox-token") as connection:
        yield connection


def test_a_moved_issue_is_closed_and_names_its_new_self(
    sandbox: SandboxServer, gl: gitlab.Gitlab
) -> None:
    store = sandbox.store
    store.create_milestone(PROJECT, "Week 1")
    store.create_milestone(ELSEWHERE, "Week 1")
    store.create_label(ELSEWHERE, "bug", "d73a4a")
    number = store.create_issue(
        PROJECT, "Leaves", "Its text", labels=["bug", "only here"], milestone=1, user="alice"
    )
    source, target = gl.projects.get(PROJECT), gl.projects.get(ELSEWHERE)

    issue = source.issues.get(number)
    issue.move(target.id)  # python-gitlab fills the issue with the answer: the new one

    assert (issue.project_id, issue.iid, issue.title) == (target.id, 1, "Leaves")
    assert (issue.description, issue.labels, issue.state) == ("Its text", ["bug"], "opened")
    assert issue.milestone["title"] == "Week 1"
    assert issue.author["username"] == "alice"
    left = source.issues.get(number)
    assert (left.state, left.moved_to_id) == ("closed", issue.id)
    assert target.issues.get(1).moved_to_id is None
    notes = [n.body for n in left.notes.list(iterator=True) if n.system]
    assert f"moved to {ELSEWHERE}#1" in notes
    assert [n.body for n in target.issues.get(1).notes.list(iterator=True)] == [
        f"moved from {PROJECT}#{number}"
    ]


def test_a_move_to_its_own_project_or_of_a_moved_issue_is_refused(
    sandbox: SandboxServer, gl: gitlab.Gitlab
) -> None:
    number = sandbox.store.create_issue(PROJECT, "Stays")
    source = gl.projects.get(PROJECT)

    with pytest.raises(GitlabError) as own:
        source.issues.get(number).move(source.id)
    sandbox.store.move_issue(PROJECT, number, ELSEWHERE)
    with pytest.raises(GitlabError) as again:
        source.issues.get(number).move(gl.projects.get(ELSEWHERE).id)

    assert own.value.response_code == 400
    assert again.value.response_code == 400
    assert len(sandbox.store.issues(ELSEWHERE)) == 1


def test_the_move_act(sandbox: SandboxServer) -> None:
    sandbox.store.add_repo(ELSEWHERE)
    number = sandbox.store.create_issue(PROJECT, "Leaves")

    def act(to_repo: str) -> requests.Response:
        body = {"action": "move_issue", "repo": PROJECT, "number": number, "to_repo": to_repo}
        return requests.post(f"{sandbox.url}/_sandbox/act", json=body, timeout=10)

    unknown = act("nobody/nowhere")
    moved = act(ELSEWHERE)

    assert unknown.status_code == 404
    assert moved.status_code == 200, moved.text
    assert moved.json()["number"] == 1
    assert sandbox.store.issue(PROJECT, number).moved_to == sandbox.store.issue(ELSEWHERE, 1).id

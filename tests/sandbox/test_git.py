"""The sandbox's git data over HTTP: GitHub's Git database API and GitLab's repository API
refuse what the real services refuse (a ref update that is not a fast forward, a stale
`last_commit_id`, a push to a protected branch) with the same statuses."""

from __future__ import annotations

import base64

import pytest
import requests
from github import InputGitTreeElement

from builders import sandbox_github
from plansync.sandbox.server import SandboxServer

REPO = "demo/plans"
AUTH = {"Authorization": "token sandbox-token"}


def gh(sandbox: SandboxServer, method: str, path: str, **body: object) -> requests.Response:
    url = f"{sandbox.github_api_url}/repos/{REPO}{path}"
    return requests.request(method, url, json=body or None, headers=AUTH, timeout=10)


def gl(sandbox: SandboxServer, method: str, path: str, **body: object) -> requests.Response:
    url = f"{sandbox.gitlab_url}/api/v4/projects/demo%2Fplans{path}"
    headers = {"PRIVATE-TOKEN": "sandbox-token"}
    return requests.request(method, url, json=body or None, headers=headers, timeout=10)


@pytest.fixture
def seeded(sandbox: SandboxServer) -> SandboxServer:
    sandbox.store.put_file(REPO, "plans/a.md", b"# A\n", user="alice")
    sandbox.store.put_file(REPO, "README.md", b"readme\n", user="alice")
    return sandbox


def github_commit(sandbox: SandboxServer, parent: str, content: bytes) -> str:
    encoded = base64.b64encode(content).decode()
    blob = gh(sandbox, "POST", "/git/blobs", content=encoded, encoding="base64").json()["sha"]
    base = gh(sandbox, "GET", f"/git/commits/{parent}").json()["tree"]["sha"]
    entry = {"path": "plans/a.md", "mode": "100644", "type": "blob", "sha": blob}
    tree = gh(sandbox, "POST", "/git/trees", base_tree=base, tree=[entry]).json()["sha"]
    made = gh(sandbox, "POST", "/git/commits", message="m", tree=tree, parents=[parent])
    assert made.status_code == 201
    return str(made.json()["sha"])


class TestGitHub:
    def test_a_tree_lists_blobs_and_folders_and_the_ref_answers_304(
        self, seeded: SandboxServer
    ) -> None:
        ref = gh(seeded, "GET", "/git/ref/heads/main")
        assert ref.status_code == 200
        head = ref.json()["object"]["sha"]
        again = requests.get(
            f"{seeded.github_api_url}/repos/{REPO}/git/ref/heads/main",
            headers={**AUTH, "If-None-Match": ref.headers["ETag"]},
            timeout=10,
        )
        assert again.status_code == 304
        tree = gh(seeded, "GET", f"/git/trees/{head}?recursive=1").json()
        kinds = {e["path"]: e["type"] for e in tree["tree"]}
        assert kinds == {"README.md": "blob", "plans": "tree", "plans/a.md": "blob"}
        assert tree["truncated"] is False

    def test_a_ref_update_that_is_not_a_fast_forward_is_refused(
        self, seeded: SandboxServer
    ) -> None:
        head = gh(seeded, "GET", "/git/ref/heads/main").json()["object"]["sha"]
        ours = github_commit(seeded, head, b"# ours\n")
        seeded.store.put_file(REPO, "README.md", b"theirs\n", user="bob")
        refused = gh(seeded, "PATCH", "/git/refs/heads/main", sha=ours, force=False)
        assert refused.status_code == 422
        assert refused.json()["message"] == "Update is not a fast forward"
        assert seeded.store.file(REPO, "README.md").content == b"theirs\n"

    def test_a_fast_forward_moves_the_branch_and_its_files(self, seeded: SandboxServer) -> None:
        head = gh(seeded, "GET", "/git/ref/heads/main").json()["object"]["sha"]
        ours = github_commit(seeded, head, b"# ours\n")
        moved = gh(seeded, "PATCH", "/git/refs/heads/main", sha=ours, force=False)
        assert moved.status_code == 200
        assert seeded.store.file(REPO, "plans/a.md").content == b"# ours\n"

    def test_a_protected_branch_refuses_the_update(self, seeded: SandboxServer) -> None:
        head = gh(seeded, "GET", "/git/ref/heads/main").json()["object"]["sha"]
        ours = github_commit(seeded, head, b"# ours\n")
        seeded.store.protect_branch(REPO, "main")
        refused = gh(seeded, "PATCH", "/git/refs/heads/main", sha=ours, force=False)
        assert refused.status_code == 422
        assert "Protected branch update failed" in refused.json()["message"]


class TestGitLab:
    def action(self, content: bytes, last_commit_id: str) -> dict[str, str]:
        return {
            "action": "update",
            "file_path": "plans/a.md",
            "content": base64.b64encode(content).decode(),
            "encoding": "base64",
            "last_commit_id": last_commit_id,
        }

    def test_a_commit_updates_the_branch_guarded_by_last_commit_id(
        self, seeded: SandboxServer
    ) -> None:
        last = gl(seeded, "GET", "/repository/files/plans%2Fa.md?ref=main").json()["last_commit_id"]
        made = gl(
            seeded,
            "POST",
            "/repository/commits",
            branch="main",
            commit_message="plansync: x",
            actions=[self.action(b"# ours\n", last)],
        )
        assert made.status_code == 201
        assert made.json()["parent_ids"]
        assert made.json()["stats"] == {"additions": 1, "deletions": 1, "total": 2}
        stale = gl(
            seeded,
            "POST",
            "/repository/commits",
            branch="main",
            commit_message="again",
            actions=[self.action(b"# again\n", last)],
        )
        assert stale.status_code == 400
        assert seeded.store.file(REPO, "plans/a.md").content == b"# ours\n"

    def test_a_protected_branch_answers_403(self, seeded: SandboxServer) -> None:
        seeded.store.protect_branch(REPO, "main")
        last = gl(seeded, "GET", "/repository/files/plans%2Fa.md?ref=main").json()["last_commit_id"]
        refused = gl(
            seeded,
            "POST",
            "/repository/commits",
            branch="main",
            commit_message="x",
            actions=[self.action(b"# ours\n", last)],
        )
        assert refused.status_code == 403
        assert refused.json() == {"message": "You are not allowed to push into this branch"}

    def test_the_tree_is_paginated_and_the_branch_names_its_head(
        self, seeded: SandboxServer
    ) -> None:
        branch = gl(seeded, "GET", "/repository/branches/main").json()
        first = gl(seeded, "GET", "/repository/tree?recursive=true&per_page=2&ref=main")
        assert len(first.json()) == 2
        assert first.headers["X-Next-Page"] == "2"
        assert branch["commit"]["id"] == seeded.store.repo(REPO).git.refs["main"]


class TestPyGithubReadsTheObjects:
    def test_refs_trees_commits_blobs_and_pulls(self, seeded: SandboxServer) -> None:
        repo = sandbox_github(seeded).get_repo(REPO)
        ref = repo.get_git_ref("heads/main")
        head = repo.get_git_commit(ref.object.sha)
        assert head.message == ""
        tree = repo.get_git_tree(head.sha, recursive=True)
        assert sorted(e.path for e in tree.tree if e.type == "blob") == ["README.md", "plans/a.md"]
        blob = repo.create_git_blob(base64.b64encode(b"# B\n").decode(), "base64")
        element = InputGitTreeElement("plans/b.md", "100644", "blob", sha=blob.sha)
        new_tree = repo.create_git_tree([element], base_tree=repo.get_git_tree(head.tree.sha))
        commit = repo.create_git_commit("add b", new_tree, [head])
        assert [p.sha for p in commit.parents] == [head.sha]
        repo.create_git_ref("refs/heads/topic", commit.sha)
        pull = repo.create_pull(base="main", head="topic", title="Add b", body="")
        assert (pull.number, pull.head.ref, pull.base.ref, pull.state) == (
            1,
            "topic",
            "main",
            "open",
        )
        assert repo.get_pulls(state="open", head="demo:topic", base="main").totalCount == 1
        assert (
            repo.get_git_blob(blob.sha).content.replace("\n", "")
            == base64.b64encode(b"# B\n").decode()
        )

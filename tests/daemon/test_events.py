"""Which projects a webhook delivery wakes: by repository, and for a push only when it changes
a plan file in commits that are not plansync's own."""

from __future__ import annotations

from typing import Any

import pytest

from builders import project
from plansync.config.project import ProjectConfig
from plansync.daemon.deliveries import SeenDeliveries
from plansync.daemon.events import BadDelivery, github_hint, gitlab_hint, glob_matches, wakes

WEB = project(name="web", plans=["plans/*.md"])
DOCS = project(name="docs", plans=["docs/**/*.md"])
LAB = project(name="lab", tracker={"kind": "gitlab", "repo": "group/sub/project"}, plans=["*.md"])


def gh_push(files: list[str], *, message: str = "Edit", ref: str = "refs/heads/main") -> Any:
    return {
        "ref": ref,
        "repository": {"full_name": WEB.tracker.repo, "default_branch": "main"},
        "commits": [{"message": message, "added": [], "modified": files, "removed": []}],
    }


def woken(hint_payload: Any, projects: list[ProjectConfig], event: str = "push") -> list[str]:
    return list(wakes(github_hint(event, hint_payload), projects).projects)


class TestGitHub:
    def test_issue_events_wake_every_project_of_the_repository(self) -> None:
        payload = {"action": "opened", "repository": {"full_name": WEB.tracker.repo.upper()}}
        other = project(name="other", tracker={"kind": "github", "repo": "acme/other"})
        assert woken(payload, [WEB, other, LAB], event="issues") == ["web"]

    def test_a_push_wakes_only_projects_whose_plan_files_it_changes(self) -> None:
        both = [WEB, DOCS.model_copy(update={"tracker": WEB.tracker})]
        assert woken(gh_push(["plans/a.md"]), both) == ["web"]
        assert woken(gh_push(["docs/x/y/z.md"]), both) == ["docs"]
        assert woken(gh_push(["docs/top.md"]), both) == ["docs"]
        assert woken(gh_push(["src/app.py", "plans/sub/a.md"]), both) == []

    def test_plansyncs_own_commits_wake_nobody(self) -> None:
        hint = github_hint("push", gh_push(["plans/a.md"], message="plansync: tick T1"))
        result = wakes(hint, [WEB])
        assert result.projects == ()
        assert result.ignored == ("web: the push holds only plansync's own commits",)

    def test_a_push_mixing_own_and_other_commits_counts_the_others_files(self) -> None:
        payload = gh_push(["src/app.py"])
        payload["commits"].append(
            {"message": "plansync: sync", "added": [], "modified": ["plans/a.md"], "removed": []}
        )
        assert woken(payload, [WEB]) == []
        payload["commits"][0]["removed"] = ["plans/old.md"]
        assert woken(payload, [WEB]) == ["web"]

    def test_a_push_to_another_branch_wakes_nobody(self) -> None:
        assert woken(gh_push(["plans/a.md"], ref="refs/heads/feature"), [WEB]) == []

    def test_plans_read_from_a_named_branch_wake_on_pushes_to_that_branch(self) -> None:
        source = {"kind": "repository", "branch": "release/2.0"}
        release = project(name="web", plans=["plans/*.md"], plans_source=source)
        assert woken(gh_push(["plans/a.md"], ref="refs/heads/release/2.0"), [release]) == ["web"]
        result = wakes(github_hint("push", gh_push(["plans/a.md"])), [release])
        assert result.ignored == (
            "web: the push is not to release/2.0, the branch its plans are read from",
        )

    def test_installation_events_name_their_repositories(self) -> None:
        payload = {"action": "added", "repositories_added": [{"full_name": WEB.tracker.repo}]}
        assert woken(payload, [WEB], event="installation_repositories") == ["web"]

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ([], "the payload"),
            ({"repository": "acme/web"}, "repository"),
            ({"repository": {"full_name": 7}}, "repository.full_name"),
            (
                {"repository": {"full_name": "a/b"}, "ref": "refs/heads/main", "commits": {}},
                "commits",
            ),
            ({"repository": {"full_name": "a/b"}, "commits": []}, "ref"),
        ],
    )
    def test_a_payload_of_the_wrong_shape_is_refused_naming_the_field(
        self, payload: Any, field: str
    ) -> None:
        with pytest.raises(BadDelivery, match=f"^{field}"):
            github_hint("push", payload)


class TestGitLab:
    def test_issue_and_push_hooks(self) -> None:
        issue = {"project": {"path_with_namespace": "group/sub/project"}}
        assert wakes(gitlab_hint("Issue Hook", issue), [LAB, WEB]).projects == ("lab",)
        push = {
            **issue,
            "ref": "refs/heads/main",
            "total_commits_count": 1,
            "commits": [{"message": "Edit", "added": ["plan.md"], "modified": [], "removed": []}],
        }
        assert wakes(gitlab_hint("Push Hook", push), [LAB]).projects == ("lab",)

    def test_a_push_listing_only_some_commits_may_touch_anything(self) -> None:
        push = {
            "project": {"path_with_namespace": "group/sub/project"},
            "ref": "refs/heads/main",
            "total_commits_count": 40,
            "commits": [
                {"message": "plansync: sync", "added": [], "modified": ["a.py"], "removed": []}
            ],
        }
        assert wakes(gitlab_hint("Push Hook", push), [LAB]).projects == ("lab",)


class TestGlobs:
    @pytest.mark.parametrize(
        ("path", "glob", "matches"),
        [
            ("plans/a.md", "plans/*.md", True),
            ("plans/x/a.md", "plans/*.md", False),
            ("plans/x/a.md", "plans/**/*.md", True),
            ("plans/a.md", "plans/**/*.md", True),
            ("a.md", "**/*.md", True),
            ("./plans/a.md", "plans/?.md", True),
            ("plans/b.md", "plans/[ab].md", True),
            ("plans/c.md", "plans/[!ab].md", True),
            ("plans/a.md", "plans/[!ab].md", False),
            ("plans/a+b.md", "plans/a+b.md", True),
        ],
    )
    def test_glob_matches(self, path: str, glob: str, matches: bool) -> None:
        assert glob_matches(path, glob) is matches


class TestSeenDeliveries:
    def test_a_repeat_is_refused_until_it_is_forgotten(self) -> None:
        seen = SeenDeliveries(capacity=2)
        assert seen.first_time("a")
        assert not seen.first_time("a")
        assert seen.first_time("b")
        assert seen.first_time("c")  # forgets the oldest, "a"
        assert seen.first_time("a")

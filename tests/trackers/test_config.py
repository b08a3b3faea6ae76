"""Per-tracker config models and open_tracker: validation, tokens from the environment only,
and a tracker that really works against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import TypeAdapter, ValidationError

from plansync.errors import AuthenticationError, ConfigError
from plansync.model.remote import IssueDraft
from plansync.trackers.base import Capabilities
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.gitlab.config import GitLabTrackerConfig
from plansync.trackers.pacing import PacingLimits, reset_pacers
from plansync.trackers.registry import KINDS, TrackerConfig, open_tracker

ADAPTER: TypeAdapter[GitHubTrackerConfig | GitLabTrackerConfig] = TypeAdapter(TrackerConfig)


@pytest.fixture(autouse=True)
def _fresh_pacers() -> None:
    reset_pacers()


class TestValidation:
    def test_kind_selects_the_model_and_defaults(self) -> None:
        github = ADAPTER.validate_python({"kind": "github", "repo": "acme/site"})
        gitlab = ADAPTER.validate_python({"kind": "gitlab", "repo": "group/sub/project"})
        assert isinstance(github, GitHubTrackerConfig)
        assert (github.base_url, github.token_env) == ("https://api.github.com", "GITHUB_TOKEN")
        assert isinstance(gitlab, GitLabTrackerConfig)
        assert (gitlab.url, gitlab.token_env) == ("https://gitlab.com", "GITLAB_TOKEN")
        assert gitlab.notes_pacing.per_minute == 60

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"kind": "github", "repo": "nope"}, "expected owner/name"),
            ({"kind": "gitlab", "repo": "project"}, "expected group/project"),
            (
                {"kind": "github", "repo": "a/b", "base_url": "ghe.example.com/api/v3"},
                "https://HOST/api/v3",
            ),
            ({"kind": "gitlab", "repo": "g/p", "url": "gitlab.example.com"}, "https://HOST"),
            ({"kind": "github", "repo": "a/b", "app_id": 1}, "app_id, private_key_file and"),
            ({"kind": "github", "repo": "a/b", "token": "ghp_x"}, "Extra inputs"),
            ({"kind": "jira", "repo": "a/b"}, "github"),
        ],
    )
    def test_mistakes_are_named(self, data: dict[str, Any], message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            ADAPTER.validate_python(data)


class TestTokens:
    def test_missing_variable_names_it_and_the_repo(self) -> None:
        config = GitHubTrackerConfig(repo="acme/site", token_env="ACME_TOKEN")
        with pytest.raises(ConfigError, match=r"acme/site: the environment variable ACME_TOKEN"):
            open_tracker(config, environ={})

    def test_token_is_a_secret(self) -> None:
        token = GitLabTrackerConfig(repo="g/p").token({"GITLAB_TOKEN": "glpat-s3cret"})
        assert "s3cret" not in repr(token)
        assert "s3cret" not in str(token)
        assert token.get_secret_value() == "glpat-s3cret"

    def test_unreadable_app_key_is_a_clear_error(self, tmp_path: Path) -> None:
        config = GitHubTrackerConfig(
            repo="a/b", app_id=1, installation_id=2, private_key_file=tmp_path / "app.pem"
        )
        with pytest.raises(ConfigError, match=r"app\.pem: the GitHub App private key for a/b"):
            open_tracker(config, environ={})


class TestOpensWorkingTrackers:
    def test_github_from_config(self, sandbox: Any) -> None:
        config = GitHubTrackerConfig(
            repo="demo/plans", base_url=sandbox.github_api_url, pacing={"enabled": False}
        )
        tracker = open_tracker(config, environ={"GITHUB_TOKEN": "as:alice"})
        issue = tracker.create_issue(IssueDraft(title="from config"))
        assert sandbox.store.issue("demo/plans", issue.number).author == "alice"

    def test_gitlab_from_config(self, sandbox: Any) -> None:
        config = GitLabTrackerConfig(
            repo="demo/plans",
            url=sandbox.gitlab_url,
            token_env="DEMO_GITLAB",
            pacing={"enabled": False},
            notes_pacing={"enabled": False},
        )
        tracker = open_tracker(config, environ={"DEMO_GITLAB": "t"})
        issue = tracker.create_issue(IssueDraft(title="from config"))
        assert sandbox.store.issue("demo/plans", issue.number).title == "from config"

    def test_refused_token_from_the_environment(self, sandbox: Any) -> None:
        config = GitHubTrackerConfig(
            repo="demo/plans", base_url=sandbox.github_api_url, pacing={"enabled": False}
        )
        tracker = open_tracker(config, environ={"GITHUB_TOKEN": "bad-token"})
        with pytest.raises(AuthenticationError, match="demo/plans") as caught:
            tracker.get_issue(1)
        assert "bad-token" not in str(caught.value)


class TestSharedWriteQueues:
    """What a config says of its host's paced queues is what opening its trackers does."""

    PACED: ClassVar[dict[str, Any]] = {
        "kind": "gitlab",
        "repo": "team/one",
        "url": "https://git.example.org",
    }
    UNPACED: ClassVar[dict[str, Any]] = {
        "kind": "gitlab",
        "repo": "team/two",
        "url": "https://git.example.org",
        "pacing": {"enabled": False},
        "notes_pacing": {"enabled": False},
    }

    def test_a_gitlab_tracker_with_pacing_off_opens_beside_a_paced_one(self) -> None:
        environ = {"GITLAB_TOKEN": "t"}
        paced = ADAPTER.validate_python(self.PACED)
        unpaced = ADAPTER.validate_python(self.UNPACED)
        assert unpaced.write_queues() == []  # nothing the config check compares
        open_tracker(paced, environ=environ)
        open_tracker(unpaced, environ=environ)  # GitHub's rule: it stays out of the queue

    def test_each_kind_names_its_queues_by_host_and_setting(self) -> None:
        github = ADAPTER.validate_python(
            {"kind": "github", "repo": "a/b", "base_url": "https://GHE.example.org/api/v3/"}
        )
        gitlab = ADAPTER.validate_python(self.PACED)
        assert [(q.host, q.kind, q.setting) for q in github.write_queues()] == [
            ("ghe.example.org", "writes", "pacing")
        ]
        assert [(q.host, q.kind, q.setting) for q in gitlab.write_queues()] == [
            ("git.example.org", "writes", "pacing"),
            ("git.example.org", "notes", "notes_pacing"),
        ]
        assert gitlab.write_queues()[1].limits == PacingLimits.GITLAB_NOTES


class TestWhatEachKindSays:
    """What the engine asks of a tracker's config and adapter instead of testing its kind."""

    @pytest.mark.parametrize(
        ("data", "scope", "web"),
        [
            (
                {"kind": "github", "repo": "acme/site"},
                "web@github:https://api.github.com/acme/site",
                "https://github.com/acme/site/blob/HEAD/plans/q1.md",
            ),
            (
                {"kind": "github", "repo": "acme/site", "base_url": "https://ghe.corp/api/v3"},
                "web@github:https://ghe.corp/api/v3/acme/site",
                "https://ghe.corp/acme/site/blob/HEAD/plans/q1.md",
            ),
            (
                {"kind": "gitlab", "repo": "group/sub/site"},
                "web@gitlab:https://gitlab.com/group/sub/site",
                "https://gitlab.com/group/sub/site/-/blob/HEAD/plans/q1.md",
            ),
        ],
    )
    def test_scope_key_and_web_url(self, data: dict[str, Any], scope: str, web: str) -> None:
        config = ADAPTER.validate_python(data)
        assert config.scope_key("web") == scope
        assert config.web_url("plans/q1.md") == web

    def test_the_auth_hint_names_the_variable_but_not_for_an_app(self, tmp_path: Path) -> None:
        token = ADAPTER.validate_python({"kind": "gitlab", "repo": "g/p", "token_env": "GL_T"})
        assert token.auth_hint() == "This project reads its token from GL_T."
        app = ADAPTER.validate_python(
            {
                "kind": "github",
                "repo": "acme/site",
                "app_id": 1,
                "private_key_file": str(tmp_path / "key.pem"),
                "installation_id": 2,
            }
        )
        assert app.auth_hint() is None

    def test_every_kind_is_registered_with_its_model(self) -> None:
        assert {kind: entry.config for kind, entry in KINDS.items()} == {
            "github": GitHubTrackerConfig,
            "gitlab": GitLabTrackerConfig,
        }

    def test_capabilities(self) -> None:
        assert GitHubTracker.capabilities == Capabilities(close_reason=True, conditional_reads=True)
        assert GitLabTracker.capabilities == Capabilities(
            close_reason=False, conditional_reads=False
        )

"""A GitHub App against the sandbox: the installation is found from the repository, its
permissions are checked when the tracker is opened, and the installation token is renewed
before it expires (the sandbox refuses an expired one)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from plansync.clock import FakeClock
from plansync.errors import ConfigError
from plansync.sandbox.server import SandboxServer
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.registry import open_tracker

APP_ID = 4242
REPO = "demo/plans"


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def app_config(sandbox: SandboxServer) -> GitHubTrackerConfig:
    return GitHubTrackerConfig(
        repo=REPO, base_url=sandbox.github_api_url, app_id=APP_ID, private_key_env="APP_KEY"
    )


class TestInstallationToken:
    def test_the_token_is_renewed_across_its_expiry(
        self, sandbox: SandboxServer, private_key: str
    ) -> None:
        clock = FakeClock(datetime.now(UTC))
        sandbox.store.set_clock(clock)
        # GitHub's tokens live an hour; PyGithub renews one 20 s before it expires.
        sandbox.store.apps.install(APP_ID, REPO, lifetime=timedelta(seconds=21))
        number = sandbox.store.create_issue(REPO, "Parse tables")
        tracker = open_tracker(app_config(sandbox), {"APP_KEY": private_key})
        issue = tracker.get_issue(number)
        assert issue is not None
        assert sandbox.store.apps.issued == 1
        [first] = sandbox.store.apps.tokens
        clock.advance(30)  # the sandbox now refuses the first token
        time.sleep(1.2)  # and PyGithub, by the real clock, is within 20 s of its expiry
        refused = requests.get(
            f"{sandbox.github_api_url}/repos/{REPO}/issues/{number}",
            headers={"Authorization": f"token {first}"},
            timeout=10,
        )
        assert refused.status_code == 401
        again = tracker.get_issue(number)
        assert again is not None
        assert again.title == "Parse tables"
        assert sandbox.store.apps.issued == 2

    def test_the_app_acts_as_its_bot(self, sandbox: SandboxServer, private_key: str) -> None:
        sandbox.store.apps.install(APP_ID, REPO)
        tracker = open_tracker(app_config(sandbox), {"APP_KEY": private_key})
        tracker.post_comment(sandbox.store.create_issue(REPO, "Parse tables"), "hello")
        authors = {c.author for c in sandbox.store.comments(REPO)}
        assert authors == {f"sandbox-app-{APP_ID}[bot]"}


class TestPermissionsAtStart:
    def test_a_missing_permission_is_one_error_naming_it(
        self, sandbox: SandboxServer, private_key: str
    ) -> None:
        sandbox.store.apps.install(
            APP_ID,
            REPO,
            permissions={"issues": "write", "contents": "read", "metadata": "read"},
        )
        with pytest.raises(ConfigError) as raised:
            open_tracker(app_config(sandbox), {"APP_KEY": private_key})
        message = str(raised.value)
        assert "lacks the permissions Contents: read and write (it has read); Pull requests" in (
            message
        )
        assert f"GitHub App {APP_ID} (sandbox-app-{APP_ID}) on {REPO}" in message

    def test_an_app_not_installed_on_the_repository_says_so(
        self, sandbox: SandboxServer, private_key: str
    ) -> None:
        sandbox.store.apps.install(APP_ID, "demo/other")
        with pytest.raises(ConfigError, match=f"GitHub App {APP_ID} is not installed on {REPO}"):
            open_tracker(app_config(sandbox), {"APP_KEY": private_key})

    def test_a_jwt_past_its_expiry_is_refused(
        self, sandbox: SandboxServer, private_key: str
    ) -> None:
        sandbox.store.apps.install(APP_ID, REPO)
        sandbox.store.set_clock(FakeClock(datetime.now(UTC) + timedelta(minutes=20)))
        with pytest.raises(Exception, match="Expiration time"):
            open_tracker(app_config(sandbox), {"APP_KEY": private_key})

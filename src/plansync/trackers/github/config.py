"""A GitHub repository's settings: github.com or GitHub Enterprise Server, a token or a GitHub
App installation.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from plansync.trackers.config import (
    PacingConfig,
    TrackerConfigBase,
    WriteQueue,
    http_url,
    write_queue,
)

DEFAULT_API = "https://api.github.com"
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+$")


class GitHubTrackerConfig(TrackerConfigBase):
    """A GitHub repository, on github.com or GitHub Enterprise Server."""

    kind: Literal["github"] = "github"
    base_url: str = DEFAULT_API
    token_env: str = Field(default="GITHUB_TOKEN", min_length=1)
    # A GitHub App installation instead of a token: app_id and its private key (a file or an
    # environment variable holding it); the installation is found from the repository unless
    # installation_id names it.
    app_id: int | None = None
    private_key_file: Path | None = None
    private_key_env: str | None = None
    installation_id: int | None = None
    pacing: PacingConfig = Field(default_factory=PacingConfig)

    @field_validator("repo")
    @classmethod
    def _owner_name(cls, repo: str) -> str:
        if not _GITHUB_REPO.match(repo):
            raise ValueError("expected owner/name, e.g. acme/website")
        return repo

    @field_validator("base_url")
    @classmethod
    def _api_url(cls, url: str) -> str:
        return http_url(url, "https://api.github.com or https://HOST/api/v3")

    @model_validator(mode="after")
    def _app_complete(self) -> GitHubTrackerConfig:
        keys = (self.private_key_file, self.private_key_env)
        app = (self.app_id, *keys, self.installation_id)
        if any(v is not None for v in app) and (
            self.app_id is None or all(k is None for k in keys)
        ):
            raise ValueError(
                "a GitHub App needs app_id, private_key_file and (or private_key_env) together; "
                "installation_id is optional"
            )
        if all(k is not None for k in keys):
            raise ValueError("give the App's key as private_key_file or private_key_env, not both")
        return self

    @property
    def uses_app(self) -> bool:
        return self.app_id is not None

    @property
    def endpoint(self) -> str:
        return self.base_url

    def write_queues(self) -> list[WriteQueue]:
        return write_queue(self.base_url, "writes", "pacing", self.pacing)

    def web_url(self, path: str) -> str:
        api = self.base_url
        web = "https://github.com" if api == DEFAULT_API else api.removesuffix("/api/v3")
        return f"{web}/{self.repo}/blob/HEAD/{path}"

    def auth_hint(self) -> str | None:
        # A GitHub App has no token: the App's own message already says what to check.
        return None if self.uses_app else super().auth_hint()

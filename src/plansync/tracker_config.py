"""One pydantic model per tracker kind: where the tracker is, how plansync authenticates, how fast
it may write. Secrets never live in the config file: it names the environment variable that holds
the token (or the file that holds a GitHub App's private key), and tokens are read as SecretStr.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from plansync.errors import ConfigError
from plansync.trackers.pacing import PacingLimits
from plansync.trackers.urls import is_http_url, normalised

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# How GitHub and GitLab tokens begin: such a value is a token, not a variable's name.
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*)/[A-Za-z0-9._-]+$")
_GITLAB_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$")


class PacingConfig(BaseModel):
    """Limits of the write queue for one host. `enabled = false` only for the local sandbox."""

    model_config = ConfigDict(extra="forbid")

    min_interval: float = Field(default=1.0, ge=0)
    per_minute: int | None = Field(default=80, gt=0)
    per_hour: int | None = Field(default=500, gt=0)
    enabled: bool = True

    def limits(self) -> PacingLimits:
        return PacingLimits(
            min_interval=self.min_interval,
            per_minute=self.per_minute,
            per_hour=self.per_hour,
            enabled=self.enabled,
        )


def _http_url(value: str, expected: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"expected a URL such as {expected}")
    return normalised(value)


class _TrackerConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    repo: str
    token_env: str = Field(min_length=1)
    max_wait: float = Field(default=60.0, ge=0)  # seconds a one-shot run may wait on a limit

    @field_validator("token_env")
    @classmethod
    def _variable_name(cls, name: str) -> str:
        # The value is never repeated: a token pasted here by mistake must not be printed.
        if not _ENV_NAME.match(name) or name.lower().startswith(_TOKEN_PREFIXES):
            raise ValueError(
                "expected the NAME of an environment variable (letters, digits, `_`), e.g. "
                "GITHUB_TOKEN; never the token itself"
            )
        return name

    def token(self, environ: Mapping[str, str]) -> SecretStr:
        value = environ.get(self.token_env, "").strip()
        if not value:
            raise ConfigError(
                f"No token for {self.repo}: the environment variable {self.token_env} is not "
                f"set. Set it to a token for that repository (see the README's Trackers "
                f"section for the scopes), or name another variable with `token_env`."
            )
        return SecretStr(value)


class GitHubTrackerConfig(_TrackerConfig):
    """A GitHub repository, on github.com or GitHub Enterprise Server."""

    kind: Literal["github"] = "github"
    base_url: str = "https://api.github.com"
    token_env: str = Field(default="GITHUB_TOKEN", min_length=1)
    # A GitHub App installation instead of a token: all three, or none.
    app_id: int | None = None
    private_key_file: Path | None = None
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
        return _http_url(url, "https://api.github.com or https://HOST/api/v3")

    @model_validator(mode="after")
    def _app_complete(self) -> GitHubTrackerConfig:
        app = (self.app_id, self.private_key_file, self.installation_id)
        if any(v is not None for v in app) and not all(v is not None for v in app):
            raise ValueError(
                "a GitHub App needs app_id, private_key_file and installation_id together"
            )
        return self

    @property
    def uses_app(self) -> bool:
        return self.app_id is not None


class GitLabTrackerConfig(_TrackerConfig):
    """A GitLab project, on gitlab.com or a self-hosted instance."""

    kind: Literal["gitlab"] = "gitlab"
    url: str = "https://gitlab.com"
    token_env: str = Field(default="GITLAB_TOKEN", min_length=1)
    pacing: PacingConfig = Field(
        default_factory=lambda: PacingConfig(min_interval=0, per_minute=None, per_hour=None)
    )
    notes_pacing: PacingConfig = Field(
        default_factory=lambda: PacingConfig(min_interval=0, per_minute=60, per_hour=None)
    )

    @field_validator("repo")
    @classmethod
    def _project_path(cls, repo: str) -> str:
        if not _GITLAB_PATH.match(repo):
            raise ValueError("expected group/project (or group/subgroup/project)")
        return repo

    @field_validator("url")
    @classmethod
    def _instance_url(cls, url: str) -> str:
        return _http_url(url, "https://gitlab.com or https://HOST")


TrackerConfig = Annotated[GitHubTrackerConfig | GitLabTrackerConfig, Field(discriminator="kind")]

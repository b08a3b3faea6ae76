"""A GitLab project's settings: gitlab.com or a self-hosted instance."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from plansync.trackers.config import (
    PacingConfig,
    TrackerConfigBase,
    WriteQueue,
    http_url,
    write_queue,
)

_GITLAB_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$")


class GitLabTrackerConfig(TrackerConfigBase):
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
        return http_url(url, "https://gitlab.com or https://HOST")

    @property
    def endpoint(self) -> str:
        return self.url

    def write_queues(self) -> list[WriteQueue]:
        return write_queue(self.url, "writes", "pacing", self.pacing) + write_queue(
            self.url, "notes", "notes_pacing", self.notes_pacing
        )

    def web_url(self, path: str) -> str:
        return f"{self.url}/{self.repo}/-/blob/HEAD/{path}"

"""What every tracker's config model shares: the repository, the variable holding the token, how
long a one-shot run may wait, and the pacing of writes. Secrets never live in the config file:
it names the environment variable that holds the token, read as SecretStr.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from plansync.errors import ConfigError
from plansync.trackers.pacing import PacingLimits, host_key
from plansync.trackers.timeouts import Timeouts
from plansync.trackers.urls import is_http_url, normalised

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# How GitHub and GitLab tokens begin: such a value is a token, not a variable's name.
_TOKEN_PREFIXES = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-")


class PacingConfig(BaseModel):
    """Limits of the write queue for one host. `enabled = false` only for the local sandbox."""

    model_config = ConfigDict(extra="forbid")

    # 60 / 80: GitHub's 80 writes a minute, evenly spaced (see pacing.PacingLimits.GITHUB).
    min_interval: float = Field(default=0.75, ge=0)
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


@dataclass(frozen=True)
class WriteQueue:
    """One paced queue of writes a tracker joins (see pacing.pacer_for): every tracker on
    `host` writing this `kind` shares it, so all must agree on its limits. `setting` is the
    tracker config's key for them ("pacing", "notes_pacing")."""

    host: str
    kind: str
    setting: str
    limits: PacingLimits


def write_queue(endpoint: str, kind: str, setting: str, pacing: PacingConfig) -> list[WriteQueue]:
    """The queue `pacing` puts a tracker in, or none when pacing is off (nothing to share)."""
    if not pacing.enabled:
        return []
    return [WriteQueue(host_key(endpoint), kind, setting, pacing.limits())]


def http_url(value: str, expected: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"expected a URL such as {expected}")
    return normalised(value)


class TrackerConfigBase(BaseModel, ABC):
    """What each kind's model has; each kind says where its API is and how its web pages
    name a file."""

    model_config = ConfigDict(extra="forbid")

    kind: str
    repo: str
    token_env: str = Field(min_length=1)
    # Seconds a run may wait on a rate limit or for the pacing's write budget; longer stops it.
    max_wait: float = Field(default=60.0, ge=0)
    # Seconds to connect, and to wait for each part of an answer, before the request fails
    # (retried as a timeout, then the run stops): a hanging tracker holds a run this long.
    connect_timeout: float = Field(default=10.0, gt=0, le=600, strict=True)
    read_timeout: float = Field(default=30.0, gt=0, le=3600, strict=True)

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

    def timeouts(self) -> Timeouts:
        return Timeouts(connect=self.connect_timeout, read=self.read_timeout)

    def token(self, environ: Mapping[str, str]) -> SecretStr:
        value = environ.get(self.token_env, "").strip()
        if not value:
            raise ConfigError(
                f"No token for {self.repo}: the environment variable {self.token_env} is not "
                f"set. Set it to a token for that repository (see the README's Trackers "
                f"section for the scopes), or name another variable with `token_env`."
            )
        return SecretStr(value)

    @property
    @abstractmethod
    def endpoint(self) -> str:
        """The API (GitHub) or instance (GitLab) URL this config points at."""

    @abstractmethod
    def write_queues(self) -> list[WriteQueue]:
        """The paced queues of writes the tracker shares with the others on its host."""

    def scope_key(self, project: str) -> str:
        """The state store's key for `project` synced with this repository: pointed at another
        repository, a project starts from what that repository holds."""
        return f"{project}@{self.kind}:{self.endpoint}/{self.repo}"

    @abstractmethod
    def web_url(self, path: str) -> str:
        """The file `path` (relative to the repository's top) on the tracker's web pages."""

    def auth_hint(self) -> str | None:
        """What to add to a refused-authentication message: where the token comes from."""
        return f"This project reads its token from {self.token_env}."

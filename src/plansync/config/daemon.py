"""The `[daemon]` table: where the webhook secrets come from, and how often a project is polled
when webhooks tell the daemon about changes.

[daemon]
github_secret_env = ["PLANSYNC_GITHUB_WEBHOOK_SECRET", "PLANSYNC_GITHUB_WEBHOOK_SECRET_PREVIOUS"]
gitlab_secret_env = ["PLANSYNC_GITLAB_WEBHOOK_SECRET", "PLANSYNC_GITLAB_WEBHOOK_SECRET_PREVIOUS"]
safety_net_minutes = 60              # polling interval of every project while webhooks are on
trigger_gap_seconds = 2              # triggered runs of a project start at least this far apart
claim_every_seconds = 1              # with a PostgreSQL store: how often dirty projects are claimed
claim_lease_seconds = 300            # how long a claim holds before another daemon may take it
max_wait_seconds = 5                 # a longer rate-limit wait reschedules the project instead
workers = 10                         # runs of different projects at once

Several variables per provider let a secret be rotated: set the new one beside the old, change
it on the tracker, then remove the old. A variable that is unset or empty is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class DaemonConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    github_secret_env: list[str] = Field(
        default_factory=lambda: [
            "PLANSYNC_GITHUB_WEBHOOK_SECRET",
            "PLANSYNC_GITHUB_WEBHOOK_SECRET_PREVIOUS",
        ]
    )
    gitlab_secret_env: list[str] = Field(
        default_factory=lambda: [
            "PLANSYNC_GITLAB_WEBHOOK_SECRET",
            "PLANSYNC_GITLAB_WEBHOOK_SECRET_PREVIOUS",
        ]
    )
    # Webhooks are hints that can be lost: polling stays, at this longer interval.
    safety_net_minutes: float = Field(default=60.0, gt=0)
    # Webhook-triggered runs of a project start at least this far apart: a burst of deliveries
    # (one click can send a label, a milestone and a comment event) makes one run now, one later.
    trigger_gap_seconds: float = Field(default=2.0, ge=0, le=3600)
    # Daemons sharing a PostgreSQL store claim the projects a webhook marked dirty this often;
    # a claim whose daemon died is free again once its lease has run out.
    claim_every_seconds: float = Field(default=1.0, gt=0, le=3600)
    claim_lease_seconds: float = Field(default=300.0, gt=0, le=86400)
    # A run told to wait longer than this on a rate limit stops and gives its worker back; the
    # project runs again when the limit resets. Shorter waits are waited in the run.
    max_wait_seconds: float = Field(default=5.0, ge=0, le=3600, strict=True)
    # Worker threads: how many projects' runs may be in progress at once.
    workers: int = Field(default=10, ge=1, le=256, strict=True)

    @field_validator("github_secret_env", "gitlab_secret_env")
    @classmethod
    def _variable_names(cls, names: list[str]) -> list[str]:
        for name in names:
            # The value is never repeated: a secret pasted here by mistake must not be printed.
            if not _ENV_NAME.match(name):
                raise ValueError(
                    "expected NAMES of environment variables (letters, digits, `_`), e.g. "
                    "PLANSYNC_GITHUB_WEBHOOK_SECRET; never the secret itself"
                )
        return names

    def secrets(self, provider: str, environ: Mapping[str, str]) -> list[bytes]:
        """The secrets set for `provider` ("github" or "gitlab"), in the order named."""
        names = self.github_secret_env if provider == "github" else self.gitlab_secret_env
        values = (environ.get(name, "").strip() for name in names)
        return [value.encode() for value in values if value]

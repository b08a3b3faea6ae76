"""The tracker kinds plansync knows: each kind's config model and how to open its adapter. The
only place that turns a SecretStr into the plain token a client library needs.

Adding a tracker: its package (adapter + config model), one entry in KINDS, one member of
`TrackerConfig`, and one run of the shared contract tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from plansync.clock import Clock
from plansync.errors import ConfigError
from plansync.trackers.base import Tracker
from plansync.trackers.config import TrackerConfigBase
from plansync.trackers.github.adapter import GitHubTracker
from plansync.trackers.github.app import check_permissions, find_installation
from plansync.trackers.github.config import GitHubTrackerConfig
from plansync.trackers.gitlab.adapter import GitLabTracker
from plansync.trackers.gitlab.config import GitLabTrackerConfig

TrackerConfig = Annotated[GitHubTrackerConfig | GitLabTrackerConfig, Field(discriminator="kind")]


@dataclass(frozen=True)
class TrackerKind:
    config: type[TrackerConfigBase]
    # (config, environment, clock) -> an adapter
    open: Callable[[Any, Mapping[str, str], Clock | None], Tracker]


def _open_gitlab(
    config: GitLabTrackerConfig, environ: Mapping[str, str], clock: Clock | None
) -> Tracker:
    return GitLabTracker(
        config.repo,
        config.token(environ).get_secret_value(),
        url=config.url,
        pacing=config.pacing.limits(),
        notes_pacing=config.notes_pacing.limits(),
        max_wait=config.max_wait,
        clock=clock,
        timeout=config.timeouts(),
    )


def _open_github(
    config: GitHubTrackerConfig, environ: Mapping[str, str], clock: Clock | None
) -> Tracker:
    if config.uses_app:
        return _open_github_app(config, environ, clock)
    return GitHubTracker(
        config.repo,
        config.token(environ).get_secret_value(),
        base_url=config.base_url,
        pacing=config.pacing.limits(),
        max_wait=config.max_wait,
        clock=clock,
        timeout=config.timeouts(),
    )


def _open_github_app(
    config: GitHubTrackerConfig, environ: Mapping[str, str], clock: Clock | None
) -> Tracker:
    """A tracker acting as the App's installation on the repository, whose permissions are
    checked first (a missing one is a ConfigError naming it)."""
    app_id = config.app_id
    if app_id is None:
        raise ConfigError(f"GitHub App settings for {config.repo} lack app_id.")
    private_key = _app_key(config, environ)
    installation = find_installation(
        config.repo, app_id, private_key, config.base_url, config.installation_id
    )
    check_permissions(config.repo, app_id, installation)
    tracker = GitHubTracker.from_app(
        config.repo,
        app_id,
        private_key,
        installation.id,
        base_url=config.base_url,
        pacing=config.pacing.limits(),
        max_wait=config.max_wait,
        clock=clock,
        timeout=config.timeouts(),
    )
    tracker.app_installation = installation
    return tracker


def _app_key(config: GitHubTrackerConfig, environ: Mapping[str, str]) -> str:
    if config.private_key_env is not None:
        key = environ.get(config.private_key_env, "")
        if not key.strip():
            raise ConfigError(
                f"{config.repo}: the environment variable {config.private_key_env} (the GitHub "
                "App's private key) is not set; set it to the contents of the App's .pem file."
            )
        return key
    key_file = config.private_key_file
    if key_file is None:
        raise ConfigError(f"GitHub App settings for {config.repo} lack the private key.")
    try:
        return key_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{key_file}: the GitHub App private key for {config.repo} cannot be "
            f"read ({exc.strerror}). Point `private_key_file` at the .pem file GitHub gave you."
        ) from exc


KINDS: Mapping[str, TrackerKind] = {
    "github": TrackerKind(GitHubTrackerConfig, _open_github),
    "gitlab": TrackerKind(GitLabTrackerConfig, _open_gitlab),
}


def open_tracker(
    config: GitHubTrackerConfig | GitLabTrackerConfig,
    environ: Mapping[str, str] | None = None,
    clock: Clock | None = None,
) -> Tracker:
    """A tracker for `config`, its token read from the environment (or the App's key file)."""
    return KINDS[config.kind].open(config, os.environ if environ is None else environ, clock)

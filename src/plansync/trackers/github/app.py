"""A GitHub App's installation on the repository: found from the repository (or named), and
checked at start for the permissions plansync needs, so a missing one is one clear error
rather than a 403 in the middle of a run."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from github import Auth, GithubException, GithubIntegration

from plansync.errors import AuthenticationError, ConfigError

# What plansync needs of the App, with the names GitHub's settings page shows.
REQUIRED = {
    "issues": ("Issues", "write"),
    "contents": ("Contents", "write"),
    "pull_requests": ("Pull requests", "write"),
    "metadata": ("Metadata", "read"),
}
_RANK = {"read": 1, "write": 2, "admin": 3}


@dataclass(frozen=True)
class AppInstallation:
    id: int
    app_slug: str
    permissions: Mapping[str, str]

    def lacking(self) -> list[str]:
        """The permissions plansync needs that the installation does not grant, in words."""
        missing = []
        for key, (name, level) in REQUIRED.items():
            granted = self.permissions.get(key, "")
            if _RANK.get(granted, 0) < _RANK[level]:
                words = "read and write" if level == "write" else "read"
                have = f" (it has {granted})" if granted else ""
                missing.append(f"{name}: {words}{have}")
        return missing


def find_installation(
    repo: str, app_id: int, private_key: str, base_url: str, installation_id: int | None
) -> AppInstallation:
    """The App's installation on `repo` (asked of GitHub with the App's JWT)."""
    owner, _, name = repo.partition("/")
    integration = GithubIntegration(
        auth=Auth.AppAuth(app_id, private_key), base_url=base_url.rstrip("/")
    )
    try:
        if installation_id is None:
            found = integration.get_repo_installation(owner, name)
        else:
            found = integration.get_app_installation(installation_id)
        data = found.raw_data
    except GithubException as exc:
        message = exc.data.get("message") if isinstance(exc.data, Mapping) else None
        if exc.status == 404:
            raise ConfigError(
                f"GitHub App {app_id} is not installed on {repo} ({exc.status} {message}); "
                "install it on the repository (the App's page, Install App)."
            ) from exc
        raise AuthenticationError(
            f"GitHub refused GitHub App {app_id} for {repo} ({exc.status} {message}). Check "
            "the app_id and that the private key is the App's current one."
        ) from exc
    finally:
        integration.close()
    permissions = data.get("permissions")
    return AppInstallation(
        int(data["id"]),
        str(data.get("app_slug") or app_id),
        {str(k): str(v) for k, v in (permissions or {}).items()},
    )


def check_permissions(repo: str, app_id: int, installation: AppInstallation) -> None:
    lacking = installation.lacking()
    if lacking:
        raise ConfigError(
            f"GitHub App {app_id} ({installation.app_slug}) on {repo} lacks the permission"
            f"{'s' if len(lacking) > 1 else ''} {'; '.join(lacking)}. Grant "
            f"{'them' if len(lacking) > 1 else 'it'} in the App's settings (Permissions & "
            "events), then accept the new permissions on the installation."
        )

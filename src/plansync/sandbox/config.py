"""The [projects.tracker] table of a plansync config that talks to a local sandbox."""

from __future__ import annotations

from plansync.sandbox.server import SandboxServer


def sandbox_tracker_toml(kind: str, server: SandboxServer, repo: str, token_env: str) -> str:
    """The keys of a [projects.tracker] table (without its header) for repository `repo` of
    `server`, as a `kind` ("github" or "gitlab") tracker reading its token from `token_env`.

    Pacing is off (and GitLab's notes pacing): a local sandbox needs no waits between writes.
    """
    if kind == "github":
        return (
            f'kind = "github"\nrepo = "{repo}"\nbase_url = "{server.github_api_url}"\n'
            f'token_env = "{token_env}"\npacing = {{ enabled = false }}\n'
        )
    if kind == "gitlab":
        return (
            f'kind = "gitlab"\nrepo = "{repo}"\nurl = "{server.gitlab_url}"\n'
            f'token_env = "{token_env}"\npacing = {{ enabled = false }}\n'
            "notes_pacing = { enabled = false }\n"
        )
    raise ValueError(f"unknown tracker kind {kind!r}: expected github or gitlab")

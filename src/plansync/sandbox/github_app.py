"""GitHub Apps in the sandbox: installations on repositories, the App's JWT, installation tokens.

A request whose bearer token is a JWT may only ask for the App's own endpoints (`/app`, a
repository's installation, an installation's access token); the JWT is checked for shape
(three base64url parts, RS256, an `iss` naming an installed App) and time (issued at most 60 s
ahead, expiring at most 10 minutes after it was issued, not expired). The signature is not
checked: the sandbox has no App's public key. Installation tokens expire after the lifetime
given at install time, by the store's clock; an expired one is refused like a bad token.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import Any

from plansync.sandbox.apps import FULL_PERMISSIONS, AppRegistry
from plansync.sandbox.http_types import ApiRequest, ApiResponse
from plansync.sandbox.serialize_github import DOCS, gh_time
from plansync.sandbox.store import SandboxStore

APP_DOCS = f"{DOCS}/apps/apps"


def slug(app_id: int) -> str:
    return f"sandbox-app-{app_id}"


def is_jwt(token: str) -> bool:
    return token.count(".") == 2 and not token.startswith("ghs_")


def _unauthorized(message: str) -> ApiResponse:
    return ApiResponse.json(401, {"message": message, "documentation_url": DOCS})


class AppAuth:
    def __init__(self, store: SandboxStore) -> None:
        self.store = store

    @property
    def registry(self) -> AppRegistry:
        return self.store.apps

    def user_of_token(self, token: str) -> str | None:
        """The App's bot for a live installation token; None when it is unknown or expired
        (refused as bad credentials), or not an installation token at all."""
        found = self.registry.tokens.get(token)
        if found is None:
            return None
        installation, expires = found
        if self.store.now() >= expires:
            return None
        return f"{slug(self.registry.installations[installation].app_id)}[bot]"

    def knows(self, token: str) -> bool:
        return token in self.registry.tokens or is_jwt(token)

    def answer(self, request: ApiRequest, token: str) -> ApiResponse:
        """The answer to a request carrying the App's JWT."""
        app_id, refusal = self._check_jwt(token)
        if refusal is not None:
            return refusal
        assert app_id is not None
        path = request.path.rstrip("/")
        parts = path.strip("/").split("/")
        if request.method == "GET" and path == "/app":
            return ApiResponse.json(200, self._app_json(request, app_id))
        if request.method == "GET" and len(parts) == 4 and parts[::3] == ["repos", "installation"]:
            return self._repo_installation(request, app_id, f"{parts[1]}/{parts[2]}")
        if request.method == "GET" and len(parts) == 3 and parts[:2] == ["app", "installations"]:
            for installation in self.registry.installations.values():
                if str(installation.id) == parts[2] and installation.app_id == app_id:
                    return self._repo_installation(request, app_id, installation.repo)
        if (
            request.method == "POST"
            and len(parts) == 4
            and parts[:2] == ["app", "installations"]
            and parts[3] == "access_tokens"
            and parts[2].isdigit()
        ):
            return self._access_token(app_id, int(parts[2]))
        return ApiResponse.json(
            403,
            {
                "message": "A JSON web token cannot be used to authenticate this request; use "
                "an installation access token.",
                "documentation_url": APP_DOCS,
            },
        )

    def _check_jwt(self, token: str) -> tuple[int | None, ApiResponse | None]:
        try:
            header, payload = (_part(p) for p in token.split(".")[:2])
        except (ValueError, binascii.Error):
            return None, _unauthorized("A JSON web token could not be decoded")
        if not isinstance(header, dict) or header.get("alg") != "RS256":
            return None, _unauthorized("A JSON web token could not be decoded")
        if not isinstance(payload, dict):
            return None, _unauthorized("A JSON web token could not be decoded")
        now = self.store.now().timestamp()
        iat, exp, iss = payload.get("iat"), payload.get("exp"), payload.get("iss")
        if not isinstance(iat, int | float) or iat > now + 60:
            return None, _unauthorized(
                "'Issued at' claim ('iat') must be an Integer representing the time that the "
                "assertion was issued."
            )
        if not isinstance(exp, int | float) or exp <= now or exp - iat > 600:
            return None, _unauthorized(
                "'Expiration time' claim ('exp') must be a numeric value representing the "
                "future time at which the assertion expires."
            )
        try:
            app_id = int(str(iss))
        except ValueError:
            return None, _unauthorized("A JSON web token could not be decoded")
        if not any(i.app_id == app_id for i in self.registry.installations.values()):
            return None, _unauthorized("Integration not found")
        return app_id, None

    def _app_json(self, request: ApiRequest, app_id: int) -> dict[str, Any]:
        return {
            "id": app_id,
            "slug": slug(app_id),
            "node_id": f"A_{app_id}",
            "name": slug(app_id),
            "owner": {"login": "demo", "id": 1, "type": "Organization"},
            "description": "",
            "external_url": request.base_url,
            "html_url": f"{request.base_url}/apps/{slug(app_id)}",
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
            "permissions": dict(FULL_PERMISSIONS),
            "events": ["issues", "issue_comment", "push"],
            "installations_count": sum(
                1 for i in self.registry.installations.values() if i.app_id == app_id
            ),
        }

    def _repo_installation(self, request: ApiRequest, app_id: int, repo: str) -> ApiResponse:
        for installation in self.registry.installations.values():
            if installation.app_id == app_id and installation.repo.lower() == repo.lower():
                owner = repo.split("/", 1)[0]
                return ApiResponse.json(
                    200,
                    {
                        "id": installation.id,
                        "account": {"login": owner, "id": 1, "type": "Organization"},
                        "access_tokens_url": f"{request.base_url}/api/v3/app/installations/"
                        f"{installation.id}/access_tokens",
                        "repositories_url": f"{request.base_url}/api/v3/installation/repositories",
                        "html_url": f"{request.base_url}/settings/installations/{installation.id}",
                        "app_id": app_id,
                        "app_slug": slug(app_id),
                        "target_id": 1,
                        "target_type": "Organization",
                        "permissions": dict(installation.permissions),
                        "events": ["issues", "issue_comment", "push"],
                        "repository_selection": "selected",
                        "created_at": "2024-01-01T00:00:00Z",
                        "updated_at": "2024-01-01T00:00:00Z",
                        "single_file_name": None,
                        "suspended_at": None,
                        "suspended_by": None,
                    },
                )
        return ApiResponse.json(404, {"message": "Not Found", "documentation_url": APP_DOCS})

    def _access_token(self, app_id: int, installation_id: int) -> ApiResponse:
        installation = self.registry.installations.get(installation_id)
        if installation is None or installation.app_id != app_id:
            return ApiResponse.json(404, {"message": "Not Found", "documentation_url": APP_DOCS})
        token = "ghs_" + secrets.token_hex(18)
        expires = self.store.now() + installation.lifetime
        self.registry.tokens[token] = (installation_id, expires)
        self.registry.issued += 1
        return ApiResponse.json(
            201,
            {
                "token": token,
                "expires_at": gh_time(expires),
                "permissions": dict(installation.permissions),
                "repository_selection": "selected",
            },
        )


def _part(text: str) -> Any:
    padded = text + "=" * (-len(text) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))

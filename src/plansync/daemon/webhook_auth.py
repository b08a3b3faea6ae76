"""Is a webhook delivery from the tracker? GitHub signs the raw body (`X-Hub-Signature-256`,
HMAC SHA-256); GitLab sends the shared secret itself (`X-Gitlab-Token`). Several secrets are
accepted so one can be rotated. Every comparison takes the same time whatever matches.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

SIGNATURE_PREFIX = "sha256="


def github_signature(secret: bytes, body: bytes) -> str:
    """The `X-Hub-Signature-256` value GitHub sends for `body` signed with `secret`."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


def github_signature_valid(header: str | None, body: bytes, secrets: Sequence[bytes]) -> bool:
    """True when `header` is the signature of `body` under one of `secrets`."""
    if not header or not secrets:
        return False
    given = header.strip().encode("ascii", "replace")
    # Every secret is tried, not only up to the first match: the time taken says nothing.
    matches = [hmac.compare_digest(given, github_signature(s, body).encode()) for s in secrets]
    return any(matches)


def gitlab_token_valid(header: str | None, secrets: Sequence[bytes]) -> bool:
    """True when `header` is one of `secrets`."""
    if not header or not secrets:
        return False
    given = header.encode("utf-8", "replace")
    matches = [hmac.compare_digest(given, secret) for secret in secrets]
    return any(matches)

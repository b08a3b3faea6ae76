"""The one check of a tracker's base URL, shared by both adapters and the config models."""

from __future__ import annotations

from urllib.parse import urlsplit


def is_http_url(url: str) -> bool:
    """Whether `url` is an http(s) URL with a host (and a numeric port, if any)."""
    parts = urlsplit(url.strip())
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def normalised(url: str) -> str:
    """The URL without surrounding blanks or a trailing slash."""
    return url.strip().rstrip("/")

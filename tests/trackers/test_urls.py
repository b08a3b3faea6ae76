"""The one base-URL check shared by the adapters and the config models."""

from __future__ import annotations

import pytest

from plansync.trackers.urls import is_http_url, normalised


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://api.github.com", True),
        ("http://127.0.0.1:8765/api/v3", True),
        (" https://gitlab.example.com/ ", True),
        ("ghe.example.com/api/v3", False),
        ("ftp://example.com", False),
        ("https://", False),
        ("https://host:port/api/v3", False),
    ],
)
def test_is_http_url(url: str, ok: bool) -> None:
    assert is_http_url(url) is ok


def test_normalised_drops_blanks_and_trailing_slash() -> None:
    assert normalised(" https://gitlab.example.com/ ") == "https://gitlab.example.com"

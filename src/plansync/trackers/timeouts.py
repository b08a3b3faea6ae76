"""How long a tracker request may take: to connect, and between bytes of the answer.

Every request of both clients passes through a requests transport adapter; `TimeoutAdapter`
puts the timeouts on each request there, whatever the client library asked for, so a tracker
that accepts a connection and never answers holds a run for `read` seconds, not for ever.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter


@dataclass(frozen=True)
class Timeouts:
    """Seconds to open a connection, and to wait for each part of an answer."""

    connect: float = 10.0
    read: float = 30.0

    def __post_init__(self) -> None:
        if not (self.connect > 0 and self.read > 0):
            raise ValueError(
                f"Tracker timeouts must be positive seconds; got connect={self.connect}, "
                f"read={self.read}."
            )


DEFAULT_TIMEOUTS = Timeouts()


class TimeoutAdapter(HTTPAdapter):
    """A transport adapter without retries (plansync's retry layer decides those) that sends
    every request with the given timeouts."""

    def __init__(self, timeouts: Timeouts) -> None:
        super().__init__(max_retries=0)
        self.timeouts = timeouts

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        return super().send(
            request,
            stream=stream,
            timeout=(self.timeouts.connect, self.timeouts.read),
            verify=verify,
            cert=cert,
            proxies=proxies,
        )

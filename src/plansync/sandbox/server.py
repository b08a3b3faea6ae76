"""The sandbox HTTP server: GitHub REST (/api/v3) and GitLab REST v4 (/api/v4) over one
in-memory store, on loopback, standard library only. Starts in-process in milliseconds."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from plansync.clock import Clock
from plansync.sandbox.control import PREFIX, Control
from plansync.sandbox.dispatch import Dispatcher, Outcome, api_of
from plansync.sandbox.http_types import ApiResponse
from plansync.sandbox.limits import LimitConfig
from plansync.sandbox.store import SandboxStore

LOOPBACK = ("127.0.0.1", "::1", "localhost")
DEFAULT_BAD_TOKENS = frozenset({"bad-token"})


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the clients' connection pools expect
    server: _HttpServer
    timeout = 60  # an idle kept-alive connection frees its thread after this
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format: str, *args: Any) -> None:
        return  # the request log is kept in the store; no noise on stderr

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = self.server.sandbox.respond(self.command, self.path, headers, body)
        if outcome.hold > 0:
            self.server.sandbox.wait(outcome.hold)
        if outcome.response is None:
            self.close_connection = True  # no answer at all: the client sees a dropped line
            return
        try:
            self._send(outcome.response)
        except OSError:
            self.close_connection = True  # the client gave up (after a held answer)

    def _send(self, response: ApiResponse) -> None:
        self.send_response(response.status)
        if response.content_type:
            self.send_header("Content-Type", response.content_type)
        for key, value in response.headers:
            self.send_header(key, value)
        has_body = response.status not in (204, 304) and self.command != "HEAD"
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if has_body and response.body:
            self.wfile.write(response.body)
        self.wfile.flush()


class SandboxServer:
    """A stateful stand-in for github.com and gitlab.com on loopback.

    `srv.github_api_url` is PyGithub's `base_url` (as for GitHub Enterprise); `srv.gitlab_url`
    is python-gitlab's `url`. Any token works except those in `bad_tokens`; a token
    "as:alice" acts as alice, any other as "plansync-bot". `srv.store` is the state, for
    tests acting as a person on the other side.
    """

    def __init__(
        self,
        repos: Iterable[str] = ("demo/plans",),
        host: str = "127.0.0.1",
        port: int = 0,
        state_file: str | Path | None = None,
        bad_tokens: frozenset[str] = DEFAULT_BAD_TOKENS,
        *,
        clock: Clock | None = None,
        limits: LimitConfig | None = None,
    ) -> None:
        if host not in LOOPBACK:
            raise ValueError(
                f"The sandbox listens on loopback only; host {host!r} is not one of {LOOPBACK}."
            )
        self.host = host
        self.port = port
        path = Path(state_file) if state_file is not None else None
        self.store = SandboxStore(repos, clock=clock, state_file=path, limits=limits)
        if path is not None and path.exists():
            self.store.load(path)
        self.bad_tokens = frozenset(bad_tokens)
        self._dispatcher = Dispatcher(self.store, self.bad_tokens)
        self._control = Control(self.store)
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def refuse_tokens(self, tokens: Iterable[str]) -> None:
        """From now on refuse these tokens (401), as a tracker does once a token is revoked;
        an empty list accepts every token again."""
        self.bad_tokens = frozenset(tokens)
        self._dispatcher.bad_tokens = self.bad_tokens

    # addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("The sandbox server has no address yet; call start() first.")
        host = self.host if ":" not in self.host else f"[{self.host}]"
        return f"http://{host}:{self._httpd.server_address[1]}"

    @property
    def github_api_url(self) -> str:
        return f"{self.url}/api/v3"

    @property
    def gitlab_url(self) -> str:
        return self.url

    # lifecycle ---------------------------------------------------------------------------

    def _bind(self) -> _HttpServer:
        if self._httpd is None:
            kind = _HttpServer6 if ":" in self.host else _HttpServer
            httpd = kind((self.host, self.port), _Handler)
            httpd.sandbox = self
            self._httpd = httpd
            self._stopping.clear()
        return self._httpd

    def start(self) -> None:
        """Serve in a background thread; returns at once."""
        httpd = self._bind()
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"sandbox-{self.url}",
        )
        self._thread.start()

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() is called from elsewhere (or Ctrl-C)."""
        httpd = self._bind()
        try:
            httpd.serve_forever(poll_interval=0.2)
        finally:
            httpd.server_close()
            self._httpd = None

    def stop(self) -> None:
        self._stopping.set()  # releases answers held by "timeout" faults
        httpd = self._httpd
        if httpd is None:
            return
        httpd.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
            httpd.server_close()
            self._httpd = None

    def reset(self) -> None:
        self.store.reset()

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # one request -------------------------------------------------------------------------

    def respond(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Outcome:
        path = urlsplit(target).path
        if "host" not in headers:
            headers = {**headers, "host": self.url.split("://", 1)[1]}
        if path == PREFIX or path.startswith(PREFIX + "/"):
            return Outcome(self._control.handle(method, path, body))
        api = api_of(path)
        if api is None:
            return Outcome(
                ApiResponse.json(
                    404,
                    {
                        "message": "Not Found",
                        "hint": "GitHub's API is under /api/v3, GitLab's under /api/v4.",
                    },
                )
            )
        return self._dispatcher.handle(api, method, target, headers, body)

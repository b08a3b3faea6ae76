"""`plansync daemon --listen` as a real process beside the sandbox: its log lines collected as
they come, its address read from its `listening on` line, and signed webhook deliveries.

    with DaemonProcess.start(harness) as daemon:
        daemon.wait_for_line("run finished: ")
        daemon.github("issues", {"repository": {"full_name": "demo/plans"}})
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from harness import ENVIRON, SyncHarness

from plansync.daemon.webhook_auth import github_signature

GITHUB_SECRET = "It's a Secret to Everybody"
GITLAB_SECRET = "gitlab-hook-secret"
SECRETS = {
    "PLANSYNC_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
    "PLANSYNC_GITLAB_WEBHOOK_SECRET": GITLAB_SECRET,
}
WAIT = 30.0  # seconds to wait for what should take well under one
_LISTENING = re.compile(r"listening on (http://\S+)")


@dataclass
class DaemonProcess:
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    url: str = ""
    _reader: threading.Thread | None = None

    @classmethod
    def start(
        cls,
        harness: SyncHarness,
        *options: str,
        environ: Mapping[str, str] | None = None,
    ) -> DaemonProcess:
        env = {**os.environ, **ENVIRON, **(SECRETS if environ is None else environ)}
        command = [sys.executable, "-m", "plansync", "daemon", "--config"]
        process = subprocess.Popen(
            [*command, str(harness.config_path), "--listen", "127.0.0.1:0", *options],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        daemon = cls(process)
        daemon._reader = threading.Thread(target=daemon._read, daemon=True)
        daemon._reader.start()
        match = _LISTENING.search(daemon.wait_for_line("listening on "))
        assert match is not None
        daemon.url = match[1]
        return daemon

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def __enter__(self) -> DaemonProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(WAIT)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def count(self, text: str) -> int:
        return sum(1 for line in self.lines if text in line)

    def wait_for_line(self, text: str, *, after: int = 0, timeout: float = WAIT) -> str:
        """The first line from index `after` on holding `text`."""
        return self.wait_until(
            lambda: next((ln for ln in self.lines[after:] if text in ln), None),
            f"a line holding {text!r}",
            timeout=timeout,
        )

    def wait_until(self, found: Callable[[], Any], what: str, *, timeout: float = WAIT) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = found()
            if value:
                return value
            if self.process.poll() is not None and not found():
                break
            time.sleep(0.02)
        raise AssertionError(f"waited in vain for {what}; the daemon printed:\n{self.output}")

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, timeout=5)

    def github(
        self,
        event: str,
        payload: Any,
        *,
        delivery: str | None = None,
        secret: str = GITHUB_SECRET,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        data = body if body is not None else json.dumps(payload).encode()
        sent = {
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
            "X-Hub-Signature-256": github_signature(secret.encode(), data),
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return requests.post(self.url + "/webhook/github", data=data, headers=sent, timeout=10)

    def gitlab(
        self,
        event: str,
        payload: Any,
        *,
        token: str | None = GITLAB_SECRET,
        delivery: str | None = None,
    ) -> requests.Response:
        sent = {
            "X-Gitlab-Event": event,
            "X-Gitlab-Event-UUID": delivery or str(uuid.uuid4()),
            "Content-Type": "application/json",
        }
        if token is not None:
            sent["X-Gitlab-Token"] = token
        return requests.post(self.url + "/webhook/gitlab", json=payload, headers=sent, timeout=10)

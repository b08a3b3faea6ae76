"""`plansync daemon --listen`: the scheduler and the HTTP service in one process.

uvicorn serves the Starlette app from a thread of its own, on a socket bound here first (so a
port in use is a clear error, and port 0 picks a free one). The main thread runs the scheduler
and its signal handlers: a stop request closes the HTTP server to new connections at once and
lets the run in progress finish its action. One process, one scheduler: never run it with
several workers.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Sequence

import uvicorn

from plansync.config.load import LoadedConfig
from plansync.config.project import ProjectConfig
from plansync.daemon.app import RunWatch, project_runner
from plansync.daemon.deliveries import PendingHints, SeenDeliveries
from plansync.daemon.health import Health
from plansync.daemon.http import Service, build_app
from plansync.daemon.metrics import Metrics
from plansync.daemon.replicas import Replicas
from plansync.daemon.scheduler import Daemon
from plansync.errors import PlansyncError
from plansync.state.base import StateDatabase
from plansync.state.open import is_postgres

PROVIDERS = ("github", "gitlab")
# How long the HTTP server may take to finish its answers once told to stop.
_HTTP_GRACE = 5.0


class ListenError(PlansyncError):
    """The HTTP service cannot listen where it was asked to."""


def run_service(
    config: LoadedConfig,
    projects: Sequence[ProjectConfig],
    state: StateDatabase | None,
    listen: tuple[str, int],
    log: logging.Logger,
) -> int:
    secrets = {p: config.daemon.secrets(p, os.environ) for p in PROVIDERS}
    on = [p for p in PROVIDERS if secrets[p]]
    scheduled = _polled(projects, config.daemon.safety_net_minutes) if on else list(projects)
    sock = bind(*listen)
    metrics = Metrics()
    health = Health(scheduled)
    pending = PendingHints()
    # A PostgreSQL store may be shared by several daemons: they coordinate through it.
    replicas = _replicas(config, scheduled, state, log)
    watch = RunWatch(metrics, health, pending)
    runner = project_runner(config, state, watch, shared=replicas is not None)
    if replicas is not None:
        runner = replicas.runner(runner)
    gap = config.daemon.trigger_gap_seconds
    daemon = Daemon(scheduled, runner, log=log, trigger_gap=gap, workers=config.daemon.workers)
    app = build_app(
        Service(
            projects=scheduled,
            secrets=secrets,
            trigger=daemon.trigger if replicas is None else replicas.mark,
            alive=lambda: daemon.alive,
            readiness=health.readiness,
            metrics=metrics,
            seen=SeenDeliveries() if replicas is None else replicas,
            pending=pending,
        )
    )
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=int(_HTTP_GRACE),
        )
    )
    http = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="plansync-http", daemon=True
    )
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    log.info(
        "listening on http://%s:%d (webhooks: %s)",
        shown,
        port,
        ", ".join(on) if on else "off: no secret set",
        extra={"host": host, "port": port},
    )
    http.start()
    if replicas is not None:
        threading.Thread(
            target=replicas.claim_loop,
            args=(daemon.trigger, daemon.stopping),
            name="plansync-claims",
            daemon=True,
        ).start()
    # The HTTP server stops taking requests as soon as a stop is requested, not after the run.
    closer = threading.Thread(
        target=_close_on_stop, args=(daemon, server), name="plansync-http-closer", daemon=True
    )
    closer.start()
    try:
        code = daemon.run_until_stopped()
    finally:
        server.should_exit = True
        http.join(_HTTP_GRACE + 1)
        with contextlib.suppress(OSError):
            sock.close()
    return code


def _replicas(
    config: LoadedConfig,
    projects: Sequence[ProjectConfig],
    state: StateDatabase | None,
    log: logging.Logger,
) -> Replicas | None:
    if state is None or not is_postgres(config.state_url):
        return None
    return Replicas(
        state,
        {p.name: p for p in projects},
        every=config.daemon.claim_every_seconds,
        lease=config.daemon.claim_lease_seconds,
        log=log,
    )


def _close_on_stop(daemon: Daemon, server: uvicorn.Server) -> None:
    daemon.stopping.wait()
    server.should_exit = True


def _polled(projects: Sequence[ProjectConfig], safety_net: float) -> list[ProjectConfig]:
    """Webhooks say when to run; polling stays, at the longer safety-net interval."""
    return [
        p.model_copy(update={"interval_minutes": max(p.interval_minutes, safety_net)})
        for p in projects
    ]


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ListenError(
            f"Cannot listen on {host}:{port} ({exc.strerror}). Pick another --listen address "
            f"or stop what uses it."
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock

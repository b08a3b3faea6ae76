"""The daemon's HTTP endpoints (Starlette): webhooks from GitHub and GitLab, liveness,
readiness and Prometheus metrics.

A webhook delivery is verified on its raw body, parsed, dropped when its id was seen before,
and turned into a trigger of the projects of its repository; the answer (202) does not wait
for the run. A bad request gets a 4xx and one log line naming its delivery id, never a run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from plansync.config.project import ProjectConfig
from plansync.daemon.deliveries import DeliveryLog, PendingHints
from plansync.daemon.events import (
    GITHUB_EVENTS,
    GITHUB_PING,
    GITLAB_EVENTS,
    BadDelivery,
    Hint,
    github_hint,
    gitlab_hint,
    wakes,
)
from plansync.daemon.health import Readiness
from plansync.daemon.metrics import CONTENT_TYPE, Metrics
from plansync.daemon.webhook_auth import github_signature_valid, gitlab_token_valid

# GitHub caps a delivery at 25 MB; anything larger is not from a tracker.
MAX_BODY = 25 * 1024 * 1024
LOGGER = "plansync.daemon.webhooks"
_ID_SHOWN = 80  # characters of a delivery id a log line shows (the header is anyone's text)


@dataclass
class Service:
    """What the endpoints act on. `trigger(project)` is False once the daemon is stopping."""

    projects: Sequence[ProjectConfig]
    secrets: Mapping[str, Sequence[bytes]]  # provider -> accepted secrets
    trigger: Callable[[str], bool]
    alive: Callable[[], bool]
    readiness: Callable[[], Readiness]
    metrics: Metrics
    seen: DeliveryLog
    pending: PendingHints


class _Refused(Exception):
    def __init__(self, status: int, result: str, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.result = result
        self.reason = reason


def build_app(service: Service) -> Starlette:
    log = logging.getLogger(LOGGER)

    async def github(request: Request) -> Response:
        event = request.headers.get("x-github-event", "")
        delivery = request.headers.get("x-github-delivery", "")
        return await _deliver(request, "github", event, delivery)

    async def gitlab(request: Request) -> Response:
        event = request.headers.get("x-gitlab-event", "")
        delivery = request.headers.get("idempotency-key") or request.headers.get(
            "x-gitlab-event-uuid", ""
        )
        return await _deliver(request, "gitlab", event, delivery)

    async def _deliver(request: Request, provider: str, event: str, delivery: str) -> Response:
        known = GITHUB_EVENTS | {GITHUB_PING} if provider == "github" else GITLAB_EVENTS
        label = event if event in known else "other"
        try:
            answer = await _handle(request, provider, event, delivery)
        except _Refused as refused:
            service.metrics.delivery(provider, label, refused.result)
            log.warning(
                "webhook refused: %s delivery %s: %s",
                provider,
                _shown(delivery),
                refused.reason,
                extra={"provider": provider, "delivery_id": _shown(delivery), "event": label},
            )
            return JSONResponse({"error": refused.reason}, status_code=refused.status)
        service.metrics.delivery(provider, label, str(answer["result"]))
        status = 202 if answer["result"] == "accepted" else 200
        return JSONResponse(answer, status_code=status)

    async def _handle(
        request: Request, provider: str, event: str, delivery: str
    ) -> dict[str, object]:
        secrets = service.secrets.get(provider, ())
        if not secrets:
            raise _Refused(404, "not_configured", f"{provider} webhooks are not configured")
        body = await _body(request)
        if provider == "github":
            signature = request.headers.get("x-hub-signature-256")
            if signature is None:
                raise _Refused(401, "unauthorized", "no X-Hub-Signature-256 header")
            if not github_signature_valid(signature, body, secrets):
                raise _Refused(401, "unauthorized", "the signature matches no configured secret")
        else:
            token = request.headers.get("x-gitlab-token")
            if token is None:
                raise _Refused(401, "unauthorized", "no X-Gitlab-Token header")
            if not gitlab_token_valid(token, secrets):
                raise _Refused(401, "unauthorized", "the token matches no configured secret")
        if provider == "github" and event == GITHUB_PING:
            return {"result": "ping"}
        known = GITHUB_EVENTS if provider == "github" else GITLAB_EVENTS
        if event not in known:
            reason = f"event {_shown(event)!r} is not one plansync reads"
            raise _Refused(400, "unknown_event", reason)
        payload = _payload(body, request.headers.get("content-type", ""))
        try:
            read = github_hint if provider == "github" else gitlab_hint
            hint = read(event, payload)
        except BadDelivery as exc:
            raise _Refused(400, "bad_payload", f"malformed {event} payload: {exc}") from exc
        if delivery and not service.seen.first_time(f"{provider}:{delivery}"):
            log.info(
                "webhook: %s delivery %s seen before: nothing to do",
                provider,
                _shown(delivery),
                extra={"provider": provider, "delivery_id": _shown(delivery), "event": event},
            )
            return {"result": "duplicate"}
        return _wake(hint, delivery)

    def _wake(hint: Hint, delivery: str) -> dict[str, object]:
        woken = wakes(hint, service.projects)
        triggered: list[str] = []
        for name in woken.projects:
            service.pending.mark(name, delivery or "(no id)")
            if service.trigger(name):
                triggered.append(name)
        stopping = len(triggered) < len(woken.projects)
        log.info(
            "webhook: %s %s delivery %s: %s%s",
            hint.provider,
            hint.event,
            _shown(delivery),
            "triggered " + ", ".join(triggered) if triggered else "no project to run",
            "".join(f"; {why}" for why in woken.ignored),
            extra={
                "provider": hint.provider,
                "event": hint.event,
                "delivery_id": _shown(delivery),
                "projects": triggered,
            },
        )
        if stopping:
            return {"result": "stopping", "projects": triggered}
        result = "accepted" if triggered else "ignored"
        return {"result": result, "projects": triggered, "ignored": list(woken.ignored)}

    async def livez(request: Request) -> Response:
        if service.alive():
            return PlainTextResponse("ok\n")
        return PlainTextResponse("the scheduler is not running\n", status_code=503)

    async def readyz(request: Request) -> Response:
        if not service.alive():
            return PlainTextResponse("not ready: the scheduler is not running\n", status_code=503)
        readiness = service.readiness()
        if readiness.ready:
            return PlainTextResponse("ready\n")
        lines = "".join(f"- {problem}\n" for problem in readiness.problems)
        return PlainTextResponse(f"not ready:\n{lines}", status_code=503)

    async def metrics(request: Request) -> Response:
        return Response(service.metrics.exposition(), media_type=CONTENT_TYPE)

    return Starlette(
        routes=[
            Route("/webhook/github", github, methods=["POST"]),
            Route("/webhook/gitlab", gitlab, methods=["POST"]),
            Route("/livez", livez, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/healthz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ]
    )


async def _body(request: Request) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise _Refused(413, "too_large", f"the body is {int(length)} bytes, over 25 MB")
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise _Refused(413, "too_large", "the body is over 25 MB")
            chunks.append(chunk)
    except ClientDisconnect as exc:
        raise _Refused(400, "disconnected", "the sender hung up before the body ended") from exc
    return b"".join(chunks)


def _payload(body: bytes, content_type: str) -> Any:
    """The JSON payload; GitHub may also send it form-encoded as `payload=...`."""
    text: bytes | str = body
    if content_type.split(";")[0].strip() == "application/x-www-form-urlencoded":
        # A form body is ASCII; the JSON inside it is percent-encoded UTF-8.
        fields = parse_qs(body.decode("ascii", "replace"), keep_blank_values=True)
        if "payload" not in fields:
            raise _Refused(400, "bad_payload", "the form has no payload field")
        text = fields["payload"][0]
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _Refused(400, "bad_payload", f"the body is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise _Refused(400, "bad_payload", "the body nests JSON too deeply") from exc


def _shown(text: str) -> str:
    """Header text fit for one log line: printable, and not too long."""
    if not text:
        return "(no id)"
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= _ID_SHOWN else clean[:_ID_SHOWN] + "..."

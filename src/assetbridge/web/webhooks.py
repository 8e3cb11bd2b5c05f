"""``POST /webhooks/orangelogic`` and ``POST /webhooks/iconik``: authenticate, store raw, answer 202.

No work happens in the request: the raw body goes into the inbox and jobs re-read the full record later
(webhooks are hints). Unauthenticated deliveries get 401 and nothing is stored. An authenticated body
that cannot be processed (not JSON, not an object, nested too deep, no event id) is stored *quarantined*
and still answered 202: the sender would only re-send the same bytes, and for iconik every non-2xx
answer counts towards marking the webhook FAILING (reference iconik-api §8.1).
"""

from __future__ import annotations

import hmac

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assetbridge.connectors.orangelogic.webhooks import (
    ID_HEADERS,
    TIMESTAMP_HEADERS,
    SignatureError,
    verify_signature,
)
from assetbridge.engine.inbox_port import InboxPort
from assetbridge.transport.redaction import redact_headers, redact_text
from assetbridge.web.metrics import WebhookMetrics
from assetbridge.web.payloads import BodyTooLarge, body_id, parse_object, read_body, usable_id
from assetbridge.web.settings import ReceiverSettings

ORANGELOGIC = "orangelogic"
ICONIK = "iconik"

log = structlog.get_logger("assetbridge.web")


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class Receiver:
    def __init__(self, settings: ReceiverSettings, inbox: InboxPort, metrics: WebhookMetrics) -> None:
        self.settings = settings
        self.inbox = inbox
        self.metrics = metrics

    def secrets(self) -> list[str]:
        configured = [*self.settings.orangelogic_secrets, self.settings.iconik_secret]
        return [s.get_secret_value() for s in configured if s is not None]

    def reject(self, system: str, reason: str, status: int, message: str) -> JSONResponse:
        self.metrics.rejected.labels(system=system, reason=reason).inc()
        return _error(status, message)

    async def body(self, system: str, request: Request) -> bytes | JSONResponse:
        try:
            return await read_body(request, self.settings.max_body_bytes)
        except BodyTooLarge:
            limit = self.settings.max_body_bytes
            return self.reject(system, "too_large", 413, f"body larger than {limit} bytes")

    async def store(
        self, system: str, event_id: str | None, body: bytes, request: Request, problem: str
    ) -> JSONResponse:
        """Put an authenticated delivery into the inbox; quarantined when ``problem`` or no event id."""
        headers = redact_headers({k.lower(): v for k, v in request.headers.items()})
        reason = problem or ("" if event_id is not None else "payload carries no usable event id")
        stored_id = event_id or body_id(body)
        try:
            if reason:
                added = await run_in_threadpool(
                    self.inbox.quarantine, system, stored_id, body, headers, reason
                )
            else:
                added = await run_in_threadpool(self.inbox.add, system, stored_id, body, headers)
        except Exception as exc:  # nothing was acknowledged: the sender delivers again later
            self.metrics.inbox_errors.labels(system=system).inc()
            log.warning(
                "webhook inbox unavailable", system=system, error=redact_text(repr(exc), self.secrets())[:500]
            )
            return _error(503, "inbox unavailable, retry later")
        if not added:
            self.metrics.duplicates.labels(system=system).inc()
            return JSONResponse({"status": "duplicate", "event_id": stored_id}, status_code=202)
        self.metrics.received.labels(system=system).inc()
        if reason:
            self.metrics.quarantined.labels(system=system).inc()
            answer = {"status": "quarantined", "event_id": stored_id, "reason": reason}
            return JSONResponse(answer, status_code=202)
        return JSONResponse({"status": "accepted", "event_id": stored_id}, status_code=202)

    async def orangelogic(self, request: Request) -> JSONResponse:
        body = await self.body(ORANGELOGIC, request)
        if isinstance(body, JSONResponse):
            return body
        secrets = [s.get_secret_value() for s in self.settings.orangelogic_secrets]
        if not secrets:
            return self.reject(ORANGELOGIC, "not_configured", 401, "Orange Logic webhooks are not configured")
        headers = dict(request.headers.items())
        if self.settings.orangelogic_require_timestamp and not any(h in headers for h in TIMESTAMP_HEADERS):
            return self.reject(
                ORANGELOGIC, "signature", 401, "signature rejected: no webhook-timestamp header"
            )
        try:
            verify_signature(
                secrets, body, headers, tolerance_seconds=self.settings.orangelogic_tolerance_seconds
            )
        except SignatureError as exc:
            return self.reject(ORANGELOGIC, "signature", 401, f"signature rejected: {str(exc)[:200]}")
        except (OverflowError, OSError, ValueError):  # a timestamp like "inf" or "1e400" escapes the check
            return self.reject(
                ORANGELOGIC, "signature", 401, "signature rejected: unreadable webhook timestamp"
            )
        data, problem = await run_in_threadpool(parse_object, body, self.settings.max_json_depth)
        # The id header is covered by the signature; the payload's eventId only when no header came.
        event_id = usable_id(next((headers[h] for h in ID_HEADERS if h in headers), None))
        if event_id is None and data is not None:
            event_id = usable_id(data.get("eventId", data.get("id")))
        return await self.store(ORANGELOGIC, event_id, body, request, problem)

    async def iconik(self, request: Request) -> JSONResponse:
        expected = self.settings.iconik_secret
        given = request.headers.get(self.settings.iconik_secret_header)
        if expected is None:
            return self.reject(ICONIK, "not_configured", 401, "iconik webhooks are not configured")
        if given is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            header = self.settings.iconik_secret_header
            return self.reject(ICONIK, "secret", 401, f"missing or wrong {header}")
        body = await self.body(ICONIK, request)
        if isinstance(body, JSONResponse):
            return body
        data, problem = await run_in_threadpool(parse_object, body, self.settings.max_json_depth)
        event_id = usable_id(data.get("request_id")) if data is not None else None
        domain = self.settings.iconik_system_domain_id
        if data is not None and domain is not None and data.get("system_domain_id") not in (None, domain):
            return self.reject(ICONIK, "domain", 403, "event from another iconik system domain")
        return await self.store(ICONIK, event_id, body, request, problem)


def build_webhook_router(settings: ReceiverSettings, inbox: InboxPort, metrics: WebhookMetrics) -> APIRouter:
    receiver = Receiver(settings, inbox, metrics)
    router = APIRouter(prefix="/webhooks")
    router.add_api_route("/orangelogic", receiver.orangelogic, methods=["POST"], status_code=202)
    router.add_api_route("/iconik", receiver.iconik, methods=["POST"], status_code=202)
    return router

"""``POST /actions/iconik/original``: a click on the "Request original" custom action.

Checked like our iconik webhooks (the secret header AssetBridge registered with the action; iconik signs
nothing), stored (one request per asset, without iconik's ``auth_token``) and answered 202 at once; a
durable job does the transfer. An authenticated body naming no asset is stored as a failed request and
still answered 202 (iconik marks an action FAILING on errors, and a re-send would be the same bytes).
"""

from __future__ import annotations

import hmac
from typing import Any, Protocol

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from assetbridge.engine.originals import ACTION_PATH
from assetbridge.transport.redaction import redact_text
from assetbridge.web.payloads import BodyTooLarge, parse_object, read_body
from assetbridge.web.settings import ReceiverSettings

log = structlog.get_logger("assetbridge.web")


class ClickStore(Protocol):
    def add(self, data: dict[str, Any]) -> tuple[int, str | None]:
        """Store a click durably: (requests newly stored, the problem when the body names no asset)."""
        ...


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def build_actions_router(settings: ReceiverSettings, store: ClickStore) -> APIRouter:
    router = APIRouter()

    async def original(request: Request) -> JSONResponse:
        expected = settings.iconik_secret
        header = settings.iconik_secret_header
        given = request.headers.get(header)
        if expected is None:
            return _error(401, "iconik custom actions are not configured")
        if given is None or not hmac.compare_digest(given.encode(), expected.get_secret_value().encode()):
            return _error(401, f"missing or wrong {header}")
        try:
            body = await read_body(request, settings.max_body_bytes)
        except BodyTooLarge:
            return _error(413, f"body larger than {settings.max_body_bytes} bytes")
        data, problem = await run_in_threadpool(parse_object, body, settings.max_json_depth)
        if data is None:
            return _error(400, f"not a custom action payload: {problem}")
        domain = settings.iconik_system_domain_id
        if domain is not None and data.get("system_domain_id") not in (None, domain):
            return _error(403, "click from another iconik system domain")
        try:
            added, problem_text = await run_in_threadpool(store.add, data)
        except Exception as exc:  # nothing was acknowledged: the user can click again
            secret = expected.get_secret_value()
            log.warning("original request not stored", error=redact_text(repr(exc), [secret])[:500])
            return _error(503, "requests unavailable, retry later")
        if problem_text is not None:
            log.warning("original request refused", reason=problem_text)
            return JSONResponse({"status": "refused", "reason": problem_text}, status_code=202)
        return JSONResponse({"status": "accepted", "requests": added}, status_code=202)

    router.add_api_route(ACTION_PATH, original, methods=["POST"], status_code=202)
    return router

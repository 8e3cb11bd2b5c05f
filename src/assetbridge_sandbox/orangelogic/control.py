"""Orange Logic control API under ``/_sandbox/orangelogic/`` (sandbox only, no credentials, loopback).

- ``GET  /assets`` / ``GET /assets/{id}``: records (RecordID or SystemIdentifier) with every field and the
  import messages.
- ``POST /tokens/expire`` ``{"kind": "oauth"|"login"|"bearer"|null}`` / ``POST /tokens/revoke`` ``{"token"}``.
- ``POST /oauth2/codes``: mint an authorization code for ``token_48I_v1``.
- ``PUT  /webhooks/enabled`` ``{"enabled": true}``; ``POST /webhooks`` ``{"url", "topics"?, "name"?}``;
  ``GET /webhooks``; ``DELETE /webhooks/{id}``; ``POST /webhooks/{id}/rotate`` ``{"secret"?}``;
  ``GET /webhooks/deliveries``.
- ``PUT  /multipart-threshold`` ``{"bytes"}``; ``PUT /throttle`` ``{"per_second"}`` (0 = off).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from assetbridge_sandbox.orangelogic.state import OLState
from assetbridge_sandbox.orangelogic.throttle import Throttle
from assetbridge_sandbox.orangelogic.webhooks import TOPICS, WebhookHub


async def _json(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [message]}, status_code=status)


def build_control_router(state: OLState, hub: WebhookHub, throttle: Throttle) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/orangelogic", include_in_schema=False)

    @router.get("/assets")
    async def list_assets() -> Any:
        return {"assets": [state.snapshot(r) for r in state.records.values() if r is not state.root]}

    @router.get("/assets/{ident}")
    async def get_asset(ident: str) -> Any:
        record = state.find(ident)
        if record is None:
            return _error(404, f"no record {ident}")
        return state.snapshot(record)

    @router.post("/tokens/expire")
    async def expire_tokens(request: Request) -> Any:
        kind = (await _json(request)).get("kind")
        return {"expired": state.expire_tokens(str(kind) if kind else None)}

    @router.post("/tokens/revoke")
    async def revoke_token(request: Request) -> Any:
        token = str((await _json(request)).get("token", ""))
        info = state.tokens.get(token)
        if info is None:
            return _error(404, "unknown token")
        info.revoked = True
        return {"revoked": True}

    @router.post("/oauth2/codes")
    async def new_code() -> Any:
        code = state.new_token()
        state.auth_codes.add(code)
        return {"code": code}

    @router.put("/webhooks/enabled")
    async def enable_webhooks(request: Request) -> Any:
        hub.enabled = bool((await _json(request)).get("enabled", True))
        return {"enabled": hub.enabled}

    @router.post("/webhooks")
    async def subscribe(request: Request) -> Any:
        body = await _json(request)
        url = str(body.get("url", ""))
        topics = body.get("topics") or ["*"]
        if not url.startswith(("http://", "https://")):
            return _error(400, "url must be an http(s) URL")
        if not isinstance(topics, list) or any(t != "*" and t not in TOPICS for t in topics):
            return _error(400, f"topics must be a list of {', '.join(TOPICS)} or '*'")
        sub = hub.subscribe(url, [str(t) for t in topics], str(body.get("name", "")), body.get("secret"))
        return JSONResponse(
            {"id": sub.id, "name": sub.name, "url": sub.url, "topics": sub.topics}, status_code=201
        )

    @router.get("/webhooks")
    async def list_subscriptions() -> Any:
        subs = [
            {"id": s.id, "name": s.name, "url": s.url, "topics": s.topics} for s in hub.subscriptions.values()
        ]
        return {"enabled": hub.enabled, "subscriptions": subs}

    @router.delete("/webhooks/{sub_id}")
    async def unsubscribe(sub_id: str) -> Any:
        if hub.subscriptions.pop(sub_id, None) is None:
            return _error(404, "unknown subscription")
        return {"deleted": sub_id}

    @router.post("/webhooks/{sub_id}/rotate")
    async def rotate(sub_id: str, request: Request) -> Any:
        sub = hub.subscriptions.get(sub_id)
        if sub is None:
            return _error(404, "unknown subscription")
        secret = (await _json(request)).get("secret")
        return {"secret": hub.rotate(sub, str(secret) if secret else None)}

    @router.get("/webhooks/deliveries")
    async def deliveries() -> Any:
        return {"deliveries": [d.view() for d in hub.deliveries]}

    @router.put("/multipart-threshold")
    async def set_threshold(request: Request) -> Any:
        value = (await _json(request)).get("bytes")
        if not isinstance(value, int) or value < 1:
            return _error(400, "bytes must be a positive integer")
        state.multipart_threshold = value
        return {"bytes": value}

    @router.put("/throttle")
    async def set_throttle(request: Request) -> Any:
        value = (await _json(request)).get("per_second", 0)
        if not isinstance(value, int | float) or value < 0:
            return _error(400, "per_second must be a number >= 0")
        throttle.set_rate(float(value))
        return {"per_second": throttle.per_second}

    return router

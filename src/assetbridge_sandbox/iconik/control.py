"""iconik-specific control API under ``/_sandbox/iconik/``: credentials, rate limit, events.

Route modules add their own control endpoints (webhook deliveries, custom-action clicks, ...) to
their own routers under the same prefix.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assetbridge_sandbox.config import RateLimitConfig
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body
from assetbridge_sandbox.iconik.ratelimit import SlidingWindowLimiter
from assetbridge_sandbox.iconik.state import IconikState


def build_router(state: IconikState, limiter: SlidingWindowLimiter) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/iconik", include_in_schema=False)

    @router.post("/apps")
    async def add_app(request: Request) -> dict[str, Any]:
        """Add an application credential pair (each App-ID has its own rate-limit budget)."""
        body = await json_body(request)
        app_id, token = body.get("app_id"), body.get("auth_token")
        if not isinstance(app_id, str) or not isinstance(token, str) or not app_id or not token:
            raise IconikHTTPError(400, {"app_id": "required string", "auth_token": "required string"})
        state.apps[app_id] = token
        state.revoked_tokens.discard(token)
        return {"app_id": app_id}

    @router.post("/revoke")
    async def revoke(request: Request) -> dict[str, Any]:
        """Revoke a token: every later call with it gets 401 "Token is invalid"."""
        body = await json_body(request)
        token = body.get("auth_token")
        if not isinstance(token, str) or not token:
            raise IconikHTTPError(400, {"auth_token": "required string"})
        state.revoked_tokens.add(token)
        return {"revoked": True}

    @router.get("/rate_limit")
    async def get_rate_limit() -> dict[str, Any]:
        return {**limiter.config.model_dump(), "allowed": limiter.allowed, "rejected": limiter.rejected}

    @router.put("/rate_limit")
    async def put_rate_limit(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        merged = {**limiter.config.model_dump(), **body}
        try:
            limiter.config = RateLimitConfig.model_validate(merged)
        except ValueError as exc:
            raise IconikHTTPError(400, str(exc)) from None
        return {**limiter.config.model_dump(), "allowed": limiter.allowed, "rejected": limiter.rejected}

    @router.get("/events")
    async def events(since: int = 0) -> dict[str, Any]:
        """Every event emitted on the bus, oldest first, from index ``since``."""
        return {"total": len(state.events), "objects": [e.payload() for e in state.events[since:]]}

    @router.get("/counts")
    async def counts() -> dict[str, int]:
        return {
            "assets": len(state.assets),
            "collections": len(state.collections),
            "files": len(state.files),
            "formats": len(state.formats),
            "proxies": len(state.proxies),
            "shares": len(state.shares),
            "webhooks": len(state.webhooks),
            "jobs": len(state.jobs),
            "fields": len(state.fields),
            "views": len(state.views),
        }

    return router

"""``GET /api/lineage``: the lineage table, paginated, as JSON (``items`` plus a ``next`` link).

The read API needs ``Authorization: Bearer <receiver.api_token>``; with no token configured it answers
clients on the loopback interface only (the receiver may be reachable from the internet for webhooks).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request

from assetbridge.engine.lineage import MAX_PAGE, lineage_page
from assetbridge.state import Database
from assetbridge.web.settings import ReceiverSettings


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_api_access(settings: ReceiverSettings, request: Request) -> None:
    token = settings.api_token
    if token is None:
        if not _loopback(request.client.host if request.client else None):
            raise HTTPException(403, "the read API answers loopback clients only (set receiver.api_token)")
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = token.get_secret_value().encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected):
        raise HTTPException(401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"})


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"since={value!r} is not an ISO 8601 date or time") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def build_lineage_router(settings: ReceiverSettings, db: Database) -> APIRouter:
    router = APIRouter()

    @router.get("/api/lineage")
    async def lineage(
        request: Request,
        after: int = Query(0, ge=0, description="return events with event_id greater than this"),
        limit: int = Query(100, ge=1, le=MAX_PAGE),
        since: str | None = Query(None, description="ISO 8601; only events at or after it"),
    ) -> dict[str, Any]:
        check_api_access(settings, request)
        start = _since(since)
        rows = await asyncio.to_thread(lineage_page, db, after=after, limit=limit, since=start)
        items = [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()} for row in rows]
        following = None
        if len(rows) == limit:
            params = {"after": rows[-1]["event_id"], "limit": limit, **({"since": since} if since else {})}
            following = f"/api/lineage?{urlencode(params)}"
        return {"items": items, "next": following}

    return router

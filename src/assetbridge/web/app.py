"""The web app: webhook receiver, health and metrics. ``create_web_app(settings, inbox)``."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from starlette.exceptions import HTTPException as StarletteHTTPException

from assetbridge.engine.inbox_port import InboxPort
from assetbridge.engine.originals import OriginalRequests
from assetbridge.state import Database
from assetbridge.web.actions import build_actions_router
from assetbridge.web.health import build_health_router
from assetbridge.web.lineage import build_lineage_router
from assetbridge.web.metrics import WebhookMetrics
from assetbridge.web.settings import ReceiverSettings
from assetbridge.web.webhooks import build_webhook_router


def create_web_app(
    settings: ReceiverSettings,
    inbox: InboxPort,
    *,
    registry: CollectorRegistry | None = None,
    db: Database | None = None,
) -> FastAPI:
    """``registry``: where the webhook counters live (a fresh one per app when omitted); ``db``: the state
    database the read API (``/api/lineage``) serves from (no read API without it)."""
    app = FastAPI(title="AssetBridge", docs_url=None, redoc_url=None, openapi_url=None)
    metrics = WebhookMetrics(registry)
    app.state.metrics = metrics
    app.include_router(build_webhook_router(settings, inbox, metrics))
    app.include_router(build_health_router(settings, metrics))
    if db is not None:
        app.include_router(build_lineage_router(settings, db))
        app.include_router(build_actions_router(settings, OriginalRequests(db)))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors: list[Any] = [{"loc": e.get("loc"), "msg": e.get("msg")} for e in exc.errors()]
        return JSONResponse({"error": "invalid request", "details": errors}, status_code=400)

    return app

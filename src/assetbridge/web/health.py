"""``GET /healthz`` (liveness, JSON) and ``GET /metrics`` (Prometheus text format)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from assetbridge.web.metrics import WebhookMetrics
from assetbridge.web.settings import ReceiverSettings


def build_health_router(settings: ReceiverSettings, metrics: WebhookMetrics) -> APIRouter:
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> dict[str, Any]:
        return {
            "status": "ok",
            "webhooks": {
                "orangelogic": bool(settings.orangelogic_secrets),
                "iconik": settings.iconik_secret is not None,
            },
        }

    @router.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router

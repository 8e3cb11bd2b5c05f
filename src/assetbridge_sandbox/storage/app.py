"""The storage emulator's HTTP surface (being built)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from assetbridge_sandbox.control import common_control_router
from assetbridge_sandbox.faults import FaultInjector, FaultMiddleware
from assetbridge_sandbox.storage.service import StorageService


def create_app(service: StorageService, *, fault_seed: int = 0) -> Any:
    injector = FaultInjector(list(service.config.faults), seed=fault_seed)
    app = FastAPI(title="storage sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.injector = injector
    app.include_router(common_control_router("storage", injector, service.clock))
    return FaultMiddleware(app, injector, base_latency_ms=service.config.latency_ms)

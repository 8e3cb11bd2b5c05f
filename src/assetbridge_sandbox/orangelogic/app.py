"""The Orange Logic emulator (being built)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import OrangeLogicSandboxConfig
from assetbridge_sandbox.control import common_control_router
from assetbridge_sandbox.faults import FaultInjector, FaultMiddleware


def create_app(config: OrangeLogicSandboxConfig, clock: SandboxClock, *, data_dir: Any, fault_seed: int = 0) -> Any:
    injector = FaultInjector(list(config.faults), seed=fault_seed)
    app = FastAPI(title="Orange Logic sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(common_control_router("orangelogic", injector, clock))
    return FaultMiddleware(app, injector, base_latency_ms=config.latency_ms)

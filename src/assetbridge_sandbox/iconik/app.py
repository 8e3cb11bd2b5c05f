"""The iconik emulator as a FastAPI app: auth, rate limit, trailing slashes, errors, then the services.

Route modules each expose ``build_router(state) -> APIRouter`` and own one part of iconik's surface:
``assets`` (assets, versions, collections, shares, approvals, segments, custom actions, delete queue),
``metadata`` (fields, views, categories, values), ``files`` (storages, formats, file sets, files,
proxies, keyframes), ``search``, ``notifications`` (webhooks and their delivery), ``jobs`` and
``auth`` (token check, current user).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import IconikSandboxConfig
from assetbridge_sandbox.control import common_control_router
from assetbridge_sandbox.faults import FaultInjector, FaultMiddleware, json_error_body
from assetbridge_sandbox.iconik import assets, auth, control, files, jobs, metadata, notifications, search
from assetbridge_sandbox.iconik.common import IconikHTTPError, error_response
from assetbridge_sandbox.iconik.ratelimit import SlidingWindowLimiter
from assetbridge_sandbox.iconik.state import IconikState
from assetbridge_sandbox.storage.service import StorageService

UNAUTHENTICATED_PREFIXES = ("/_sandbox/",)


def create_app(
    config: IconikSandboxConfig,
    clock: SandboxClock,
    storage: StorageService,
    *,
    fault_seed: int = 0,
) -> tuple[Any, IconikState]:
    """Build the emulator; returns (ASGI app wrapped in fault injection, its state)."""
    state = IconikState(config=config, clock=clock, storage=storage)
    limiter = SlidingWindowLimiter(config.rate_limit.model_copy())
    injector = FaultInjector(list(config.faults), seed=fault_seed)
    app = FastAPI(title="iconik sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.iconik = state
    app.state.limiter = limiter
    app.state.injector = injector

    @app.exception_handler(IconikHTTPError)
    async def _iconik_error(_: Request, exc: IconikHTTPError) -> JSONResponse:
        return error_response(exc.status, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = {".".join(str(p) for p in e["loc"][1:]) or "body": e["msg"] for e in exc.errors()}
        return error_response(400, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = "Not found" if exc.status_code == 404 else str(exc.detail)
        if exc.status_code == 405:
            message = "Method not allowed"
        return error_response(exc.status_code, message)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:  # pragma: no cover - a bug guard
        return error_response(500, f"Internal sandbox error: {type(exc).__name__}")

    @app.middleware("http")
    async def _auth_and_limits(request: Request, call_next: Any) -> Response:
        path = request.url.path
        if path.startswith(UNAUTHENTICATED_PREFIXES):
            response: Response = await call_next(request)
            return response
        # iconik paths end with "/"; some clients omit it (reference §1.1): accept both.
        if not path.endswith("/"):
            request.scope["path"] = path + "/"
        app_id = request.headers.get("app-id", "")
        token = request.headers.get("auth-token", "")
        if not app_id or not token or state.apps.get(app_id) != token or token in state.revoked_tokens:
            return error_response(401, "Token is invalid")
        allowed, remaining, wait = limiter.check(app_id)
        rl = limiter.config
        if not allowed:
            resp = error_response(429, "Too many requests")
            if rl.send_retry_after:
                resp.headers["Retry-After"] = limiter.retry_after_header(wait)
            if rl.send_remaining:
                resp.headers["RateLimit-Remaining"] = "0"
            return resp
        response = await call_next(request)
        if rl.send_remaining:
            response.headers["RateLimit-Remaining"] = str(remaining)
        return response

    for module in (assets, metadata, files, search, notifications, jobs, auth):
        app.include_router(module.build_router(state))
    app.include_router(common_control_router("iconik", injector, clock))
    app.include_router(control.build_router(state, limiter))

    wrapped = FaultMiddleware(app, injector, error_body=json_error_body, base_latency_ms=config.latency_ms)
    return wrapped, state

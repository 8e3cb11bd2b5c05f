"""The control API every sandbox app carries under ``/_sandbox/`` (not part of either real service).

Common endpoints: health, fault rules, the shared clock. Each emulator adds its own inspection and
mutation endpoints under ``/_sandbox/<system>/``. The control API needs no credentials: the sandbox
listens on loopback only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from assetbridge_sandbox.clock import SandboxClock, iso
from assetbridge_sandbox.faults import FaultInjector, FaultRule


class FaultsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[FaultRule] = []
    seed: int | None = None


class ClockAdvance(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(gt=0)


def _bad_request(exc: PydanticValidationError) -> JSONResponse:
    errors = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in exc.errors()}
    return JSONResponse({"errors": errors}, status_code=400)


def common_control_router(system: str, injector: FaultInjector, clock: SandboxClock) -> APIRouter:
    router = APIRouter(prefix="/_sandbox", include_in_schema=False)

    @router.get("/health")
    async def health() -> dict[str, Any]:
        return {"system": system, "status": "ok", "time": iso(clock.now()), "clock_offset": clock.offset}

    @router.get("/faults")
    async def get_faults() -> dict[str, Any]:
        return injector.snapshot()

    @router.put("/faults")
    async def put_faults(request: Request) -> Any:
        try:
            update = FaultsUpdate.model_validate_json(await request.body() or b"{}")
        except PydanticValidationError as exc:
            return _bad_request(exc)
        injector.set_rules(update.rules, update.seed)
        return injector.snapshot()

    @router.delete("/faults")
    async def clear_faults() -> dict[str, Any]:
        injector.set_rules([])
        return injector.snapshot()

    @router.get("/clock")
    async def get_clock() -> dict[str, Any]:
        return {"time": iso(clock.now()), "offset": clock.offset}

    @router.post("/clock/advance")
    async def advance_clock(request: Request) -> Any:
        try:
            body = ClockAdvance.model_validate_json(await request.body() or b"{}")
        except PydanticValidationError as exc:
            return _bad_request(exc)
        clock.advance(body.seconds)
        return {"time": iso(clock.now()), "offset": clock.offset}

    return router

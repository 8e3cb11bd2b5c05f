"""The storage emulator's HTTP surface: GCS- and S3-style object URLs plus its control API.

Control endpoints (no credentials, loopback only):

- ``GET /_sandbox/storage/objects?prefix=`` — every stored object (key, size, md5, sha1, etag, …).
- ``POST /_sandbox/storage/objects/{key}/corrupt?offset=`` — flip one byte of an object's data without
  touching its recorded checksums (for checksum-verification tests).
- ``DELETE /_sandbox/storage/objects/{key}`` — remove an object.
- ``GET /_sandbox/storage/uploads`` — open GCS resumable sessions and S3 multipart uploads.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from assetbridge_sandbox.control import common_control_router
from assetbridge_sandbox.faults import FaultInjector, FaultMiddleware
from assetbridge_sandbox.storage import http_gcs, http_s3
from assetbridge_sandbox.storage.errors import fault_error_body
from assetbridge_sandbox.storage.service import StorageService


def _control_router(service: StorageService) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/storage", include_in_schema=False)

    @router.get("/objects")
    async def list_objects(prefix: str = "") -> dict[str, Any]:
        objects = [info.as_dict() for info in service.list_objects(prefix)]
        return {"objects": objects, "total": len(objects)}

    @router.post("/objects/{key:path}/corrupt")
    async def corrupt(key: str, request: Request) -> JSONResponse:
        raw = request.query_params.get("offset")
        if raw is not None and not raw.isdigit():
            return JSONResponse({"errors": ["offset must be a non-negative integer"]}, status_code=400)
        try:
            offset = service.corrupt(key, int(raw) if raw is not None else None)
        except FileNotFoundError:
            return JSONResponse({"errors": [f"no object {key!r}"]}, status_code=404)
        except ValueError as exc:
            return JSONResponse({"errors": [str(exc)]}, status_code=400)
        return JSONResponse({"key": key, "offset": offset})

    @router.delete("/objects/{key:path}")
    async def delete_object(key: str) -> JSONResponse:
        if not service.delete(key):
            return JSONResponse({"errors": [f"no object {key!r}"]}, status_code=404)
        return JSONResponse({"key": key, "deleted": True})

    @router.get("/uploads")
    async def uploads() -> dict[str, Any]:
        gcs = [
            {
                "upload_id": s.upload_id,
                "key": s.key,
                "offset": s.offset,
                "total": s.total,
                "done": s.result is not None,
            }
            for s in service.gcs.sessions.values()
            if not s.cancelled
        ]
        s3 = [
            {"upload_id": u.upload_id, "key": u.key, "parts": sorted(u.parts)}
            for u in service.s3.uploads.values()
        ]
        return {"gcs_sessions": gcs, "s3_multipart": s3}

    return router


def create_app(service: StorageService, *, fault_seed: int = 0) -> Any:
    injector = FaultInjector(list(service.config.faults), seed=fault_seed)
    app = FastAPI(title="storage sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.injector = injector
    app.state.storage = service
    app.include_router(common_control_router("storage", injector, service.clock))
    app.include_router(_control_router(service))
    app.include_router(http_gcs.build_router(service))
    app.include_router(http_s3.build_router(service))
    return FaultMiddleware(
        app, injector, error_body=fault_error_body, base_latency_ms=service.config.latency_ms
    )

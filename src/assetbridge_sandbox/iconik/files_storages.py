"""Storages (``/API/files/v1/storages/``): the sandbox's default iconik-managed buckets (reference §5.2–5.3).

Created when the files router is built: a FILES storage per method (GCS and S3; the one matching
``default_storage_method`` is the default), and one PROXIES and one KEYFRAMES storage with the
default method.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assetbridge_sandbox.iconik.common import IconikHTTPError, new_id, not_found, paginate
from assetbridge_sandbox.iconik.files_common import PREFIX
from assetbridge_sandbox.iconik.state import IconikState

PURPOSES = ("KEYFRAMES", "FILES", "PROXIES", "EXPORTS", "ARCHIVE", "FACES")
METHODS = ("FILE", "HTTP", "FTP", "SFTP", "S3", "B2", "GCS", "PORTAL", "CUSTOM", "AZURE")


def _storage(
    state: IconikState, name: str, method: str, purpose: str, bucket: str, default: bool
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "name": name,
        "description": f"Sandbox {method} bucket {bucket}",
        "method": method,
        "purpose": purpose,
        "status": "ACTIVE",
        "status_message": None,
        "default": default,
        "last_scanned": None,
        "scanner_status": None,
        "version": "1",
        "settings": {"bucket": bucket, "path": "", "read_only": False, "scan_ignore_pattern": None},
    }


def ensure_default_storages(state: IconikState) -> None:
    if state.storages:
        return
    method = state.config.default_storage_method
    defs = [
        ("Sandbox files (GCS)", "GCS", "FILES", "sandbox-files-gcs", method == "GCS"),
        ("Sandbox files (S3)", "S3", "FILES", "sandbox-files-s3", method == "S3"),
        ("Sandbox proxies", method, "PROXIES", "sandbox-proxies", True),
        ("Sandbox keyframes", method, "KEYFRAMES", "sandbox-keyframes", True),
    ]
    for name, m, purpose, bucket, default in defs:
        storage = _storage(state, name, m, purpose, bucket, default)
        state.storages[storage["id"]] = storage


def matching_storage(state: IconikState, purpose: str, method: str | None = None) -> dict[str, Any] | None:
    """The default storage for ``purpose`` (of ``method`` when given), else the first active one."""
    candidates = [
        s
        for s in state.storages.values()
        if s["purpose"] == purpose and s["status"] == "ACTIVE" and (method is None or s["method"] == method)
    ]
    candidates.sort(key=lambda s: not s.get("default"))
    return candidates[0] if candidates else None


def require_storage(state: IconikState, purpose: str, method: str | None = None) -> dict[str, Any]:
    storage = matching_storage(state, purpose, method)
    if storage is None:
        raise IconikHTTPError(404, "No matching storage exists")
    return storage


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    @router.get("/storages/")
    async def list_storages(request: Request) -> dict[str, Any]:
        items = list(state.storages.values())
        for name in ("name", "method", "purpose", "status"):
            wanted = request.query_params.get(name)
            if wanted:
                items = [s for s in items if s.get(name) == wanted]
        ids = request.query_params.get("ids")
        if ids:
            wanted_ids = set(ids.split(","))
            items = [s for s in items if s["id"] in wanted_ids]
        return paginate(request, items)

    @router.get("/storages/matching/{purpose}/")
    async def matching(purpose: str, request: Request) -> dict[str, Any]:
        storage_id = request.query_params.get("storage_id")
        if storage_id:
            storage = state.storages.get(storage_id)
            if storage is None or storage["purpose"] != purpose:
                raise IconikHTTPError(404, "No matching storage exists")
            return storage
        return require_storage(state, purpose)

    @router.get("/storages/matching/{purpose}/method/{method}/")
    async def matching_method(purpose: str, method: str) -> dict[str, Any]:
        return require_storage(state, purpose, method)

    @router.get("/storages/{purpose}/default/")
    async def default_storage(purpose: str) -> dict[str, Any]:
        if purpose not in PURPOSES:
            raise IconikHTTPError(400, {"purpose": [f"Must be one of: {', '.join(PURPOSES)}."]})
        return require_storage(state, purpose)

    @router.get("/storages/{storage_id}/")
    async def get_storage(storage_id: str) -> dict[str, Any]:
        storage = state.storages.get(storage_id)
        if storage is None:
            raise not_found("Storage")
        return storage

    return router

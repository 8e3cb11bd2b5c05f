"""Files of an asset: create (with upload fields), list, get, update/close, delete, download URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.common import IconikHTTPError, bool_param, json_body, no_content
from assetbridge_sandbox.iconik.files_common import (
    PREFIX,
    changed,
    object_key,
    owned,
    page,
    require_asset,
    signed_url,
    upload_fields,
    wants_urls,
)
from assetbridge_sandbox.iconik.files_store import create_file, file_view, update_file
from assetbridge_sandbox.iconik.state import IconikState


def file_of(state: IconikState, asset_id: str, file_id: str) -> dict[str, Any]:
    require_asset(state, asset_id)
    file = state.files.get(file_id)
    if file is None or file["asset_id"] != asset_id:
        raise IconikHTTPError(404, "File for this asset doesn't exist")
    return file


def _with_upload(state: IconikState, file: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    storage = state.storages[file["storage_id"]]
    view.update(upload_fields(state, storage, object_key(storage, file["asset_id"], file["id"])))
    return view


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX + "/assets/{asset_id}")

    def listing(request: Request, files: list[dict[str, Any]]) -> dict[str, Any]:
        with_url = wants_urls(request, False)
        visible = [f for f in files if f["status"] != "DELETED"]
        return page(request, [file_view(state, f, request, with_url=with_url) for f in visible])

    @router.post("/files/", status_code=201)
    async def post_file(asset_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        file = create_file(state, asset, await json_body(request))
        view = file_view(state, file, request)
        return view if file["status"] == "CLOSED" else _with_upload(state, file, view)

    @router.get("/files/")
    async def list_files(asset_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        return listing(request, owned(state.files, asset_id))

    @router.get("/versions/{version_id}/files/")
    async def list_version_files(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        return listing(request, owned(state.files, asset_id, version_id))

    @router.get("/files/{file_id}/")
    async def get_file(asset_id: str, file_id: str, request: Request) -> dict[str, Any]:
        file = file_of(state, asset_id, file_id)
        view = file_view(state, file, request, with_url=True)
        if bool_param(request, "generate_signed_post_url") and file["status"] != "CLOSED":
            _with_upload(state, file, view)
        return view

    @router.api_route("/files/{file_id}/", methods=["PATCH", "PUT"])
    async def patch_file(asset_id: str, file_id: str, request: Request) -> dict[str, Any]:
        file = file_of(state, asset_id, file_id)
        update_file(state, file, await json_body(request), full=request.method == "PUT")
        return file_view(state, file, request)

    @router.delete("/files/{file_id}/")
    async def delete_file(asset_id: str, file_id: str) -> Response:
        file = file_of(state, asset_id, file_id)
        del state.files[file_id]  # the entry only; the object stays (DELETE the file set for that)
        changed(state, "files", "delete", file)
        return no_content()

    @router.get("/files/{file_id}/download_url/")
    async def download_url(asset_id: str, file_id: str, request: Request) -> dict[str, Any]:
        file = file_of(state, asset_id, file_id)
        storage = state.storages.get(file["storage_id"])
        url = None
        if storage is not None and file["status"] == "CLOSED":
            key = object_key(storage, asset_id, file_id)
            url = signed_url(state, storage, key, file["original_name"], request, default="attachment")
        if url is None:
            raise IconikHTTPError(400, "File is not uploaded yet")
        return {"url": url}

    return router


def build_checksum_router(state: IconikState) -> APIRouter:
    """``GET /files/checksum/{checksum}/``: files (any asset) with that md5 — the dedupe helper (§5.3)."""
    router = APIRouter(prefix=PREFIX)

    @router.get("/files/checksum/{checksum}/")
    async def by_checksum(checksum: str, request: Request) -> dict[str, Any]:
        wanted = checksum.lower()
        matches = [
            f
            for f in sorted(state.files.values(), key=lambda f: (str(f["date_created"]), str(f["id"])))
            if (f.get("checksum") or "").lower() == wanted and f["status"] != "DELETED"
        ]
        if not matches:
            raise IconikHTTPError(404, "Files with this checksum don't exist")
        return page(request, [file_view(state, f, request) for f in matches])

    return router

"""Proxies of an asset (reference §5.5): create with upload fields, close, list with signed URLs, delete.

Simple proxy flow: POST → upload to ``upload_url`` → ``PATCH {"status": "CLOSED"}`` (checked against
storage, as for files) → ``url`` in GETs (lists default to ``generate_signed_url=true``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, new_id, no_content
from assetbridge_sandbox.iconik.files_common import (
    FILE_STATUSES,
    PREFIX,
    changed,
    check_version,
    coerce_size,
    object_key,
    owned,
    page,
    require_asset,
    signed_url,
    upload_fields,
    verify_upload,
    wants_urls,
)
from assetbridge_sandbox.iconik.files_storages import require_storage
from assetbridge_sandbox.iconik.state import IconikState

PROXY_FIELDS = {
    "name": F("string"),
    "filename": F("string"),
    "format": F("string"),
    "codec": F("string"),
    "content_type": F("string", nullable=True),
    "frame_rate": F("string", nullable=True),
    "resolution": F("object", nullable=True),
    "bit_rate": F("int", nullable=True),
    "audio_bitrate": F("int", nullable=True),
    "audio_channels": F("int", nullable=True),
    "rotation": F("int", nullable=True),
    "size": F("int", nullable=True),
    "start_time_code": F("string", nullable=True),
    "is_drop_frame": F("bool", nullable=True),
    "status": enum(*FILE_STATUSES),
    "storage_id": F("uuid"),
    "version_id": F("uuid", nullable=True),
}


def proxy_key(state: IconikState, proxy: dict[str, Any]) -> str:
    return object_key(state.storages[proxy["storage_id"]], proxy["asset_id"], proxy["id"])


def create_proxy(
    state: IconikState, asset: dict[str, Any], body: dict[str, Any], method: str | None = None
) -> dict[str, Any]:
    coerce_size(body)
    fields = check_body(body, PROXY_FIELDS)
    if "storage_id" in fields:
        if fields["storage_id"] not in state.storages:
            raise IconikHTTPError(400, {"storage_id": ["Storage does not exist."]})
        storage = state.storages[fields["storage_id"]]
    else:
        storage = require_storage(state, "PROXIES", method)
    if fields.get("version_id"):
        check_version(asset, fields["version_id"])
    now = state.now()
    name = fields.get("name") or fields.get("filename") or "proxy.mp4"
    proxy: dict[str, Any] = {
        "id": new_id(),
        "asset_id": asset["id"],
        "version_id": fields.get("version_id") or current_version_id(asset),
        "storage_id": storage["id"],
        "name": name,
        "filename": fields.get("filename") or name,
        "format": fields.get("format"),
        "codec": fields.get("codec"),
        "content_type": fields.get("content_type"),
        "frame_rate": fields.get("frame_rate"),
        "resolution": fields.get("resolution"),
        "bit_rate": fields.get("bit_rate"),
        "audio_bitrate": fields.get("audio_bitrate"),
        "audio_channels": fields.get("audio_channels"),
        "rotation": fields.get("rotation"),
        "size": fields.get("size"),
        "start_time_code": fields.get("start_time_code"),
        "is_drop_frame": fields.get("is_drop_frame"),
        "status": fields.get("status", "OPEN"),
        "is_public": False,
        "date_created": now,
        "date_modified": now,
    }
    if proxy["status"] == "CLOSED":
        _close(state, proxy)
    state.proxies[proxy["id"]] = proxy
    changed(state, "proxies", "create", proxy)
    return proxy


def _close(state: IconikState, proxy: dict[str, Any]) -> None:
    info = verify_upload(state, proxy_key(state, proxy), proxy.get("size"), None)
    proxy.update(size=info.size, status="CLOSED")
    if not proxy.get("content_type"):
        proxy["content_type"] = info.content_type


def proxy_view(
    state: IconikState, proxy: dict[str, Any], request: Request | None = None, *, with_url: bool = False
) -> dict[str, Any]:
    storage = state.storages[proxy["storage_id"]]
    view = {**proxy, "storage_method": storage["method"]}
    if with_url and proxy["status"] == "CLOSED":
        url = signed_url(state, storage, proxy_key(state, proxy), proxy["filename"] or proxy["name"], request)
        if url:
            view["url"] = url
    return view


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX + "/assets/{asset_id}")

    def proxy_of(asset_id: str, proxy_id: str) -> dict[str, Any]:
        require_asset(state, asset_id)
        proxy = state.proxies.get(proxy_id)
        if proxy is None or proxy["asset_id"] != asset_id:
            raise IconikHTTPError(404, "Proxy does not exist")
        return proxy

    def created(proxy: dict[str, Any]) -> dict[str, Any]:
        view = proxy_view(state, proxy)
        if proxy["status"] != "CLOSED":
            view.update(upload_fields(state, state.storages[proxy["storage_id"]], proxy_key(state, proxy)))
        return view

    @router.post("/proxies/", status_code=201)
    async def post_proxy(asset_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        return created(create_proxy(state, asset, await json_body(request)))

    @router.post("/method/{storage_method}/proxies/", status_code=201)
    async def post_proxy_method(asset_id: str, storage_method: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        return created(create_proxy(state, asset, await json_body(request), storage_method))

    @router.get("/proxies/")
    async def list_proxies(asset_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        with_url = wants_urls(request, True)
        return page(
            request,
            [proxy_view(state, p, request, with_url=with_url) for p in owned(state.proxies, asset_id)],
        )

    @router.get("/versions/{version_id}/proxies/")
    async def list_version_proxies(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        with_url = wants_urls(request, True)
        items = owned(state.proxies, asset_id, version_id)
        return page(request, [proxy_view(state, p, request, with_url=with_url) for p in items])

    @router.get("/proxies/{proxy_id}/")
    async def get_proxy(asset_id: str, proxy_id: str, request: Request) -> dict[str, Any]:
        return proxy_view(state, proxy_of(asset_id, proxy_id), request, with_url=True)

    @router.api_route("/proxies/{proxy_id}/", methods=["PATCH", "PUT"])
    async def update_proxy(asset_id: str, proxy_id: str, request: Request) -> dict[str, Any]:
        proxy = proxy_of(asset_id, proxy_id)
        body = await json_body(request)
        coerce_size(body)
        fields = check_body(body, PROXY_FIELDS, partial=True)
        fields.pop("storage_id", None)
        candidate = {**proxy, **fields}
        if fields.get("status") == "CLOSED" and proxy["status"] != "CLOSED":
            _close(state, candidate)
        proxy.update(candidate)
        proxy["date_modified"] = state.now()
        changed(state, "proxies", "update", proxy)
        return proxy_view(state, proxy, request)

    @router.delete("/proxies/{proxy_id}/")
    async def delete_proxy(asset_id: str, proxy_id: str) -> Response:
        proxy = proxy_of(asset_id, proxy_id)
        state.storage.delete(proxy_key(state, proxy))
        del state.proxies[proxy_id]
        changed(state, "proxies", "delete", proxy)
        return no_content()

    @router.get("/proxies/{proxy_id}/download_url/")
    async def proxy_download_url(asset_id: str, proxy_id: str, request: Request) -> dict[str, Any]:
        proxy = proxy_of(asset_id, proxy_id)
        url = proxy_view(state, proxy, request, with_url=True).get("url")
        if not url:
            raise IconikHTTPError(400, "Proxy is not uploaded yet")
        return {"url": url}

    return router

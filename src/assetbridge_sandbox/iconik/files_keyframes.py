"""Keyframes (reference §5.6) and the keyframe-generation job (reference §5.4 step 9).

Triggers: ``POST /assets/{id}/files/{file_id}/keyframes/``, ``POST /assets/{id}/proxies/{id}/keyframes/``
and ``POST /assets/{id}/keyframes/`` without a ``type`` (the b2-plugin form) → 200 ``{job_id}``. The job
is STARTED, then after a short delay a KEYFRAME and a POSTER image are stored (``files_images``) and it
is FINISHED (FAILED when the asset has no uploaded original). ``POST /assets/{id}/keyframes/`` with a
``type`` creates a keyframe record to upload yourself (201 with ``upload_url``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, new_id, no_content
from assetbridge_sandbox.iconik.files_common import (
    FILE_STATUSES,
    PREFIX,
    changed,
    object_key,
    owned,
    page,
    require_asset,
    signed_url,
    upload_fields,
    verify_upload,
    wants_urls,
)
from assetbridge_sandbox.iconik.files_images import render_keyframe
from assetbridge_sandbox.iconik.files_storages import require_storage
from assetbridge_sandbox.iconik.state import IconikState

JOB_DELAY_SECONDS = 0.05
KEYFRAME_FIELDS = {
    "type": enum("KEYFRAME_MAP", "KEYFRAME", "POSTER", required=True),
    "name": F("string"),
    "filename": F("string"),
    "format": F("string", nullable=True),
    "resolution": F("object", nullable=True),
    "rotation": F("int", nullable=True),
    "size": F("int", nullable=True),
    "status": enum(*FILE_STATUSES),
    "version_id": F("uuid", nullable=True),
    "is_custom_keyframe": F("bool"),
    "time_code": F("object", nullable=True),
}
TRANSCODE_FIELDS = {
    "priority": F("int", nullable=True),
    "set_as_custom_keyframe": F("bool", nullable=True),
    "update_proxy_mediainfo": F("bool"),
    "use_storage_transcode_ignore_pattern": F("bool", nullable=True),
}
_tasks: set[asyncio.Task[None]] = set()


def keyframe_key(state: IconikState, keyframe: dict[str, Any]) -> str:
    return object_key(state.storages[keyframe["storage_id"]], keyframe["asset_id"], keyframe["id"])


def new_keyframe(
    state: IconikState, asset_id: str, version_id: str | None, fields: dict[str, Any]
) -> dict[str, Any]:
    storage = require_storage(state, "KEYFRAMES")
    now = state.now()
    kf_id = new_id()
    keyframe: dict[str, Any] = {
        "id": kf_id,
        "asset_id": asset_id,
        "collection_id": None,
        "version_id": fields.get("version_id") or version_id,
        "storage_id": storage["id"],
        "type": fields["type"],
        "name": fields.get("name") or f"{fields['type'].lower()}_{kf_id}",
        "filename": fields.get("filename") or fields.get("name") or f"{kf_id}.jpg",
        "format": fields.get("format"),
        "resolution": fields.get("resolution"),
        "rotation": fields.get("rotation"),
        "size": fields.get("size"),
        "status": fields.get("status", "OPEN"),
        "is_custom_keyframe": fields.get("is_custom_keyframe", False),
        "is_public": False,
        "time_code": fields.get("time_code"),
        "date_created": now,
        "date_modified": now,
    }
    state.keyframes[kf_id] = keyframe
    return keyframe


def keyframe_view(
    state: IconikState, keyframe: dict[str, Any], request: Request | None = None, *, with_url: bool = False
) -> dict[str, Any]:
    storage = state.storages[keyframe["storage_id"]]
    view = {**keyframe, "storage_method": storage["method"]}
    if with_url and keyframe["status"] == "CLOSED":
        url = signed_url(state, storage, keyframe_key(state, keyframe), keyframe["filename"], request)
        if url:
            view["url"] = url
    return view


async def _generate(
    state: IconikState, job_id: str, asset_id: str, version_id: str | None, source: str | None
) -> None:
    await asyncio.sleep(JOB_DELAY_SECONDS)
    if source is None or state.storage.path(source) is None:
        state.set_job_status(job_id, "FAILED", message="No uploaded file to generate keyframes from")
        return
    try:
        data, fmt, width, height = await asyncio.to_thread(render_keyframe, state.storage.path(source))
        ext = "jpg" if fmt == "JPEG" else "png"
        for kind in ("KEYFRAME", "POSTER"):
            keyframe = new_keyframe(state, asset_id, version_id, {"type": kind})
            keyframe.update(
                format=fmt,
                filename=f"{kind.lower()}.{ext}",
                resolution={"width": width, "height": height},
                time_code={
                    "frames_number": 0,
                    "is_drop_frame": False,
                    "time_base": {"numerator": 1, "denominator": 25},
                },
            )
            info = state.storage.put_bytes(
                keyframe_key(state, keyframe), data, f"image/{ext.replace('jpg', 'jpeg')}"
            )
            keyframe.update(size=info.size, status="CLOSED")
            changed(state, "keyframes", "create", keyframe)
        state.set_job_status(job_id, "FINISHED")
    except Exception as exc:  # a job records its failure; the emulator keeps running
        state.set_job_status(job_id, "FAILED", message=f"Keyframe generation failed: {type(exc).__name__}")


def start_keyframe_job(
    state: IconikState, asset: dict[str, Any], version_id: str | None, source_key: str | None
) -> dict[str, Any]:
    """Create the transcode job and schedule it on the running loop; returns the job."""
    job = state.new_job(
        title=f"Generate keyframes for {asset.get('title') or asset['id']}",
        job_type="TRANSCODE",
        object_type="assets",
        object_id=asset["id"],
        status="STARTED",
    )
    task = asyncio.get_running_loop().create_task(
        _generate(state, job["id"], asset["id"], version_id, source_key)
    )
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)
    return job


def _original_key(state: IconikState, asset: dict[str, Any]) -> tuple[str | None, str | None]:
    """The newest CLOSED file of the current version (ORIGINAL formats first), else the newest proxy."""
    version_id = current_version_id(asset)
    files = [f for f in owned(state.files, asset["id"], version_id) if f["status"] == "CLOSED"]
    files.sort(key=lambda f: state.formats.get(f.get("format_id") or "", {}).get("name") == "ORIGINAL")
    for file in reversed(files):
        storage = state.storages.get(file["storage_id"])
        if storage:
            return object_key(storage, asset["id"], file["id"]), version_id
    proxies = [p for p in owned(state.proxies, asset["id"]) if p["status"] == "CLOSED"]
    if proxies:
        last = proxies[-1]
        return object_key(state.storages[last["storage_id"]], asset["id"], last["id"]), last.get("version_id")
    return None, version_id


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX + "/assets/{asset_id}")

    def keyframe_of(asset_id: str, keyframe_id: str) -> dict[str, Any]:
        require_asset(state, asset_id)
        keyframe = state.keyframes.get(keyframe_id)
        if keyframe is None or keyframe["asset_id"] != asset_id:
            raise IconikHTTPError(404, "Keyframe does not exist")
        return keyframe

    async def transcode_body(request: Request) -> None:
        fields = check_body(await json_body(request, required=False), TRANSCODE_FIELDS)
        priority = fields.get("priority")
        if priority is not None and not 1 <= priority <= 10:
            raise IconikHTTPError(
                400, {"priority": ["Must be greater than or equal to 1 and less than or equal to 10."]}
            )

    @router.post("/keyframes/")
    async def post_keyframes(asset_id: str, request: Request) -> JSONResponse:
        asset = require_asset(state, asset_id)
        body = await json_body(request, required=False)
        if "type" not in body:
            check_body(body, TRANSCODE_FIELDS)
            key, version_id = _original_key(state, asset)
            return JSONResponse({"job_id": start_keyframe_job(state, asset, version_id, key)["id"]})
        keyframe = new_keyframe(state, asset_id, current_version_id(asset), check_body(body, KEYFRAME_FIELDS))
        changed(state, "keyframes", "create", keyframe)
        view = keyframe_view(state, keyframe)
        view.update(
            upload_fields(state, state.storages[keyframe["storage_id"]], keyframe_key(state, keyframe))
        )
        return JSONResponse(view, status_code=201)

    @router.post("/files/{file_id}/keyframes/")
    async def file_keyframes(asset_id: str, file_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        file = state.files.get(file_id)
        if file is None or file["asset_id"] != asset_id:
            raise IconikHTTPError(404, "File or asset not found")
        await transcode_body(request)
        key = (
            object_key(state.storages[file["storage_id"]], asset_id, file_id)
            if file["status"] == "CLOSED"
            else None
        )
        return {"job_id": start_keyframe_job(state, asset, file.get("version_id"), key)["id"]}

    @router.post("/proxies/{proxy_id}/keyframes/")
    async def proxy_keyframes(asset_id: str, proxy_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        proxy = state.proxies.get(proxy_id)
        if proxy is None or proxy["asset_id"] != asset_id:
            raise IconikHTTPError(404, "Proxy does not exist")
        await transcode_body(request)
        key = (
            object_key(state.storages[proxy["storage_id"]], asset_id, proxy_id)
            if proxy["status"] == "CLOSED"
            else None
        )
        return {"job_id": start_keyframe_job(state, asset, proxy.get("version_id"), key)["id"]}

    @router.get("/keyframes/")
    async def list_keyframes(asset_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        with_url = wants_urls(request, True)
        items = owned(state.keyframes, asset_id)
        return page(request, [keyframe_view(state, k, request, with_url=with_url) for k in items])

    @router.get("/versions/{version_id}/keyframes/")
    async def list_version_keyframes(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        with_url = wants_urls(request, True)
        items = owned(state.keyframes, asset_id, version_id)
        return page(request, [keyframe_view(state, k, request, with_url=with_url) for k in items])

    @router.get("/keyframes/{keyframe_id}/")
    async def get_keyframe(asset_id: str, keyframe_id: str, request: Request) -> dict[str, Any]:
        return keyframe_view(state, keyframe_of(asset_id, keyframe_id), request, with_url=True)

    @router.api_route("/keyframes/{keyframe_id}/", methods=["PATCH", "PUT"])
    async def update_keyframe(asset_id: str, keyframe_id: str, request: Request) -> dict[str, Any]:
        keyframe = keyframe_of(asset_id, keyframe_id)
        fields = check_body(await json_body(request), KEYFRAME_FIELDS, partial=True)
        candidate = {**keyframe, **fields}
        if fields.get("status") == "CLOSED" and keyframe["status"] != "CLOSED":
            info = verify_upload(state, keyframe_key(state, keyframe), candidate.get("size"), None)
            candidate["size"] = info.size
        keyframe.update(candidate)
        keyframe["date_modified"] = state.now()
        changed(state, "keyframes", "update", keyframe)
        return keyframe_view(state, keyframe, request)

    @router.delete("/keyframes/{keyframe_id}/")
    async def delete_keyframe(asset_id: str, keyframe_id: str) -> Response:
        keyframe = keyframe_of(asset_id, keyframe_id)
        state.storage.delete(keyframe_key(state, keyframe))
        del state.keyframes[keyframe_id]
        changed(state, "keyframes", "delete", keyframe)
        return no_content()

    return router

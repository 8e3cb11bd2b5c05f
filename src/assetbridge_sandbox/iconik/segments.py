"""``/API/assets/v1/assets/{asset_id}/segments/``: segments, of which review comments are the
``COMMENT`` type (reference §6.4).

A segment belongs to one asset version (the current one unless ``version_id`` is given). Listing
shows the current version's ACTIVE segments unless ``version_id``, ``include_all_versions`` or
``status`` say otherwise. ``GET …/segments/{segment_type}/`` shares its path shape with
``GET …/segments/{segment_id}/``; a segment type name selects the list. Events: realm ``segments``,
``object_id`` = segment id, ``data`` = the segment (with ``asset_id``).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, check_choice, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id, get_asset, get_version, sorted_by
from assetbridge_sandbox.iconik.common import (
    IconikHTTPError,
    bool_param,
    int_param,
    json_body,
    new_id,
    no_content,
    not_found,
    paginate,
)
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/assets/{asset_id}/segments"
SEGMENT_TYPES = ("MARKER", "QC", "GENERIC", "COMMENT", "TAG", "TRANSCRIPTION", "SCENE", "PERSON")
EDIT_FIELDS: dict[str, F] = {
    "segment_type": enum(*SEGMENT_TYPES, required=True),
    "segment_text": F("string", nullable=True),
    "segment_color": F("string"),
    "segment_checked": F("bool"),
    "segment_track": F("string", nullable=True),
    "time_start_milliseconds": F("int", nullable=True),
    "time_end_milliseconds": F("int", nullable=True),
    "drawing": F("object", nullable=True),
    "keyframe_id": F("uuid", nullable=True),
    "version_id": F("uuid"),
    "share_id": F("uuid", nullable=True),
    "share_user_email": F("email", nullable=True),
    "project_id": F("uuid", nullable=True),
    "person_id": F("uuid", nullable=True),
    "transcription_id": F("uuid", nullable=True),
    "metadata": F("object"),
    "metadata_view_id": F("uuid", nullable=True),
    "status": enum("ACTIVE", "DELETED"),
    "external_id": F("string", nullable=True),
}
CREATE_FIELDS: dict[str, F] = {
    **EDIT_FIELDS,
    "parent_id": F("uuid"),
    "user_id": F("uuid"),
    "path": F("string"),
}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def get_segment(asset_id: str, segment_id: str) -> dict[str, Any]:
        get_asset(state, asset_id)
        segment = state.segments.get(segment_id)
        if segment is None or segment["asset_id"] != asset_id:
            raise not_found("Segment")
        return segment

    def check_version(asset_id: str, fields: dict[str, Any]) -> None:
        if "version_id" in fields:
            get_version(get_asset(state, asset_id), fields["version_id"])

    def emit(operation: str, segment: dict[str, Any]) -> None:
        state.emit("assets", "segments", operation, segment["id"], copy.deepcopy(segment))

    def listing(asset_id: str, request: Request, segment_type: str | None) -> dict[str, Any]:
        asset = get_asset(state, asset_id)
        params = request.query_params
        types = [
            t.strip() for t in (segment_type or params.get("segment_type") or "").split(",") if t.strip()
        ]
        for kind in types:
            check_choice("segment_type", kind, SEGMENT_TYPES)
        status = check_choice("status", params.get("status") or "ACTIVE", ("ACTIVE", "DELETED"))
        version_id = params.get("version_id")
        if version_id:
            get_version(asset, version_id)
        elif not bool_param(request, "include_all_versions"):
            version_id = current_version_id(asset)
        start_gte = int_param(request, "time_start_milliseconds__gte", -1, minimum=-1)
        end_lte = int_param(request, "time_end_milliseconds__lte", -1, minimum=-1)
        ids = [i for i in (params.get("ids") or "").split(",") if i]
        found = []
        for s in state.segments.values():
            if (
                s["asset_id"] != asset_id
                or s["status"] != status
                or (types and s["segment_type"] not in types)
            ):
                continue
            if (version_id and s.get("version_id") != version_id) or (ids and s["id"] not in ids):
                continue
            if start_gte >= 0 and (s.get("time_start_milliseconds") or 0) < start_gte:
                continue
            if end_lte >= 0 and (s.get("time_end_milliseconds") or 0) > end_lte:
                continue
            if params.get("share_id") and s.get("share_id") != params["share_id"]:
                continue
            found.append(copy.deepcopy(s))
        return paginate(request, sorted_by(request, found))

    @router.post(f"{PREFIX}/")
    async def create_segment(asset_id: str, request: Request) -> JSONResponse:
        asset = get_asset(state, asset_id)
        fields = check_body(await json_body(request), CREATE_FIELDS)
        check_version(asset_id, fields)
        parent_id = fields.get("parent_id")
        if parent_id is not None:
            parent = state.segments.get(parent_id)
            if parent is None or parent["asset_id"] != asset_id:
                raise IconikHTTPError(400, {"parent_id": ["Parent segment does not exist."]})
        now = state.now()
        segment: dict[str, Any] = {
            "id": new_id(),
            "asset_id": asset_id,
            "version_id": current_version_id(asset),
            "user_id": state.config.user_id,
            "segment_text": None,
            "segment_checked": False,
            "time_start_milliseconds": None,
            "time_end_milliseconds": None,
            "status": "ACTIVE",
            "date_created": now,
            "date_modified": now,
            **fields,
        }
        segment["top_level"] = parent_id is None
        segment["has_drawing"] = bool(segment.get("drawing"))
        state.segments[segment["id"]] = segment
        emit("create", segment)
        return JSONResponse(copy.deepcopy(segment), status_code=201)

    @router.get(f"{PREFIX}/")
    async def list_segments(asset_id: str, request: Request) -> dict[str, Any]:
        return listing(asset_id, request, None)

    @router.get(f"{PREFIX}/{{segment_id}}/")
    async def read_segment(asset_id: str, segment_id: str, request: Request) -> dict[str, Any]:
        if segment_id in SEGMENT_TYPES:
            return listing(asset_id, request, segment_id)
        return copy.deepcopy(get_segment(asset_id, segment_id))

    async def _edit(asset_id: str, segment_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        segment = get_segment(asset_id, segment_id)
        fields = check_body(await json_body(request), EDIT_FIELDS, partial=partial)
        check_version(asset_id, fields)
        segment.update(fields)
        segment["has_drawing"] = bool(segment.get("drawing"))
        segment["date_modified"] = state.now()
        emit("update", segment)
        return copy.deepcopy(segment)

    @router.patch(f"{PREFIX}/{{segment_id}}/")
    async def patch_segment(asset_id: str, segment_id: str, request: Request) -> dict[str, Any]:
        """Partial: clients send only what changes, e.g. ``{"segment_checked": true}`` (reference §6.4)."""
        return await _edit(asset_id, segment_id, request, partial=True)

    @router.put(f"{PREFIX}/{{segment_id}}/")
    async def put_segment(asset_id: str, segment_id: str, request: Request) -> dict[str, Any]:
        return await _edit(asset_id, segment_id, request, partial=False)

    @router.delete(f"{PREFIX}/{{segment_id}}/")
    async def delete_segment(asset_id: str, segment_id: str, request: Request) -> Response:
        segment = get_segment(asset_id, segment_id)
        if bool_param(request, "soft_delete"):
            segment.update(status="DELETED", date_modified=state.now())
        else:
            del state.segments[segment_id]
        emit("delete", segment)
        return no_content()

    return router

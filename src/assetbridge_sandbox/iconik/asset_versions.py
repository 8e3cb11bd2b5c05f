"""``/API/assets/v1/assets/{asset_id}/versions/``: create, edit, promote, delete (reference §3.3).

There is no versions list endpoint in iconik: versions come embedded in the asset, current first.
A version change bumps the asset's ``date_modified`` and is announced with realm ``versions``
(``object_id`` = version id, ``data`` = the version plus ``asset_id``).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body
from assetbridge_sandbox.iconik.asset_store import (
    VERSION_FIELDS,
    get_asset,
    get_version,
    mark_current,
    new_version,
)
from assetbridge_sandbox.iconik.common import IconikHTTPError, bool_param, json_body, new_id, no_content
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/assets/{asset_id}/versions"
SEGMENT_TYPES = ("MARKER", "QC", "GENERIC", "COMMENT", "TAG", "TRANSCRIPTION", "SCENE", "PERSON")

CREATE_FIELDS: dict[str, F] = {
    "source_version_id": F("uuid"),
    "copy_metadata": F("bool"),
    "copy_segments": F("bool"),
    "copy_persons": F("bool"),
    "include_segment_types": F("list[string]", choices=SEGMENT_TYPES),
}


def _emit(state: IconikState, operation: str, asset_id: str, version: dict[str, Any]) -> None:
    state.emit(
        "assets", "versions", operation, version["id"], {**copy.deepcopy(version), "asset_id": asset_id}
    )


def _copy_segments(
    state: IconikState, asset_id: str, source: str, target: str, types: list[str] | None
) -> None:
    for segment in list(state.segments.values()):
        if segment["asset_id"] != asset_id or segment.get("version_id") != source:
            continue
        if types is not None and segment["segment_type"] not in types:
            continue
        clone = {**copy.deepcopy(segment), "id": new_id(), "version_id": target, "date_created": state.now()}
        state.segments[clone["id"]] = clone


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    @router.post(f"{PREFIX}/")
    async def create_version(asset_id: str, request: Request) -> dict[str, Any]:
        asset = get_asset(state, asset_id)
        options = check_body(await json_body(request, required=False), CREATE_FIELDS)
        source_id = options.get("source_version_id") or asset["versions"][0]["id"]
        source = get_version(asset, source_id)
        number = max(v["version_number"] for v in asset["versions"]) + 1
        version = new_version(state, number)
        if options.get("copy_persons"):
            version["person_ids"] = list(source.get("person_ids", []))
        asset["versions"].insert(0, version)
        mark_current(asset)
        if options.get("copy_segments"):
            _copy_segments(state, asset_id, source_id, version["id"], options.get("include_segment_types"))
        if options.get("copy_metadata"):
            values = state.metadata_values.get(("assets", asset_id, source_id))
            if values is not None:
                state.metadata_values[("assets", asset_id, version["id"])] = copy.deepcopy(values)
        state.touch_asset(asset_id)
        _emit(state, "create", asset_id, version)
        return {
            "asset_id": asset_id,
            "system_domain_id": state.config.system_domain_id,
            "versions": copy.deepcopy(asset["versions"]),
        }

    @router.delete(f"{PREFIX}/old/")
    async def delete_old_versions(asset_id: str) -> Response:
        asset = get_asset(state, asset_id)
        for old in asset["versions"][1:]:
            _emit(state, "delete", asset_id, old)
        del asset["versions"][1:]
        state.touch_asset(asset_id)
        return no_content()

    async def _edit(asset_id: str, version_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        asset = get_asset(state, asset_id)
        get_version(asset, version_id)
        fields = check_body(await json_body(request), VERSION_FIELDS, partial=partial)
        version = next(v for v in asset["versions"] if v["id"] == version_id)
        version.update(fields)
        state.touch_asset(asset_id)
        _emit(state, "update", asset_id, version)
        return copy.deepcopy(version)

    @router.patch(f"{PREFIX}/{{version_id}}/")
    async def patch_version(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        return await _edit(asset_id, version_id, request, partial=True)

    @router.put(f"{PREFIX}/{{version_id}}/")
    async def put_version(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        return await _edit(asset_id, version_id, request, partial=False)

    @router.put(f"{PREFIX}/{{version_id}}/promote/")
    async def promote_version(asset_id: str, version_id: str) -> Response:
        """Make the version the current one (first in ``versions``). 204 per the spec; the SDK says 200."""
        asset = get_asset(state, asset_id)
        get_version(asset, version_id)
        version = next(v for v in asset["versions"] if v["id"] == version_id)
        if version["status"] == "DELETED":
            raise IconikHTTPError(400, "Can not promote a deleted version")
        asset["versions"].remove(version)
        asset["versions"].insert(0, version)
        mark_current(asset)
        state.touch_asset(asset_id)
        _emit(state, "update", asset_id, version)
        return no_content()

    @router.delete(f"{PREFIX}/{{version_id}}/")
    async def delete_version(asset_id: str, version_id: str, request: Request) -> Response:
        """Soft by default (status DELETED, moved last); ``?hard_delete=true`` removes it."""
        asset = get_asset(state, asset_id)
        get_version(asset, version_id)
        live = [v for v in asset["versions"] if v["status"] != "DELETED"]
        version = next(v for v in asset["versions"] if v["id"] == version_id)
        if version in live and len(live) == 1:
            raise IconikHTTPError(400, "Can not delete the only version of an asset")
        asset["versions"].remove(version)
        if not bool_param(request, "hard_delete"):
            version["status"] = "DELETED"
            asset["versions"].append(version)
        mark_current(asset)
        state.touch_asset(asset_id)
        _emit(state, "delete", asset_id, version)
        return no_content()

    return router

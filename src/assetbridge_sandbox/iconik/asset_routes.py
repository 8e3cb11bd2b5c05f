"""``/API/assets/v1/assets/``: list, create, get, patch, put, soft delete, restore, purge (reference §3.1)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body
from assetbridge_sandbox.iconik.asset_store import (
    ASSET_CREATE_FIELDS,
    ASSET_FIELDS,
    asset_elastic,
    asset_view,
    emit_asset,
    get_asset,
    new_asset,
    purge_asset,
    restore_asset,
    soft_delete_asset,
    sorted_by,
)
from assetbridge_sandbox.iconik.collection_store import add_content, get_collection
from assetbridge_sandbox.iconik.common import IconikHTTPError, bool_param, json_body, no_content, paginate
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/assets"
# AssetEditSchema: the asset fields, all optional, plus the required id.
EDIT_FIELDS: dict[str, F] = {
    **{name: replace(spec, required=False) for name, spec in ASSET_FIELDS.items()},
    "id": F("uuid", required=True),
}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    @router.get(f"{PREFIX}/")
    async def list_assets(request: Request) -> dict[str, Any]:
        """Active assets as ``AssetElasticSchema``; deleted ones are listed by the delete queue instead."""
        active = [a for a in state.assets.values() if a["status"] != "DELETED"]
        return paginate(request, [asset_elastic(state, a) for a in sorted_by(request, active)])

    @router.post(f"{PREFIX}/")
    async def create_asset(request: Request) -> JSONResponse:
        fields = check_body(await json_body(request), ASSET_CREATE_FIELDS)
        collection = None
        if bool_param(request, "assign_to_collection"):
            if not fields.get("collection_id"):
                raise IconikHTTPError(400, {"collection_id": ["Missing data for required field."]})
            collection = get_collection(state, fields["collection_id"])
        asset = new_asset(state, fields)
        state.assets[asset["id"]] = asset
        emit_asset(state, "create", asset)
        if collection is not None:
            add_content(state, collection["id"], "assets", asset["id"])
        include = collection is not None
        return JSONResponse(asset_view(state, asset, include_collections=include), status_code=201)

    def _apply(asset: dict[str, Any], fields: dict[str, Any]) -> None:
        status = fields.pop("status", asset["status"])
        asset.update(fields)
        asset["updated_by_user"] = state.config.user_id
        state.touch_asset(asset["id"])
        if status == "DELETED" and asset["status"] != "DELETED":
            soft_delete_asset(state, asset)
        elif status == "ACTIVE" and asset["status"] == "DELETED":
            restore_asset(state, asset)
        else:
            emit_asset(state, "update", asset)

    async def _bulk_edit(request: Request) -> Response:
        """``BulkAssetEditSchema``: every object is checked (and must exist) before any is changed."""
        objects = check_body(await json_body(request), {"objects": F("list[object]", required=True)})[
            "objects"
        ]
        edits: list[tuple[str, dict[str, Any]]] = []
        errors: dict[str, Any] = {}
        for index, item in enumerate(objects):
            try:
                fields = check_body(item, EDIT_FIELDS)
                edits.append((fields.pop("id"), fields))
            except IconikHTTPError as exc:
                errors[str(index)] = exc.errors
        if errors:
            raise IconikHTTPError(400, {"objects": errors})
        changes = [(get_asset(state, asset_id), fields) for asset_id, fields in edits]
        for asset, fields in changes:
            _apply(asset, fields)
        return Response(status_code=202)

    @router.patch(f"{PREFIX}/")
    async def bulk_patch(request: Request) -> Response:
        return await _bulk_edit(request)

    @router.put(f"{PREFIX}/")
    async def bulk_put(request: Request) -> Response:
        return await _bulk_edit(request)

    @router.get(f"{PREFIX}/{{asset_id}}/")
    async def read_asset(asset_id: str, request: Request) -> dict[str, Any]:
        asset = get_asset(state, asset_id)
        return asset_view(state, asset, include_collections=bool_param(request, "include_collections"))

    async def _update(asset_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        asset = get_asset(state, asset_id)
        _apply(asset, check_body(await json_body(request), ASSET_FIELDS, partial=partial))
        return asset_view(state, asset, include_collections=bool_param(request, "include_collections"))

    @router.patch(f"{PREFIX}/{{asset_id}}/")
    async def patch_asset(asset_id: str, request: Request) -> dict[str, Any]:
        """Partial update: ``title`` is not required here although the spec marks it (reference §3.2)."""
        return await _update(asset_id, request, partial=True)

    @router.put(f"{PREFIX}/{{asset_id}}/")
    async def put_asset(asset_id: str, request: Request) -> dict[str, Any]:
        return await _update(asset_id, request, partial=False)

    @router.delete(f"{PREFIX}/{{asset_id}}/")
    async def delete_asset(asset_id: str) -> Response:
        soft_delete_asset(state, get_asset(state, asset_id))
        return no_content()

    @router.put(f"{PREFIX}/{{asset_id}}/restore/")
    async def restore(asset_id: str) -> Response:
        restore_asset(state, get_asset(state, asset_id))
        return no_content()

    @router.delete(f"{PREFIX}/{{asset_id}}/purge/")
    async def purge(asset_id: str) -> Response:
        purge_asset(state, get_asset(state, asset_id))
        return no_content()

    return router

"""``/API/assets/v1/delete_queue/``: what DELETE put aside, and its restore and purge (reference §3.1, §9).

Status codes are the spec's, which differ between assets (204) and collections (201 for the
id-list calls). ``POST /delete_queue/bulk/`` takes at most 500 ids and answers 202; saved searches
are not emulated. For collections it deletes the collections themselves and leaves their contents.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, enum
from assetbridge_sandbox.iconik.asset_store import (
    asset_elastic,
    check_ids,
    purge_asset,
    require_uuid_list,
    restore_asset,
    soft_delete_asset,
    sorted_by,
)
from assetbridge_sandbox.iconik.collection_store import (
    collection_view,
    get_collection,
    purge_collection,
    restore_collection,
    soft_delete_collection,
)
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, no_content, paginate
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/delete_queue"
BULK_FIELDS: dict[str, F] = {
    "object_ids": F("list[uuid]", required=True, max_items=500),
    "object_type": enum("assets", "collections", "saved_searches", required=True),
    "content_only": F("bool"),
}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def queued(object_type: str) -> list[str]:
        return [oid for oid, entry in state.delete_queue.items() if entry["object_type"] == object_type]

    def collections_named(ids: list[str]) -> list[dict[str, Any]]:
        return [get_collection(state, cid) for cid in ids]

    @router.get(f"{PREFIX}/assets/")
    async def list_assets(request: Request) -> dict[str, Any]:
        assets = [state.assets[oid] for oid in queued("assets") if oid in state.assets]
        return paginate(request, [asset_elastic(state, a) for a in sorted_by(request, assets)])

    @router.post(f"{PREFIX}/assets/")
    async def queue_assets(request: Request) -> Response:
        for asset in check_ids(state, require_uuid_list(await json_body(request), "ids")):
            soft_delete_asset(state, asset)
        return no_content()

    @router.delete(f"{PREFIX}/assets/")
    async def restore_assets(request: Request) -> Response:
        for asset in check_ids(state, require_uuid_list(await json_body(request), "ids")):
            restore_asset(state, asset)
        return no_content()

    @router.post(f"{PREFIX}/assets/purge/")
    async def purge_assets(request: Request) -> Response:
        for asset in check_ids(state, require_uuid_list(await json_body(request), "ids")):
            purge_asset(state, asset)
        return no_content()

    @router.post(f"{PREFIX}/assets/purge/all/")
    async def purge_all_assets() -> Response:
        for oid in queued("assets"):
            purge_asset(state, state.assets[oid])
        return no_content()

    @router.post(f"{PREFIX}/assets/restore/all/")
    async def restore_all_assets() -> Response:
        for oid in queued("assets"):
            restore_asset(state, state.assets[oid])
        return no_content()

    @router.get(f"{PREFIX}/collections/")
    async def list_collections(request: Request) -> dict[str, Any]:
        items = [state.collections[oid] for oid in queued("collections") if oid in state.collections]
        return paginate(request, [collection_view(state, c) for c in sorted_by(request, items)])

    @router.post(f"{PREFIX}/collections/")
    async def queue_collections(request: Request) -> Response:
        for collection in collections_named(require_uuid_list(await json_body(request), "ids")):
            soft_delete_collection(state, collection)
        return Response(status_code=201)

    @router.delete(f"{PREFIX}/collections/")
    async def restore_collections(request: Request) -> Response:
        for collection in collections_named(require_uuid_list(await json_body(request), "ids")):
            restore_collection(state, collection)
        return Response(status_code=201)

    @router.post(f"{PREFIX}/collections/purge/")
    async def purge_collections(request: Request) -> Response:
        for collection in collections_named(require_uuid_list(await json_body(request), "ids")):
            purge_collection(state, collection)
        return Response(status_code=201)

    @router.post(f"{PREFIX}/collections/purge/all/")
    async def purge_all_collections() -> Response:
        for oid in queued("collections"):
            purge_collection(state, state.collections[oid])
        return no_content()

    @router.post(f"{PREFIX}/collections/restore/all/")
    async def restore_all_collections() -> Response:
        for oid in queued("collections"):
            restore_collection(state, state.collections[oid])
        return no_content()

    @router.post(f"{PREFIX}/purge/all/")
    async def purge_everything() -> Response:
        for oid in queued("assets"):
            purge_asset(state, state.assets[oid])
        for oid in queued("collections"):
            purge_collection(state, state.collections[oid])
        return no_content()

    @router.post(f"{PREFIX}/bulk/")
    async def bulk_delete(request: Request) -> Response:
        fields = check_body(await json_body(request), BULK_FIELDS)
        ids: list[str] = fields["object_ids"]
        if fields["object_type"] == "assets":
            for asset in check_ids(state, ids):
                soft_delete_asset(state, asset)
        elif fields["object_type"] == "collections":
            for collection in collections_named(ids):
                soft_delete_collection(state, collection)
        else:
            raise IconikHTTPError(400, {"object_type": ["Saved searches are not emulated by the sandbox."]})
        return Response(status_code=202)

    return router

"""``/API/assets/v1/collections/``: CRUD, contents, delete (202, asynchronous in iconik), restore, purge.

Facts from reference §6.1 and the spec: POST 201 ``CollectionSchema``; DELETE 202 "Deletion has been
scheduled"; restore answers 201 in the spec (202 in the newer SDK); contents POST 201, DELETE 204,
GET an ``AssetsSchema`` envelope of mixed objects carrying ``object_type``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, check_choice
from assetbridge_sandbox.iconik.asset_store import asset_elastic, get_asset, sorted_by
from assetbridge_sandbox.iconik.collection_store import (
    COLLECTION_FIELDS,
    COLLECTION_STATUS,
    CONTENT_TYPES,
    add_content,
    collection_view,
    emit_collection,
    get_collection,
    new_collection,
    purge_collection,
    remove_content,
    restore_collection,
    set_parent,
    soft_delete_collection,
)
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, no_content, paginate
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/collections"
CONTENT_FIELDS = {"object_id": F("uuid", required=True), "object_type": F("string", required=True)}


def _csv(request: Request, name: str) -> list[str] | None:
    raw = request.query_params.get(name)
    return [part.strip() for part in raw.split(",") if part.strip()] if raw else None


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def content_object(object_type: str, object_id: str) -> dict[str, Any]:
        if object_type == "assets":
            return asset_elastic(state, get_asset(state, object_id))
        return collection_view(state, get_collection(state, object_id))

    @router.get(f"{PREFIX}/")
    async def list_collections(request: Request) -> dict[str, Any]:
        status = request.query_params.get("status")
        if status:
            check_choice("status", status, COLLECTION_STATUS)
        items = [
            c
            for c in state.collections.values()
            if (c["status"] == status if status else c["status"] != "DELETED")
        ]
        is_root = request.query_params.get("is_root")
        if is_root is not None:
            wanted = is_root.lower() in {"1", "true", "yes", "on"}
            items = [c for c in items if c["is_root"] == wanted]
        return paginate(request, [collection_view(state, c) for c in sorted_by(request, items)])

    @router.post(f"{PREFIX}/")
    async def create_collection(request: Request) -> JSONResponse:
        fields = check_body(await json_body(request), COLLECTION_FIELDS)
        parent_id = fields.get("parent_id")
        if parent_id is not None:
            get_collection(state, parent_id)
        collection = new_collection(state, fields)
        emit_collection(state, "create", collection)
        if parent_id is not None:
            set_parent(state, collection, parent_id)
        return JSONResponse(collection_view(state, collection), status_code=201)

    @router.get(f"{PREFIX}/{{collection_id}}/")
    async def read_collection(collection_id: str) -> dict[str, Any]:
        return collection_view(state, get_collection(state, collection_id))

    async def _update(collection_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        collection = get_collection(state, collection_id)
        fields = check_body(await json_body(request), COLLECTION_FIELDS, partial=partial)
        if "parent_id" in fields:
            set_parent(state, collection, fields.pop("parent_id"))
        fields.pop("is_root", None)
        status = fields.pop("status", collection["status"])
        collection.update(fields)
        collection["date_modified"] = state.now()
        if status == "DELETED" and collection["status"] != "DELETED":
            soft_delete_collection(state, collection)
        elif status != "DELETED" and collection["status"] == "DELETED":
            restore_collection(state, collection)
            collection["status"] = status
        else:
            collection["status"] = status
            emit_collection(state, "update", collection)
        return collection_view(state, collection)

    @router.patch(f"{PREFIX}/{{collection_id}}/")
    async def patch_collection(collection_id: str, request: Request) -> dict[str, Any]:
        return await _update(collection_id, request, partial=True)

    @router.put(f"{PREFIX}/{{collection_id}}/")
    async def put_collection(collection_id: str, request: Request) -> dict[str, Any]:
        return await _update(collection_id, request, partial=False)

    @router.delete(f"{PREFIX}/{{collection_id}}/")
    async def delete_collection(collection_id: str) -> Response:
        soft_delete_collection(state, get_collection(state, collection_id))
        return Response(status_code=202)

    @router.delete(f"{PREFIX}/{{collection_id}}/purge/")
    async def purge(collection_id: str) -> Response:
        purge_collection(state, get_collection(state, collection_id))
        return Response(status_code=202)

    @router.put(f"{PREFIX}/{{collection_id}}/restore/")
    async def restore(collection_id: str) -> Response:
        restore_collection(state, get_collection(state, collection_id))
        return Response(status_code=201)

    @router.get(f"{PREFIX}/{{collection_id}}/contents/")
    async def list_contents(collection_id: str, request: Request) -> dict[str, Any]:
        get_collection(state, collection_id)
        types = _csv(request, "object_types")
        for object_type in types or []:
            check_choice("object_types", object_type, CONTENT_TYPES)
        ids = _csv(request, "object_ids")
        external_id = request.query_params.get("external_id")
        objects = []
        for entry in state.collection_contents.get(collection_id, []):
            if (types and entry["object_type"] not in types) or (ids and entry["object_id"] not in ids):
                continue
            obj = content_object(entry["object_type"], entry["object_id"])
            if obj["status"] == "DELETED" or (
                external_id is not None and obj.get("external_id") != external_id
            ):
                continue
            objects.append(obj)
        return paginate(request, sorted_by(request, objects))

    @router.post(f"{PREFIX}/{{collection_id}}/contents/")
    async def add(collection_id: str, request: Request) -> JSONResponse:
        get_collection(state, collection_id)
        fields = check_body(await json_body(request), CONTENT_FIELDS)
        object_type = check_choice("object_type", fields["object_type"], CONTENT_TYPES)
        object_id = fields["object_id"]
        if object_type == "collections":
            set_parent(state, get_collection(state, object_id), collection_id)
        else:
            get_asset(state, object_id)
            add_content(state, collection_id, object_type, object_id)
        entry = next(
            c
            for c in state.collection_contents[collection_id]
            if c["object_id"] == object_id and c["object_type"] == object_type
        )
        return JSONResponse({"collection_id": collection_id, **entry}, status_code=201)

    @router.delete(f"{PREFIX}/{{collection_id}}/contents/{{object_type}}/{{object_id}}/")
    async def remove(collection_id: str, object_type: str, object_id: str) -> Response:
        get_collection(state, collection_id)
        check_choice("object_type", object_type, CONTENT_TYPES)
        if object_type == "collections":
            child = state.collections.get(object_id)
            if child is not None and child.get("parent_id") == collection_id:
                set_parent(state, child, None)
                return no_content()
        if not remove_content(state, collection_id, object_type, object_id):
            raise IconikHTTPError(404, "Collection content does not exist")
        return no_content()

    return router

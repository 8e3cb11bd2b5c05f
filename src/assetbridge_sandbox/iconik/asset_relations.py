"""``/API/assets/v1/assets/{asset_id}/relations/``: asset-to-asset relations (reference §3.1, spec).

``POST …/relations/`` with a ``RelationSchema`` body (``relation_type``, ``related_to_asset_id``,
``description``) or ``POST …/relations/{relation_type}/{related_to_asset_id}/`` → 201 the relation
(200 with the existing one when the same relation is posted again); ``GET …/relations/`` (optionally
``…/relations/{relation_type}/``) → a ``RelationsSchema`` page of the relations the asset is part of, in
either direction; ``DELETE …/relations/{relation_type}/{related_to_asset_id}/`` → 204. Relation types
are free text here (the spec's ``relation_types`` registry is not emulated).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body
from assetbridge_sandbox.iconik.asset_store import get_asset
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, new_id, no_content, paginate
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/assets/{asset_id}/relations"
RELATION_FIELDS = {
    "relation_type": F("string", required=True),
    "related_to_asset_id": F("uuid", required=True),
    "description": F("string", nullable=True),
}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def create(asset_id: str, fields: dict[str, Any]) -> JSONResponse:
        get_asset(state, asset_id)
        related = str(fields["related_to_asset_id"])
        if related == asset_id:
            raise IconikHTTPError(400, "An asset can not be related to itself")
        get_asset(state, related)
        kind = str(fields["relation_type"])
        for relation in state.relations.values():
            if (relation["asset_id"], relation["related_to_asset_id"], relation["relation_type"]) == (
                asset_id,
                related,
                kind,
            ):
                return JSONResponse(dict(relation), status_code=200)
        now = state.now()
        relation = {
            "id": new_id(),
            "asset_id": asset_id,
            "related_to_asset_id": related,
            "relation_type": kind,
            "description": fields.get("description"),
            "date_created": now,
            "date_modified": now,
        }
        state.relations[relation["id"]] = relation
        state.touch_asset(asset_id)
        state.emit("assets", "relations", "create", relation["id"], dict(relation))
        return JSONResponse(dict(relation), status_code=201)

    def listing(request: Request, asset_id: str, kind: str | None) -> dict[str, Any]:
        get_asset(state, asset_id)
        items = [
            dict(r)
            for r in state.relations.values()
            if asset_id in (r["asset_id"], r["related_to_asset_id"])
            and (kind is None or r["relation_type"] == kind)
        ]
        items.sort(key=lambda r: (r["date_created"], r["id"]))
        return paginate(request, items)

    @router.post(f"{PREFIX}/")
    async def post_relation(asset_id: str, request: Request) -> JSONResponse:
        return create(asset_id, check_body(await json_body(request), RELATION_FIELDS))

    @router.post(f"{PREFIX}/{{relation_type}}/{{related_to_asset_id}}/")
    async def post_typed_relation(
        asset_id: str, relation_type: str, related_to_asset_id: str, request: Request
    ) -> JSONResponse:
        extra = check_body(
            await json_body(request, required=False), {"description": F("string", nullable=True)}
        )
        return create(
            asset_id, {"relation_type": relation_type, "related_to_asset_id": related_to_asset_id, **extra}
        )

    @router.get(f"{PREFIX}/")
    async def list_relations(asset_id: str, request: Request) -> dict[str, Any]:
        return listing(request, asset_id, None)

    @router.get(f"{PREFIX}/{{relation_type}}/")
    async def list_typed_relations(asset_id: str, relation_type: str, request: Request) -> dict[str, Any]:
        return listing(request, asset_id, relation_type)

    @router.delete(f"{PREFIX}/{{relation_type}}/{{related_to_asset_id}}/")
    async def delete_relation(asset_id: str, relation_type: str, related_to_asset_id: str) -> Response:
        for relation_id, relation in list(state.relations.items()):
            if (relation["asset_id"], relation["related_to_asset_id"], relation["relation_type"]) == (
                asset_id,
                related_to_asset_id,
                relation_type,
            ):
                del state.relations[relation_id]
                state.emit("assets", "relations", "delete", relation_id, dict(relation))
                return no_content()
        raise IconikHTTPError(404, "Relation does not exist")

    return router

"""Metadata fields, views and categories: ``/API/metadata/v1/fields|views|{object_type}/categories/``.

Fields are global and keyed by ``name``; a view stores its per-field overrides and is read back with
each override merged over the full field definition (reference §4.2–§4.3).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.common import IconikHTTPError, int_param, json_body, new_id, no_content
from assetbridge_sandbox.iconik.metadata_validation import BOOL_FLAGS, MISSING, validate_field_body
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/metadata/v1"
OBJECT_TYPES = ("assets", "collections", "segments")
VIEW_FIELD_KEYS = ("label", "required", "read_only", "auto_set", "hide_if_not_set", "options", "source_url")
FIELD_MISSING = "Metadata field doesn't exist"
VIEW_MISSING = "Metadata view doesn't exist"


def new_field(state: IconikState, clean: dict[str, Any]) -> dict[str, Any]:
    now = state.now()
    field: dict[str, Any] = {flag: False for flag in BOOL_FLAGS}
    field.update({"description": "", "options": [], "source_url": None})
    field.update(clean)
    field["date_created"] = field["date_modified"] = now
    return field


def merged_view_field(state: IconikState, override: dict[str, Any]) -> dict[str, Any]:
    """A view field as the full MetadataFieldSchema with the view's non-null overrides on top."""
    base = dict(state.fields.get(override["name"], {"name": override["name"]}))
    base.update({k: v for k, v in override.items() if v is not None and k != "name"})
    return base


def view_field_names(view: dict[str, Any]) -> list[str]:
    return [f["name"] for f in view["view_fields"]]


def full_view(state: IconikState, view: dict[str, Any]) -> dict[str, Any]:
    fields = [merged_view_field(state, f) for f in view["view_fields"] if f["name"] in state.fields]
    return {**view, "view_fields": fields}


def list_view(state: IconikState, view: dict[str, Any]) -> dict[str, Any]:
    fields = []
    for override in view["view_fields"]:
        label = override.get("label") or state.fields.get(override["name"], {}).get("label")
        fields.append({**{k: v for k, v in override.items() if v is not None}, "label": label})
    return {**view, "view_fields": fields}


def _validate_view_body(state: IconikState, body: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            errors["name"] = ["Not a valid string."]
        else:
            clean["name"] = body["name"]
    elif not partial:
        errors["name"] = [MISSING]
    if "description" in body:
        if body["description"] is not None and not isinstance(body["description"], str):
            errors["description"] = ["Not a valid string."]
        else:
            clean["description"] = body["description"]
    if "view_fields" in body:
        raw = body["view_fields"]
        if not isinstance(raw, list) or not all(isinstance(f, dict) for f in raw):
            errors["view_fields"] = ["Must be a list of objects with a name."]
        else:
            overrides = []
            for i, item in enumerate(raw):
                name = item.get("name")
                if not isinstance(name, str) or name not in state.fields:
                    errors.setdefault("view_fields", {})[str(i)] = {"name": [f"{FIELD_MISSING}: {name!r}"]}
                    continue
                overrides.append({"name": name, **{k: item.get(k) for k in VIEW_FIELD_KEYS if k in item}})
            clean["view_fields"] = overrides
    elif not partial:
        errors["view_fields"] = [MISSING]
    if errors:
        raise IconikHTTPError(400, errors)
    return clean


def _category(state: IconikState, cat: dict[str, Any]) -> dict[str, Any]:
    views = [full_view(state, state.views[v]) for v in cat["view_ids"] if v in state.views]
    return {**cat, "view_ids": [v for v in cat["view_ids"] if v in state.views], "views": views}


def _check_object_type(object_type: str) -> None:
    if object_type not in OBJECT_TYPES:
        raise IconikHTTPError(404, "Not found")


def _category_body(state: IconikState, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    for key in ("name", "label") if creating else ("label",):
        if not isinstance(body.get(key), str) or not body[key]:
            errors[key] = [MISSING if key not in body else "Not a valid string."]
    view_ids = body.get("view_ids", [])
    if not isinstance(view_ids, list) or any(v not in state.views for v in view_ids):
        errors["view_ids"] = [VIEW_MISSING]
    if errors:
        raise IconikHTTPError(400, errors)
    return {"label": body["label"], "view_ids": list(view_ids)}


def build_schema_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)

    def get_field(name: str) -> dict[str, Any]:
        if name not in state.fields:
            raise IconikHTTPError(404, FIELD_MISSING)
        return state.fields[name]

    def get_view(view_id: str) -> dict[str, Any]:
        if view_id not in state.views:
            raise IconikHTTPError(404, VIEW_MISSING)
        return state.views[view_id]

    @router.get("/fields/")
    async def list_fields(request: Request) -> dict[str, Any]:
        per_page = int_param(request, "per_page", 500, minimum=1, maximum=1000)
        after = request.query_params.get("last_field_name") or ""
        names = sorted(n for n in state.fields if n > after)
        wanted = [f for f in (request.query_params.get("filter") or "").split(",") if f]
        objects = []
        for name in names[:per_page]:
            field = state.fields[name]
            objects.append({k: v for k, v in field.items() if k in wanted} if wanted else dict(field))
        envelope: dict[str, Any] = {"objects": objects, "per_page": per_page, "total": len(state.fields)}
        if len(names) > per_page:
            envelope["next_url"] = (
                f"{request.url.path}?per_page={per_page}&last_field_name={names[per_page - 1]}"
            )
        return envelope

    @router.post("/fields/", status_code=201)
    async def create_field(request: Request) -> dict[str, Any]:
        clean = validate_field_body(await json_body(request), partial=False, creating=True)
        if clean["name"] in state.fields:
            raise IconikHTTPError(400, {"name": ["Metadata field with this name already exists."]})
        field = new_field(state, clean)
        state.fields[field["name"]] = field
        return field

    @router.get("/fields/{field_name}/")
    async def read_field(field_name: str) -> dict[str, Any]:
        return get_field(field_name)

    async def update_field(field_name: str, request: Request, *, partial: bool) -> dict[str, Any]:
        field = get_field(field_name)
        clean = validate_field_body(await json_body(request), partial=partial, creating=False)
        field.update(clean)
        field["date_modified"] = state.now()
        return field

    @router.put("/fields/{field_name}/")
    async def put_field(field_name: str, request: Request) -> dict[str, Any]:
        return await update_field(field_name, request, partial=False)

    @router.patch("/fields/{field_name}/")
    async def patch_field(field_name: str, request: Request) -> dict[str, Any]:
        return await update_field(field_name, request, partial=True)

    @router.delete("/fields/{field_name}/")
    async def delete_field(field_name: str) -> Response:
        get_field(field_name)
        del state.fields[field_name]
        for view in state.views.values():
            view["view_fields"] = [f for f in view["view_fields"] if f["name"] != field_name]
        return no_content()

    @router.get("/views/")
    async def list_views() -> dict[str, Any]:
        return {"objects": [list_view(state, v) for v in state.views.values()]}

    @router.post("/views/", status_code=201)
    async def create_view(request: Request) -> dict[str, Any]:
        clean = _validate_view_body(state, await json_body(request), partial=False)
        now = state.now()
        view = {"id": new_id(), "description": None, **clean, "date_created": now, "date_modified": now}
        state.views[view["id"]] = view
        return full_view(state, view)

    @router.get("/views/{view_id}/")
    async def read_view(view_id: str) -> dict[str, Any]:
        return full_view(state, get_view(view_id))

    async def update_view(view_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        view = get_view(view_id)
        view.update(_validate_view_body(state, await json_body(request), partial=partial))
        view["date_modified"] = state.now()
        return full_view(state, view)

    @router.put("/views/{view_id}/")
    async def put_view(view_id: str, request: Request) -> dict[str, Any]:
        return await update_view(view_id, request, partial=False)

    @router.patch("/views/{view_id}/")
    async def patch_view(view_id: str, request: Request) -> dict[str, Any]:
        return await update_view(view_id, request, partial=True)

    @router.delete("/views/{view_id}/")
    async def delete_view(view_id: str) -> Response:
        get_view(view_id)
        del state.views[view_id]
        for cat in state.categories.values():
            cat["view_ids"] = [v for v in cat["view_ids"] if v != view_id]
        return no_content()

    def get_category(object_type: str, name: str) -> dict[str, Any]:
        _check_object_type(object_type)
        cat = state.categories.get((object_type, name))
        if cat is None:
            raise IconikHTTPError(404, "Metadata category by object type and category name doesn't exist")
        return cat

    @router.get("/{object_type}/categories/")
    async def list_categories(object_type: str) -> dict[str, Any]:
        _check_object_type(object_type)
        cats = [_category(state, c) for (ot, _), c in state.categories.items() if ot == object_type]
        return {"objects": cats}

    @router.post("/{object_type}/categories/", status_code=201)
    async def create_category(object_type: str, request: Request) -> dict[str, Any]:
        _check_object_type(object_type)
        body = await json_body(request)
        clean = _category_body(state, body, creating=True)
        if (object_type, body["name"]) in state.categories:
            raise IconikHTTPError(409, "A category with the same name and object_type already exists")
        now = state.now()
        cat = {
            "name": body["name"],
            "object_type": object_type,
            **clean,
            "date_created": now,
            "date_modified": now,
        }
        state.categories[(object_type, body["name"])] = cat
        return _category(state, cat)

    @router.get("/{object_type}/categories/{name}/")
    async def read_category(object_type: str, name: str) -> dict[str, Any]:
        return _category(state, get_category(object_type, name))

    @router.get("/{object_type}/categories/{name}/views/")
    async def category_views(object_type: str, name: str) -> dict[str, Any]:
        return _category(state, get_category(object_type, name))

    @router.put("/{object_type}/categories/{name}/")
    async def put_category(object_type: str, name: str, request: Request) -> dict[str, Any]:
        cat = get_category(object_type, name)
        cat.update(_category_body(state, await json_body(request), creating=False))
        cat["date_modified"] = state.now()
        return _category(state, cat)

    @router.delete("/{object_type}/categories/{name}/")
    async def delete_category(object_type: str, name: str) -> Response:
        get_category(object_type, name)
        del state.categories[(object_type, name)]
        return no_content()

    return router

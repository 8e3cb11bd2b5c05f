"""Metadata values on objects, read and written through a view (reference §4.4).

Values live in ``state.metadata_values[(object_type, object_id, version_id or "")]`` as
``{field_name: [raw values]}``. Asset values belong to a version: a write through
``/assets/{id}/views/{view}/`` lands on the asset's current version, which is also what
``/assets/{id}/versions/{version_id}/views/{view}/`` reads back. A write bumps the asset's
``date_modified`` and emits a ``metadata``/``update`` event (reference §8.2).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from assetbridge_sandbox.iconik.asset_store import current_version_id
from assetbridge_sandbox.iconik.common import IconikHTTPError, bool_param, json_body, not_found
from assetbridge_sandbox.iconik.metadata_schema import OBJECT_TYPES, PREFIX, VIEW_MISSING, merged_view_field
from assetbridge_sandbox.iconik.metadata_validation import MISSING, apply_field_write, as_field_values
from assetbridge_sandbox.iconik.state import IconikState

Key = tuple[str, str, str]
BATCH_MAX = 500
OBJECT_NAMES = {"assets": "Asset", "collections": "Collection", "segments": "Segment"}


def values_key(state: IconikState, object_type: str, object_id: str) -> Key:
    if object_type == "assets" and object_id in state.assets:
        return (object_type, object_id, current_version_id(state.assets[object_id]))
    return (object_type, object_id, "")


def object_metadata(state: IconikState, object_type: str, object_id: str) -> dict[str, list[Any]]:
    """Current values of an object (an asset's current version), ``{field: [values]}``."""
    key = values_key(state, object_type, object_id)
    found = state.metadata_values.get(key)
    if found is None and key[2]:
        found = state.metadata_values.get((object_type, object_id, ""))
    return found or {}


def _objects(state: IconikState, object_type: str) -> dict[str, dict[str, Any]]:
    if object_type == "assets":
        return state.assets
    if object_type == "collections":
        return state.collections
    return state.segments


def _require_object(state: IconikState, object_type: str, object_id: str) -> dict[str, Any]:
    if object_type not in OBJECT_TYPES:
        raise IconikHTTPError(404, "Not found")
    obj = _objects(state, object_type).get(object_id)
    if obj is None:
        raise not_found(OBJECT_NAMES[object_type])
    return obj


class MetadataStore:
    """Validated reads and writes of metadata values, shared by the single and batch routes."""

    def __init__(self, state: IconikState) -> None:
        self.state = state
        self.stamps: dict[Key, dict[str, str]] = {}

    def view_fields(self, view_id: str | None) -> dict[str, dict[str, Any]]:
        """Field definitions writable through the view (every field when ``view_id`` is None)."""
        if view_id is None:
            return dict(self.state.fields)
        view = self.state.views.get(view_id)
        if view is None:
            raise IconikHTTPError(404, VIEW_MISSING)
        return {
            f["name"]: merged_view_field(self.state, f)
            for f in view["view_fields"]
            if f["name"] in self.state.fields
        }

    def validate(
        self,
        key: Key,
        fields: dict[str, dict[str, Any]],
        metadata_values: Any,
        *,
        scope: str = "metadata view",
    ) -> dict[str, list[Any]]:
        """The new value lists for each written field; 400 ``{field: [message]}`` if any is invalid."""
        if not isinstance(metadata_values, dict):
            raise IconikHTTPError(
                400,
                {"metadata_values": [MISSING if metadata_values is None else "Not a valid mapping type."]},
            )
        current = self.state.metadata_values.get(key, {})
        errors: dict[str, list[str]] = {}
        changes: dict[str, list[Any]] = {}
        for name, entry in metadata_values.items():
            field = fields.get(name)
            if field is None:
                errors[name] = [f"Field is not part of the {scope}."]
                continue
            try:
                changes[name] = apply_field_write(field, current.get(name, []), entry)
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise IconikHTTPError(400, errors)
        return changes

    def apply(self, key: Key, changes: dict[str, list[Any]]) -> None:
        object_type, object_id, version_id = key
        stored = self.state.metadata_values.setdefault(key, {})
        for name, values in changes.items():
            if values:
                stored[name] = values
            else:
                stored.pop(name, None)
        now = self.state.now()
        stamp = self.stamps.setdefault(key, {"date_created": now})
        stamp["date_modified"] = now
        data = {
            "object_id": object_id,
            "object_type": object_type,
            "version_id": version_id or None,
            "metadata_values": {name: as_field_values(values) for name, values in changes.items()},
            "date_modified": now,
        }
        if object_type == "assets":
            self.state.touch_asset(object_id)
            self.state.emit("assets", "metadata", "update", object_id, data)
        elif object_type == "collections":
            collection = self.state.collections.get(object_id)
            if collection is not None:
                collection["date_modified"] = now
            self.state.emit("collections", "metadata", "update", object_id, data)
        else:
            asset_id = str(self.state.segments.get(object_id, {}).get("asset_id") or object_id)
            self.state.emit("assets", "metadata", "update", asset_id, data)

    def response(
        self, key: Key, field_names: list[str] | None, *, as_strings: bool = False, job_id: str | None = None
    ) -> dict[str, Any]:
        stored = self.state.metadata_values.get(key, {})
        if not stored and key[2]:
            stored = self.state.metadata_values.get((key[0], key[1], ""), {})
        names = [n for n in (field_names if field_names is not None else list(stored)) if n in stored]
        values = {}
        for name in names:
            raw = stored[name]
            shown = [_as_string(v) for v in raw] if as_strings else raw
            values[name] = as_field_values(shown)
        stamp = self.stamps.get(key) or {"date_created": self.state.now(), "date_modified": self.state.now()}
        body: dict[str, Any] = {
            "date_created": stamp["date_created"],
            "date_modified": stamp["date_modified"],
            "metadata_values": values,
            "object_id": key[1],
            "object_type": key[0],
        }
        if key[2]:
            body["version_id"] = key[2]
        if job_id:
            body["job_id"] = job_id
        return body


def _as_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _view_order(state: IconikState, view_id: str) -> list[str]:
    return [f["name"] for f in state.views[view_id]["view_fields"]]


def build_values_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX)
    store = MetadataStore(state)

    @router.get("/assets/{asset_id}/versions/{version_id}/views/{view_id}/")
    async def read_version_values(
        asset_id: str, version_id: str, view_id: str, request: Request
    ) -> dict[str, Any]:
        asset = _require_object(state, "assets", asset_id)
        store.view_fields(view_id)
        if not any(str(v.get("id")) == version_id for v in asset.get("versions") or []):
            raise not_found("Asset version")
        as_strings = bool_param(request, "reencode_values_to_string")
        return store.response(
            ("assets", asset_id, version_id), _view_order(state, view_id), as_strings=as_strings
        )

    @router.put("/{object_type}/views/{view_id}/", status_code=202)
    async def batch_put(object_type: str, view_id: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        ids = _object_ids(body)
        fields = store.view_fields(view_id)
        if "metadata_values" not in body:
            raise IconikHTTPError(400, {"metadata_values": [MISSING]})
        return _run_batch(state, store, object_type, fields, [(i, body["metadata_values"]) for i in ids])

    @router.post("/{object_type}/views/{view_id}/", status_code=202)
    async def batch_post(object_type: str, view_id: str, request: Request) -> dict[str, Any]:
        body = await json_body(request)
        _object_ids(body)
        fields = store.view_fields(view_id)
        mapping = body.get("metadata_values_object_id_mapping")
        if not isinstance(mapping, list) or not all(isinstance(m, dict) and "id" in m for m in mapping):
            raise IconikHTTPError(400, {"metadata_values_object_id_mapping": [MISSING]})
        items = [(str(m["id"]), m.get("metadata_values")) for m in mapping]
        return _run_batch(state, store, object_type, fields, items)

    @router.get("/{object_type}/{object_id}/views/{view_id}/")
    async def read_values(object_type: str, object_id: str, view_id: str, request: Request) -> dict[str, Any]:
        _require_object(state, object_type, object_id)
        store.view_fields(view_id)
        as_strings = bool_param(request, "reencode_values_to_string")
        key = values_key(state, object_type, object_id)
        return store.response(key, _view_order(state, view_id), as_strings=as_strings)

    @router.put("/{object_type}/{object_id}/views/{view_id}/")
    async def write_values(
        object_type: str, object_id: str, view_id: str, request: Request
    ) -> dict[str, Any]:
        _require_object(state, object_type, object_id)
        fields = store.view_fields(view_id)
        body = await json_body(request)
        key = values_key(state, object_type, object_id)
        store.apply(key, store.validate(key, fields, body.get("metadata_values")))
        return store.response(key, _view_order(state, view_id))

    @router.get("/{object_type}/{object_id}/")
    async def read_all_values(object_type: str, object_id: str) -> dict[str, Any]:
        _require_object(state, object_type, object_id)
        return store.response(values_key(state, object_type, object_id), None)

    @router.put("/{object_type}/{object_id}/")
    async def write_direct(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        _require_object(state, object_type, object_id)
        body = await json_body(request)
        key = values_key(state, object_type, object_id)
        fields = store.view_fields(None)
        store.apply(key, store.validate(key, fields, body.get("metadata_values"), scope="metadata schema"))
        return store.response(key, None)

    return router


def _object_ids(body: dict[str, Any]) -> list[str]:
    ids = body.get("object_ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise IconikHTTPError(
            400, {"object_ids": [MISSING if ids is None else "Must be a non-empty list of ids."]}
        )
    if len(ids) > BATCH_MAX:
        raise IconikHTTPError(400, {"object_ids": [f"Longer than maximum length {BATCH_MAX}."]})
    return ids


def _run_batch(
    state: IconikState,
    store: MetadataStore,
    object_type: str,
    fields: dict[str, dict[str, Any]],
    items: list[tuple[str, Any]],
) -> dict[str, Any]:
    """Validate every write first (400 on any bad value), then apply them under a METADATA job."""
    if object_type not in OBJECT_TYPES:
        raise IconikHTTPError(404, "Not found")
    objects = _objects(state, object_type)
    planned = []
    for object_id, values in items:
        if object_id in objects:
            key = values_key(state, object_type, object_id)
            planned.append((key, store.validate(key, fields, values)))
    job = state.new_job(
        title=f"Batch metadata update of {len(items)} {object_type}",
        job_type="METADATA",
        object_type=object_type,
        status="STARTED",
        progress_total=len(items),
    )
    for key, changes in planned:
        store.apply(key, changes)
    job["progress_processed"] = len(items)
    missing = len(items) - len(planned)
    if missing:
        state.set_job_status(job["id"], "FINISHED_WITH_WARNING", message=f"{missing} objects do not exist")
    else:
        state.set_job_status(job["id"], "FINISHED")
    return {"job_id": job["id"]}

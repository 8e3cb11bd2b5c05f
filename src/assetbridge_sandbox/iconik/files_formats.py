"""Formats and file sets of an asset (reference §5.1–5.3; ``FormatSchema``, ``FileSetSchema``).

A format is addressable by id or by name (``formats/ORIGINAL/``; reference §5.1): the name lookup
returns the newest ACTIVE format of that name on the asset's current version. Deleting a format or a
file set marks it DELETED and hides it from lists; deleting a file set also deletes its files' objects
unless ``keep_source=true``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id
from assetbridge_sandbox.iconik.common import (
    IconikHTTPError,
    bool_param,
    json_body,
    new_id,
    no_content,
    not_found,
)
from assetbridge_sandbox.iconik.files_common import (
    PREFIX,
    changed,
    check_version,
    owned,
    page,
    require_asset,
)
from assetbridge_sandbox.iconik.files_storages import require_storage
from assetbridge_sandbox.iconik.files_store import delete_file_objects, file_view
from assetbridge_sandbox.iconik.state import IconikState

COMPONENT_TYPES = ("VIDEO", "AUDIO", "IMAGE", "TEXT", "OTHER", "NON_MEDIA", "EXIF", "IPTC", "XMP", "GENERAL")
FORMAT_FIELDS = {
    "name": F("string", required=True),
    "components": F("list[object]"),
    "metadata": F("list[object]", max_items=10000),
    "status": enum("ACTIVE", "DELETED"),
    "archive_status": enum("NOT_ARCHIVED", "ARCHIVING", "FAILED_TO_ARCHIVE", "ARCHIVED", nullable=True),
    "storage_methods": F("list[string]"),
    "user_id": F("uuid", nullable=True),
    "version_id": F("uuid"),
    "is_online": F("bool"),
}
FILE_SET_FIELDS = {
    "name": F("string", required=True),
    "base_dir": F("string", required=True),
    "format_id": F("uuid", required=True),
    "component_ids": F("list[uuid]", required=True),
    "storage_id": F("uuid"),
    "version_id": F("uuid"),
    "status": enum("ACTIVE", "ARCHIVED", "DELETED"),
    "is_archive": F("bool"),
    "archive_file_set_id": F("uuid", nullable=True),
    "original_storage_id": F("uuid", nullable=True),
}


def _components(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for i, comp in enumerate(raw):
        if not isinstance(comp.get("name"), str) or comp.get("type") not in COMPONENT_TYPES:
            raise IconikHTTPError(
                400,
                {"components": {str(i): ["name is required and type must be one of the component types."]}},
            )
        metadata = comp.get("metadata") or {}
        result.append(
            {
                "id": comp.get("id") or new_id(),
                "name": comp["name"],
                "type": comp["type"],
                "metadata": metadata,
            }
        )
    return result


def active(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [i for i in items if i.get("status") != "DELETED"]


def create_format(state: IconikState, asset: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    fields = check_body(body, FORMAT_FIELDS)
    version_id = (
        check_version(asset, fields["version_id"]) if "version_id" in fields else current_version_id(asset)
    )
    now = state.now()
    fmt: dict[str, Any] = {
        "id": new_id(),
        "asset_id": asset["id"],
        "version_id": version_id,
        "name": fields["name"],
        "components": _components(fields.get("components", [])),
        "metadata": fields.get("metadata", []),
        "status": fields.get("status", "ACTIVE"),
        "archive_status": fields.get("archive_status", "NOT_ARCHIVED"),
        "storage_methods": fields.get("storage_methods", []),
        "user_id": fields.get("user_id"),
        "is_online": fields.get("is_online", False),
        "warnings": [],
        "date_created": now,
        "date_modified": now,
        "date_deleted": None,
        "deleted_by_user": None,
    }
    state.formats[fmt["id"]] = fmt
    changed(state, "formats", "create", fmt)
    return fmt


def find_format(state: IconikState, asset: dict[str, Any], format_id: str) -> dict[str, Any]:
    fmt = state.formats.get(format_id)
    if fmt is not None and fmt["asset_id"] == asset["id"]:
        return fmt
    version_id = current_version_id(asset)
    named = [f for f in active(owned(state.formats, asset["id"], version_id)) if f["name"] == format_id]
    if named:
        return named[-1]
    raise not_found("Format")


def create_file_set(state: IconikState, asset: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    fields = check_body(body, FILE_SET_FIELDS)
    fmt = state.formats.get(fields["format_id"])
    if fmt is None or fmt["asset_id"] != asset["id"]:
        raise IconikHTTPError(400, {"format_id": ["Format does not exist."]})
    storage_id = fields.get("storage_id") or require_storage(state, "FILES")["id"]
    if storage_id not in state.storages:
        raise IconikHTTPError(400, {"storage_id": ["Storage does not exist."]})
    now = state.now()
    file_set: dict[str, Any] = {
        "id": new_id(),
        "asset_id": asset["id"],
        "version_id": fields.get("version_id") or fmt["version_id"],
        "format_id": fmt["id"],
        "storage_id": storage_id,
        "name": fields["name"],
        "base_dir": fields["base_dir"],
        "component_ids": fields["component_ids"],
        "status": fields.get("status", "ACTIVE"),
        "is_archive": fields.get("is_archive", False),
        "archive_file_set_id": fields.get("archive_file_set_id"),
        "original_storage_id": fields.get("original_storage_id"),
        "date_created": now,
        "date_modified": now,
        "date_deleted": None,
        "deleted_by_user": None,
    }
    state.file_sets[file_set["id"]] = file_set
    changed(state, "file_sets", "create", file_set)
    return file_set


def file_set_view(state: IconikState, file_set: dict[str, Any]) -> dict[str, Any]:
    count = sum(
        1 for f in state.files.values() if f.get("file_set_id") == file_set["id"] and f["status"] != "DELETED"
    )
    return {**file_set, "file_count": count}


def _update(
    state: IconikState, obj: dict[str, Any], body: dict[str, Any], spec: dict[str, F], *, full: bool
) -> None:
    fields = check_body(body, spec, partial=not full)
    if "components" in fields:
        fields["components"] = _components(fields["components"])
    obj.update(fields)
    obj["date_modified"] = state.now()


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX + "/assets/{asset_id}")

    def file_set_of(asset_id: str, file_set_id: str) -> dict[str, Any]:
        require_asset(state, asset_id)
        file_set = state.file_sets.get(file_set_id)
        if file_set is None or file_set["asset_id"] != asset_id or file_set["status"] == "DELETED":
            raise not_found("File set")
        return file_set

    @router.post("/formats/", status_code=201)
    async def post_format(asset_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        return create_format(state, asset, await json_body(request))

    @router.get("/formats/")
    async def list_formats(asset_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        return page(request, active(owned(state.formats, asset_id)))

    @router.get("/versions/{version_id}/formats/")
    async def list_version_formats(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        return page(request, active(owned(state.formats, asset_id, version_id)))

    @router.get("/formats/{format_id}/")
    async def get_format(asset_id: str, format_id: str) -> dict[str, Any]:
        return find_format(state, require_asset(state, asset_id), format_id)

    @router.api_route("/formats/{format_id}/", methods=["PATCH", "PUT"])
    async def update_format(asset_id: str, format_id: str, request: Request) -> dict[str, Any]:
        fmt = find_format(state, require_asset(state, asset_id), format_id)
        _update(state, fmt, await json_body(request), FORMAT_FIELDS, full=request.method == "PUT")
        changed(state, "formats", "update", fmt)
        return fmt

    @router.delete("/formats/{format_id}/")
    async def delete_format(asset_id: str, format_id: str) -> Response:
        fmt = find_format(state, require_asset(state, asset_id), format_id)
        fmt.update(status="DELETED", date_deleted=state.now(), deleted_by_user=state.config.user_id)
        changed(state, "formats", "delete", fmt)
        return no_content()

    @router.get("/formats/{format_id}/file_sets/")
    async def format_file_sets(asset_id: str, format_id: str, request: Request) -> dict[str, Any]:
        fmt = find_format(state, require_asset(state, asset_id), format_id)
        sets = [s for s in active(owned(state.file_sets, asset_id)) if s["format_id"] == fmt["id"]]
        return page(request, [file_set_view(state, s) for s in sets])

    @router.post("/file_sets/", status_code=201)
    async def post_file_set(asset_id: str, request: Request) -> dict[str, Any]:
        asset = require_asset(state, asset_id)
        return file_set_view(state, create_file_set(state, asset, await json_body(request)))

    @router.get("/file_sets/")
    async def list_file_sets(asset_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        return page(request, [file_set_view(state, s) for s in active(owned(state.file_sets, asset_id))])

    @router.get("/versions/{version_id}/file_sets/")
    async def list_version_file_sets(asset_id: str, version_id: str, request: Request) -> dict[str, Any]:
        require_asset(state, asset_id)
        sets = active(owned(state.file_sets, asset_id, version_id))
        return page(request, [file_set_view(state, s) for s in sets])

    @router.get("/file_sets/{file_set_id}/")
    async def get_file_set(asset_id: str, file_set_id: str) -> dict[str, Any]:
        return file_set_view(state, file_set_of(asset_id, file_set_id))

    @router.api_route("/file_sets/{file_set_id}/", methods=["PATCH", "PUT"])
    async def update_file_set(asset_id: str, file_set_id: str, request: Request) -> dict[str, Any]:
        file_set = file_set_of(asset_id, file_set_id)
        _update(state, file_set, await json_body(request), FILE_SET_FIELDS, full=request.method == "PUT")
        changed(state, "file_sets", "update", file_set)
        return file_set_view(state, file_set)

    @router.delete("/file_sets/{file_set_id}/")
    async def delete_file_set(asset_id: str, file_set_id: str, request: Request) -> Response:
        file_set = file_set_of(asset_id, file_set_id)
        delete_file_objects(state, file_set, keep_source=bool_param(request, "keep_source"))
        file_set.update(status="DELETED", date_deleted=state.now(), deleted_by_user=state.config.user_id)
        changed(state, "file_sets", "delete", file_set)
        return no_content()

    @router.get("/file_sets/{file_set_id}/files/")
    async def file_set_files(asset_id: str, file_set_id: str, request: Request) -> dict[str, Any]:
        file_set_of(asset_id, file_set_id)
        files = [f for f in owned(state.files, asset_id) if f.get("file_set_id") == file_set_id]
        return page(request, [file_view(state, f, request) for f in files])

    return router

"""File records (``FileSchema``): creation, closing against storage, the wire view (reference §5.2–5.4).

A file is created OPEN with upload fields pointing at the storage emulator. ``status: CLOSED`` (on
PATCH/PUT, or on POST when registering an object already in storage) checks that the object is there
with the declared size and records its size and md5 ``checksum``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from assetbridge_sandbox.iconik.asset_fields import F, check_body, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id
from assetbridge_sandbox.iconik.common import IconikHTTPError, new_id
from assetbridge_sandbox.iconik.files_common import (
    FILE_STATUSES,
    changed,
    check_version,
    coerce_size,
    object_key,
    signed_url,
    verify_upload,
)
from assetbridge_sandbox.iconik.files_storages import require_storage
from assetbridge_sandbox.iconik.state import IconikState

FILE_FIELDS = {
    "original_name": F("string", required=True),
    "directory_path": F("string", required=True),
    "type": enum("FILE", "DIRECTORY", "SYMLINK", "SEQUENCE", required=True),
    "name": F("string"),
    "size": F("int", nullable=True),
    "checksum": F("string", nullable=True),
    "status": enum(*FILE_STATUSES),
    "file_set_id": F("uuid"),
    "format_id": F("uuid"),
    "storage_id": F("uuid"),
    "version_id": F("uuid"),
    "parent_id": F("uuid", nullable=True),
    "user_id": F("uuid", nullable=True),
    "file_date_created": F("datetime", nullable=True),
    "file_date_modified": F("datetime", nullable=True),
}


def file_key(state: IconikState, file: dict[str, Any]) -> str | None:
    storage = state.storages.get(file.get("storage_id") or "")
    return object_key(storage, file["asset_id"], file["id"]) if storage else None


def close_file(state: IconikState, file: dict[str, Any]) -> None:
    key = file_key(state, file)
    if key is None:
        raise IconikHTTPError(400, {"storage_id": ["Storage does not exist."]})
    info = verify_upload(state, key, file.get("size"), file.get("checksum"))
    file.update(size=info.size, checksum=info.md5, status="CLOSED")


def create_file(state: IconikState, asset: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    coerce_size(body)
    fields = check_body(body, FILE_FIELDS)
    file_set: dict[str, Any] | None = None
    if "file_set_id" in fields:
        file_set = state.file_sets.get(fields["file_set_id"])
        if file_set is None or file_set["asset_id"] != asset["id"]:
            raise IconikHTTPError(400, {"file_set_id": ["File set does not exist."]})
    storage_id = (
        fields.get("storage_id")
        or (file_set or {}).get("storage_id")
        or require_storage(state, "FILES")["id"]
    )
    if storage_id not in state.storages:
        raise IconikHTTPError(400, {"storage_id": ["Storage does not exist."]})
    if "version_id" in fields:
        check_version(asset, fields["version_id"])
    now = state.now()
    file: dict[str, Any] = {
        "id": new_id(),
        "asset_id": asset["id"],
        "version_id": fields.get("version_id")
        or (file_set or {}).get("version_id")
        or current_version_id(asset),
        "file_set_id": fields.get("file_set_id"),
        "format_id": fields.get("format_id") or (file_set or {}).get("format_id"),
        "storage_id": storage_id,
        "original_name": fields["original_name"],
        "name": fields.get("name") or fields["original_name"],
        "directory_path": fields["directory_path"],
        "type": fields["type"],
        "size": fields.get("size"),
        "checksum": fields.get("checksum"),
        "status": fields.get("status", "OPEN"),
        "parent_id": fields.get("parent_id"),
        "user_id": fields.get("user_id"),
        "system_domain_id": state.config.system_domain_id,
        "file_date_created": fields.get("file_date_created") or now,
        "file_date_modified": fields.get("file_date_modified") or now,
        "date_created": now,
        "date_modified": now,
    }
    if file["status"] == "CLOSED":
        key = file_key(state, file)
        if key is not None and state.storage.info(key) is not None:
            close_file(state, file)
    state.files[file["id"]] = file
    changed(state, "files", "create", file)
    return file


def update_file(state: IconikState, file: dict[str, Any], body: dict[str, Any], *, full: bool) -> None:
    coerce_size(body)
    fields = check_body(body, FILE_FIELDS, partial=not full)
    for readonly in ("file_set_id", "storage_id"):
        fields.pop(readonly, None)  # moving a file between sets/storages is a transfer job, not an edit
    closing = fields.get("status") == "CLOSED" and file["status"] != "CLOSED"
    candidate = {**file, **fields}
    if closing:
        close_file(state, candidate)
    file.update(candidate)
    file["date_modified"] = state.now()
    changed(state, "files", "update", file)


def file_view(
    state: IconikState, file: dict[str, Any], request: Request | None = None, *, with_url: bool = False
) -> dict[str, Any]:
    file_set = state.file_sets.get(file.get("file_set_id") or "")
    fmt = state.formats.get(file.get("format_id") or "")
    view = {
        **file,
        "file_set_status": file_set["status"] if file_set else None,
        "format_status": fmt["status"] if fmt else None,
    }
    storage = state.storages.get(file.get("storage_id") or "")
    if storage:
        view["storage_method"] = storage["method"]
    if with_url and storage and file["status"] == "CLOSED":
        url = signed_url(
            state, storage, object_key(storage, file["asset_id"], file["id"]), file["name"], request
        )
        if url:
            view["url"] = url
    return view


def delete_file_objects(state: IconikState, file_set: dict[str, Any], *, keep_source: bool) -> None:
    """DELETE file set: its files become DELETED and, unless ``keep_source``, their objects go too."""
    for file in [f for f in state.files.values() if f.get("file_set_id") == file_set["id"]]:
        key = file_key(state, file)
        if key is not None and not keep_source:
            state.storage.delete(key)
        file.update(status="DELETED", date_modified=state.now())
        changed(state, "files", "delete", file)

"""Asset and version objects of the emulator: creation, views, soft delete, restore and purge.

Assets are kept in ``state.assets`` as ``AssetSchema`` dicts with their versions embedded (reference
§3.2). ``versions`` is ordered current-first, and ``default_version_id`` names the current version:
the newer tutorials read that field and fall back to ``versions[0].id`` (reference §3.2). Version
changes go through ``mark_current`` so that both always agree.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from fastapi import Request

from assetbridge_sandbox.iconik.asset_fields import F, check_body, check_choice, enum
from assetbridge_sandbox.iconik.common import IconikHTTPError, new_id, not_found
from assetbridge_sandbox.iconik.search_index import IndexedAsset
from assetbridge_sandbox.iconik.state import IconikState

PROCESS_STATUS = ("N/A", "REQUESTED", "IN_PROGRESS", "FAILED", "DONE")
ARCHIVE_STATUS = ("NOT_ARCHIVED", "ARCHIVING", "FAILED_TO_ARCHIVE", "ARCHIVED")
ASSET_TYPES = ("ASSET", "SEQUENCE", "NLE_PROJECT", "PLACEHOLDER", "CUSTOM", "LINK", "SUBCLIP")
VERSION_STATUS = ("ACTIVE", "IN_PROGRESS", "FAILED", "DELETING", "DELETED")

ASSET_FIELDS: dict[str, F] = {
    "title": F("string", required=True),
    "status": enum("ACTIVE", "DELETED"),
    "type": enum(*ASSET_TYPES),
    "analyze_status": enum(*PROCESS_STATUS),
    "face_recognition_status": enum(*PROCESS_STATUS),
    "archive_status": enum(*ARCHIVE_STATUS),
    "category": F("string", nullable=True),
    "custom_keyframe": F("uuid", nullable=True),
    "custom_poster": F("uuid", nullable=True),
    "date_created": F("datetime"),
    "date_deleted": F("datetime", nullable=True),
    "external_id": F("string", nullable=True),
    "external_link": F("string", nullable=True),
    "has_unconfirmed_persons": F("bool"),
    "is_blocked": F("bool"),
    "is_online": F("bool"),
    "original_asset_id": F("uuid"),
    "original_segment_id": F("uuid"),
    "original_version_id": F("uuid"),
    "person_ids": F("list[uuid]", nullable=True),
    "site_name": F("string", nullable=True),
    "time_start_milliseconds": F("int"),
    "time_end_milliseconds": F("int"),
    "warning": F("string", nullable=True),
}
ASSET_CREATE_FIELDS: dict[str, F] = {**ASSET_FIELDS, "collection_id": F("uuid", nullable=True)}

VERSION_FIELDS: dict[str, F] = {
    "analyze_status": enum(*PROCESS_STATUS),
    "archive_status": enum(*ARCHIVE_STATUS),
    "face_recognition_status": enum(*PROCESS_STATUS),
    "transcribe_status": enum(*PROCESS_STATUS),
    "status": enum(*VERSION_STATUS),
    "has_unconfirmed_persons": F("bool"),
    "is_online": F("bool"),
    "person_ids": F("list[uuid]"),
    "transcribed_languages": F("list[string]"),
    "version_number": F("int"),
}


def new_version(state: IconikState, number: int) -> dict[str, Any]:
    return {
        "id": new_id(),
        "version_number": number,
        "status": "ACTIVE",
        "analyze_status": "N/A",
        "archive_status": "NOT_ARCHIVED",
        "face_recognition_status": "N/A",
        "transcribe_status": "N/A",
        "transcribed_languages": [],
        "has_unconfirmed_persons": False,
        "person_ids": [],
        "is_online": False,
        "created_by_user": state.config.user_id,
        "date_created": state.now(),
    }


def new_asset(state: IconikState, fields: dict[str, Any]) -> dict[str, Any]:
    """An ``AssetSchema`` with one auto-created version, shaped like the tutorial's real response."""
    now = state.now()
    asset: dict[str, Any] = {
        "id": new_id(),
        "title": fields["title"],
        "type": "ASSET",
        "status": "ACTIVE",
        "analyze_status": "N/A",
        "archive_status": "NOT_ARCHIVED",
        "face_recognition_status": "N/A",
        "category": None,
        "custom_keyframe": None,
        "custom_poster": None,
        "external_id": None,
        "external_link": None,
        "is_blocked": False,
        "is_online": False,
        "has_unconfirmed_persons": False,
        "person_ids": [],
        "site_name": None,
        "warning": None,
        "created_by_user": state.config.user_id,
        "date_created": now,
        "date_imported": now,
        "date_modified": now,
        "date_deleted": None,
        "deleted_by_user": None,
        "versions": [new_version(state, 1)],
    }
    asset.update({k: v for k, v in fields.items() if k != "collection_id"})
    mark_current(asset)
    return IndexedAsset(asset)


def mark_current(asset: dict[str, Any]) -> None:
    """Keep ``default_version_id`` on the first entry of ``versions`` (the current version)."""
    asset["default_version_id"] = asset["versions"][0]["id"]


def get_asset(state: IconikState, asset_id: str) -> dict[str, Any]:
    asset = state.assets.get(asset_id)
    if asset is None:
        raise not_found("Asset")
    return asset


def get_version(asset: dict[str, Any], version_id: str) -> dict[str, Any]:
    for version in asset["versions"]:
        if version["id"] == version_id:
            return dict(version)
    raise not_found("Asset version")


def current_version_id(asset: Mapping[str, Any]) -> str:
    """The asset's current version, which files, metadata, approvals and segments attach to.

    ``default_version_id`` (kept current by create and promote), else the first listed version.
    """
    if asset.get("default_version_id"):
        return str(asset["default_version_id"])
    versions = asset.get("versions") or []
    return str(versions[0]["id"]) if versions else ""


def containing_collections(state: IconikState, object_type: str, object_id: str) -> list[str]:
    return [
        cid
        for cid, contents in state.collection_contents.items()
        if any(c["object_type"] == object_type and c["object_id"] == object_id for c in contents)
    ]


def asset_view(
    state: IconikState, asset: dict[str, Any], *, include_collections: bool = False
) -> dict[str, Any]:
    """The ``AssetSchema`` answer (a copy, so callers and events never share mutable state)."""
    view = copy.deepcopy(asset)
    if include_collections:
        view["in_collections"] = containing_collections(state, "assets", asset["id"])
    return view


def asset_elastic(state: IconikState, asset: dict[str, Any]) -> dict[str, Any]:
    """``AssetElasticSchema``: the asset as list endpoints and search documents show it (reference §3.2)."""
    asset_id = asset["id"]
    in_collections = containing_collections(state, "assets", asset_id)
    ancestors: list[str] = []
    for cid in in_collections:
        collection = state.collections.get(cid)
        for ancestor in [*(collection or {}).get("parents", []), cid]:
            if ancestor not in ancestors:
                ancestors.append(ancestor)
    comments = sum(
        1
        for s in state.segments.values()
        if s["asset_id"] == asset_id and s["segment_type"] == "COMMENT" and s["status"] == "ACTIVE"
    )
    view = asset_view(state, asset)
    view.update(
        {
            "object_type": "assets",
            "in_collections": in_collections,
            "ancestor_collections": ancestors,
            "versions_number": len(asset["versions"]),
            "comments_count": comments,
            "metadata": copy.deepcopy(
                state.metadata_values.get(("assets", asset_id, current_version_id(asset)), {})
            ),
            "files": [copy.deepcopy(f) for f in state.files.values() if f.get("asset_id") == asset_id],
            "proxies": [copy.deepcopy(p) for p in state.proxies.values() if p.get("asset_id") == asset_id],
            "keyframes": [
                copy.deepcopy(k) for k in state.keyframes.values() if k.get("asset_id") == asset_id
            ],
            "media_type": None,
        }
    )
    return view


def emit_asset(state: IconikState, operation: str, asset: dict[str, Any]) -> None:
    state.emit("assets", "entity", operation, asset["id"], asset_view(state, asset))


def soft_delete_asset(state: IconikState, asset: dict[str, Any]) -> None:
    """DELETE: status DELETED and an entry in the delete queue (reference §3.1, §9)."""
    if asset["status"] == "DELETED" and asset["id"] in state.delete_queue:
        return
    now = state.now()
    asset.update(status="DELETED", date_deleted=now, deleted_by_user=state.config.user_id, date_modified=now)
    state.delete_queue[asset["id"]] = {
        "object_id": asset["id"],
        "object_type": "assets",
        "date_deleted": now,
        "deleted_by_user": state.config.user_id,
    }
    emit_asset(state, "delete", asset)


def restore_asset(state: IconikState, asset: dict[str, Any]) -> None:
    if asset["status"] != "DELETED":
        return
    asset.update(status="ACTIVE", date_deleted=None, deleted_by_user=None, date_modified=state.now())
    state.delete_queue.pop(asset["id"], None)
    emit_asset(state, "restore", asset)


def purge_asset(state: IconikState, asset: dict[str, Any]) -> None:
    """Permanent removal, with everything hanging off the asset in this service."""
    asset_id = asset["id"]
    state.assets.pop(asset_id, None)
    state.delete_queue.pop(asset_id, None)
    for contents in state.collection_contents.values():
        contents[:] = [
            c for c in contents if not (c["object_type"] == "assets" and c["object_id"] == asset_id)
        ]
    for sid in [sid for sid, s in state.segments.items() if s["asset_id"] == asset_id]:
        del state.segments[sid]
    for sid in [
        sid for sid, s in state.shares.items() if s["object_type"] == "assets" and s["object_id"] == asset_id
    ]:
        del state.shares[sid]
    for key in [k for k in state.approvals if k[0] == "assets" and k[1] == asset_id]:
        del state.approvals[key]
    state.emit("assets", "entity", "purge", asset_id, asset_view(state, asset))


def sorted_by(request: Request, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """iconik's ``sort=field,asc;other,desc`` query parameter (reference §2.1); nulls sort first."""
    result = list(items)
    raw = request.query_params.get("sort")
    if not raw:
        return result
    keys: list[tuple[str, bool]] = []
    for part in raw.split(";"):
        if not part.strip():
            continue
        name, _, direction = part.partition(",")
        direction = check_choice("sort", direction.strip().lower() or "asc", ("asc", "desc"))
        keys.append((name.strip(), direction == "desc"))
    for name, descending in reversed(keys):
        result.sort(key=partial(_field_key, name), reverse=descending)
    return result


def _field_key(name: str, item: dict[str, Any]) -> tuple[int, float, str]:
    """Nulls first, then numbers by value, then everything else as text."""
    value = item.get(name)
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, float(value), "")
    return (2, 0.0, str(value))


def check_ids(state: IconikState, ids: list[str], what: str = "Asset") -> list[dict[str, Any]]:
    """All the assets named, or 404 for the first unknown id (nothing changes on a 404)."""
    found = []
    for asset_id in ids:
        asset = state.assets.get(asset_id)
        if asset is None:
            raise not_found(what)
        found.append(asset)
    return found


def require_uuid_list(body: dict[str, Any], name: str, *, max_items: int | None = None) -> list[str]:
    spec = F("list[uuid]", required=True, max_items=max_items)
    value: list[str] = check_body(body, {name: spec})[name]
    if not value:
        raise IconikHTTPError(400, {name: ["Shorter than minimum length 1."]})
    return value

"""Collection objects of the emulator: the tree (``parent_id``/``parents``), contents and soft delete.

A collection's ``parents`` lists its ancestors root first. Contents are kept per collection in
``state.collection_contents`` as ``{object_id, object_type, date_created}``; a sub-collection is
both a content entry of its parent and has ``parent_id`` set (reference §6.1).
"""

from __future__ import annotations

import copy
from typing import Any

from assetbridge_sandbox.iconik.asset_fields import F, check_choice, enum
from assetbridge_sandbox.iconik.asset_store import containing_collections, get_asset
from assetbridge_sandbox.iconik.common import IconikHTTPError, new_id, not_found
from assetbridge_sandbox.iconik.state import IconikState

COLLECTION_STATUS = ("ACTIVE", "HIDDEN", "DELETED")
CONTENT_TYPES = ("assets", "collections")

COLLECTION_FIELDS: dict[str, F] = {
    "title": F("string", required=True),
    "parent_id": F("uuid", nullable=True),
    "is_root": F("bool"),
    "status": enum(*COLLECTION_STATUS),
    "external_id": F("string", nullable=True),
    "category": F("string", nullable=True),
    "custom_keyframe": F("uuid", nullable=True),
    "custom_poster": F("uuid", nullable=True),
    "keyframe_asset_ids": F("list[uuid]"),
    "storage_id": F("uuid", nullable=True),
    "date_created": F("datetime"),
}


def get_collection(state: IconikState, collection_id: str) -> dict[str, Any]:
    collection = state.collections.get(collection_id)
    if collection is None:
        raise not_found("Collection")
    return collection


def get_object(state: IconikState, object_type: str, object_id: str) -> dict[str, Any]:
    """The asset or collection behind an ``/{object_type}/{object_id}/`` path (shares, approvals)."""
    check_choice("object_type", object_type, CONTENT_TYPES)
    if object_type == "assets":
        return get_asset(state, object_id)
    return get_collection(state, object_id)


def new_collection(state: IconikState, fields: dict[str, Any]) -> dict[str, Any]:
    now = state.now()
    collection: dict[str, Any] = {
        "id": new_id(),
        "title": fields["title"],
        "object_type": "collections",
        "status": "ACTIVE",
        "parent_id": None,
        "parents": [],
        "is_root": True,
        "external_id": None,
        "category": None,
        "custom_keyframe": None,
        "custom_poster": None,
        "keyframe_asset_ids": [],
        "keyframes": [],
        "storage_id": None,
        "custom_order_status": "DISABLED",
        "favoured": False,
        "permissions": ["read", "write", "delete", "change-acl"],
        "created_by_user": state.config.user_id,
        "date_created": now,
        "date_modified": now,
        "date_deleted": None,
        "deleted_by_user": None,
    }
    collection.update({k: v for k, v in fields.items() if k != "parent_id"})
    state.collections[collection["id"]] = collection
    state.collection_contents.setdefault(collection["id"], [])
    return collection


def _ancestors(state: IconikState, collection_id: str) -> list[str]:
    chain: list[str] = []
    parent = state.collections.get(collection_id, {}).get("parent_id")
    while parent and parent not in chain and parent in state.collections:
        chain.insert(0, parent)
        parent = state.collections[parent].get("parent_id")
    return chain


def refresh_parents(state: IconikState) -> None:
    for cid, collection in state.collections.items():
        collection["parents"] = _ancestors(state, cid)
        collection["is_root"] = collection.get("parent_id") is None


def set_parent(state: IconikState, collection: dict[str, Any], parent_id: str | None) -> None:
    """Move ``collection`` under ``parent_id`` (None = to the root), keeping contents in step."""
    cid = collection["id"]
    if parent_id is not None:
        get_collection(state, parent_id)
        if parent_id == cid or cid in _ancestors(state, parent_id):
            raise IconikHTTPError(400, {"parent_id": ["A collection can not be moved inside itself."]})
    old_parent = collection.get("parent_id")
    if old_parent == parent_id:
        return
    if old_parent in state.collection_contents:
        remove_content(state, old_parent, "collections", cid)
    collection["parent_id"] = parent_id
    if parent_id is not None:
        add_content(state, parent_id, "collections", cid)
    refresh_parents(state)


def collection_view(state: IconikState, collection: dict[str, Any]) -> dict[str, Any]:
    view = copy.deepcopy(collection)
    view["in_collections"] = containing_collections(state, "collections", collection["id"])
    return view


def _content_event(state: IconikState, operation: str, collection_id: str, entry: dict[str, Any]) -> None:
    data = {
        "collection_id": collection_id,
        "date_created": entry["date_created"],
        "object_id": entry["object_id"],
        "object_type": entry["object_type"],
        "parents": list(state.collections[collection_id].get("parents", [])),
    }
    state.emit("collections", "contents", operation, entry["object_id"], data)


def add_content(state: IconikState, collection_id: str, object_type: str, object_id: str) -> bool:
    """Add one object to a collection; False if it was already there (no event then)."""
    contents = state.collection_contents.setdefault(collection_id, [])
    if any(c["object_type"] == object_type and c["object_id"] == object_id for c in contents):
        return False
    entry = {"object_id": object_id, "object_type": object_type, "date_created": state.now()}
    contents.append(entry)
    state.collections[collection_id]["date_modified"] = state.now()
    _content_event(state, "create", collection_id, entry)
    return True


def remove_content(state: IconikState, collection_id: str, object_type: str, object_id: str) -> bool:
    contents = state.collection_contents.get(collection_id, [])
    for entry in contents:
        if entry["object_type"] == object_type and entry["object_id"] == object_id:
            contents.remove(entry)
            state.collections[collection_id]["date_modified"] = state.now()
            _content_event(state, "delete", collection_id, entry)
            return True
    return False


def emit_collection(state: IconikState, operation: str, collection: dict[str, Any]) -> None:
    state.emit("collections", "entity", operation, collection["id"], collection_view(state, collection))


def soft_delete_collection(state: IconikState, collection: dict[str, Any]) -> None:
    if collection["status"] == "DELETED" and collection["id"] in state.delete_queue:
        return
    now = state.now()
    collection.update(
        status="DELETED", date_deleted=now, deleted_by_user=state.config.user_id, date_modified=now
    )
    state.delete_queue[collection["id"]] = {
        "object_id": collection["id"],
        "object_type": "collections",
        "date_deleted": now,
        "deleted_by_user": state.config.user_id,
    }
    emit_collection(state, "delete", collection)


def restore_collection(state: IconikState, collection: dict[str, Any]) -> None:
    if collection["status"] != "DELETED":
        return
    collection.update(status="ACTIVE", date_deleted=None, deleted_by_user=None, date_modified=state.now())
    state.delete_queue.pop(collection["id"], None)
    emit_collection(state, "restore", collection)


def purge_collection(state: IconikState, collection: dict[str, Any]) -> None:
    """Remove the collection and its content links; its sub-collections become root collections."""
    cid = collection["id"]
    for child in state.collections.values():
        if child.get("parent_id") == cid:
            child["parent_id"] = None
    for other_id in containing_collections(state, "collections", cid):
        remove_content(state, other_id, "collections", cid)
    state.collections.pop(cid, None)
    state.collection_contents.pop(cid, None)
    state.delete_queue.pop(cid, None)
    for sid in [
        s for s, v in state.shares.items() if v["object_type"] == "collections" and v["object_id"] == cid
    ]:
        del state.shares[sid]
    for key in [k for k in state.approvals if k[0] == "collections" and k[1] == cid]:
        del state.approvals[key]
    refresh_parents(state)
    state.emit("collections", "entity", "purge", cid, collection_view(state, collection))

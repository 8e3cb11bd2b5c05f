"""Search documents: what iconik's index holds for an asset or collection (reference §3.2, §7.3).

An asset document is the AssetSchema plus ``metadata`` (``{field: [values]}``), ``object_type``,
``in_collections`` and ``ancestor_collections``. Field lookup for filters accepts both ``X`` and
``metadata.X`` for metadata fields (reference §7.4).
"""

from __future__ import annotations

import copy
from typing import Any

from assetbridge_sandbox.iconik.asset_store import asset_elastic
from assetbridge_sandbox.iconik.collection_store import collection_view
from assetbridge_sandbox.iconik.metadata_values import object_metadata
from assetbridge_sandbox.iconik.state import IconikState


def membership(state: IconikState) -> dict[tuple[str, str], list[str]]:
    """(object_type, object_id) → ids of the collections that directly contain it."""
    parents: dict[tuple[str, str], list[str]] = {}
    for collection_id, entries in state.collection_contents.items():
        for entry in entries:
            key = (str(entry.get("object_type") or "assets"), str(entry.get("object_id")))
            parents.setdefault(key, []).append(collection_id)
    for collection_id, collection in state.collections.items():
        parent = collection.get("parent_id")
        if parent:
            key = ("collections", collection_id)
            if parent not in parents.setdefault(key, []):
                parents[key].append(str(parent))
    return parents


def _ancestors(direct: list[str], parents: dict[tuple[str, str], list[str]]) -> list[str]:
    seen: list[str] = []
    stack = list(direct)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.append(current)
        stack.extend(parents.get(("collections", current), []))
    return seen


def _base_document(state: IconikState, object_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The AssetElasticSchema / collection view the list endpoints show (a copy of the stored dict).

    Assets put into the state without versions (tests, hand-made fixtures) are shown as stored.
    """
    if object_type == "assets":
        return asset_elastic(state, obj) if obj.get("versions") else copy.deepcopy(obj)
    return collection_view(state, obj)


def document(
    state: IconikState,
    object_type: str,
    object_id: str,
    obj: dict[str, Any],
    parents: dict[tuple[str, str], list[str]],
) -> dict[str, Any]:
    """The search document of one asset or collection (``parents`` from ``membership``)."""
    doc = _base_document(state, object_type, obj)
    direct = list(
        dict.fromkeys([*(obj.get("in_collections") or []), *parents.get((object_type, object_id), [])])
    )
    doc["in_collections"] = direct
    doc["ancestor_collections"] = _ancestors(direct, parents)
    doc["metadata"] = {k: list(v) for k, v in object_metadata(state, object_type, object_id).items()}
    doc["object_type"] = object_type
    return doc


def build_documents(state: IconikState, doc_types: list[str]) -> list[dict[str, Any]]:
    parents = membership(state)
    docs: list[dict[str, Any]] = []
    sources = (("assets", state.assets), ("collections", state.collections))
    for object_type, objects in sources:
        if object_type not in doc_types:
            continue
        docs.extend(document(state, object_type, oid, obj, parents) for oid, obj in objects.items())
    return docs


def field_values(doc: dict[str, Any], name: str) -> list[Any]:
    """Every value of ``name`` in a document: top-level keys, dotted paths, then metadata fields."""
    if name.startswith("metadata."):
        return list(doc.get("metadata", {}).get(name[len("metadata.") :], []))
    if name in doc and name != "metadata":
        return _flatten(doc[name])
    if "." in name:
        head, rest = name.split(".", 1)
        nested = doc.get(head)
        items = nested if isinstance(nested, list) else [nested]
        out: list[Any] = []
        for item in items:
            if isinstance(item, dict):
                out.extend(field_values(item, rest))
        return out
    return list(doc.get("metadata", {}).get(name, []))


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [v for v in value if v is not None]
    return [value]


def project(doc: dict[str, Any], include: list[str] | None, exclude: list[str] | None) -> dict[str, Any]:
    """Apply ``include_fields``/``exclude_fields``; ``id``, ``object_type`` and ``_sort`` always stay."""
    result = doc
    if include:
        result = {k: v for k, v in doc.items() if k in include or k in ("id", "object_type", "_sort")}
        wanted_meta = [f.split(".", 1)[1] for f in include if f.startswith("metadata.")]
        if wanted_meta and "metadata" not in include:
            result["metadata"] = {k: v for k, v in doc.get("metadata", {}).items() if k in wanted_meta}
    if exclude:
        result = {k: v for k, v in result.items() if k not in exclude}
    return result

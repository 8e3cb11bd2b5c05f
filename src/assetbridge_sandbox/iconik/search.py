"""iconik emulator: ``POST /API/search/v1/search/`` (reference §7).

Indexing is synchronous (no index lag). Deleted objects are left out unless the criteria filter or
query on ``status``. Supported: ``doc_types`` assets/collections (other types are accepted and yield
nothing), ``query`` (see ``search_query``), ``filter`` (AND/OR/NOT, value/value_in/range/exists/missing,
nested ``filters``), ``sort``, ``search_after``, ``include_fields``/``exclude_fields``, ``facets``.
The searches a sync makes are answered from indexes (``search_fast``); the rest build every document.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from fastapi import APIRouter, Request

from assetbridge_sandbox.iconik.common import IconikHTTPError, int_param, json_body, paginate
from assetbridge_sandbox.iconik.search_criteria import (
    after_index,
    bad,
    compile_filter,
    doc_types,
    filter_names,
    sort_documents,
    sort_spec,
    string_list,
)
from assetbridge_sandbox.iconik.search_docs import build_documents, field_values, project
from assetbridge_sandbox.iconik.search_fast import Hits, indexed_search
from assetbridge_sandbox.iconik.search_query import mentions_status, parse_query
from assetbridge_sandbox.iconik.search_values import term_text
from assetbridge_sandbox.iconik.state import IconikState


def _facets(docs: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in names:
        counts: Counter[str] = Counter()
        for doc in docs:
            for value in {term_text(v) if isinstance(v, bool) else str(v) for v in field_values(doc, name)}:
                counts[value] += 1
        buckets = [
            {"key": k, "doc_count": n} for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        result[name] = {"buckets": buckets}
    return result


def search(state: IconikState, body: dict[str, Any]) -> tuple[Hits, dict[str, Any]]:
    """Matching documents in result order (each with ``_sort``), and the facets."""
    types = doc_types(body)
    query = body.get("query") or ""
    if not isinstance(query, str):
        raise bad("query", "Not a valid string.")
    matches_query = parse_query(query)
    matches_filter = compile_filter(body["filter"]) if body.get("filter") is not None else None
    show_deleted = "status" in filter_names(body.get("filter")) or mentions_status(query)
    spec = sort_spec(body)
    facet_names = string_list(body, "facets") or []
    indexed = indexed_search(
        state,
        types=types,
        query=query,
        facets=facet_names,
        filter_spec=body.get("filter"),
        matches=matches_filter,
        show_deleted=show_deleted,
        spec=spec,
    )
    if indexed is not None:
        return indexed, {}
    hits = []
    for doc in build_documents(state, types):
        if not show_deleted and doc.get("status") == "DELETED":
            continue
        if matches_query(doc) and (matches_filter is None or matches_filter(doc)):
            hits.append(doc)
    docs = sort_documents(hits, spec)
    return Hits(docs, [doc["_sort"] for doc in docs]), _facets(hits, facet_names)


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix="/API/search/v1")

    @router.post("/search/")
    async def run_search(request: Request) -> dict[str, Any]:
        body = await json_body(request, required=False)
        include = string_list(body, "include_fields")
        exclude = string_list(body, "exclude_fields")
        hits, facets = search(state, body)
        cursor = body.get("search_after")
        if cursor:
            per_page = int_param(request, "per_page", 10, minimum=0, maximum=1000)
            start = after_index(hits.keys, cursor, sort_spec(body))
            envelope: dict[str, Any] = {
                "objects": hits[start : start + per_page],
                "page": 1,
                "pages": max(1, math.ceil(len(hits) / per_page)) if per_page else 1,
                "per_page": per_page,
                "total": len(hits),
            }
        elif cursor is not None and not isinstance(cursor, list):
            raise IconikHTTPError(400, {"search_after": ["Not a valid list."]})
        else:
            envelope = paginate(request, hits, default_per_page=10, max_per_page=1000)
        envelope["objects"] = [project(doc, include, exclude) for doc in envelope["objects"]]
        envelope["facets"] = facets
        return envelope

    return router

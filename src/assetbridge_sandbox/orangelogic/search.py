"""Search v3.0/v4.0 (reference §3): query language, ``fields``, paging, sort, ``GlobalInfo``.

Value encoding (reference §3.4): v3 answers strings (multi-values joined with ", "); v4 answers
authority fields as ``{"Value": ...}`` (single) or ``[{"Value": ...}]`` (multi) and tags as
``[{"KeywordText": ...}]``. Dates use the locale form ``M/d/yyyy h:mm:ss AM`` unless ``DateFormat`` is
sent. Item keys echo the requested spelling. ``countperpage`` above ``search_max_page_size`` is clamped
silently (open question §12.2). ``NextPage.href`` omits ``format`` and embeds the caller's token, and is
absent on the last page. A malformed query answers the legacy error envelope, never a 500.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from assetbridge_sandbox.orangelogic import fields as F
from assetbridge_sandbox.orangelogic.common import OLError, format_date, json_response
from assetbridge_sandbox.orangelogic.renditions import path_field
from assetbridge_sandbox.orangelogic.routing import Ctx
from assetbridge_sandbox.orangelogic.search_query import (
    Lookup,
    Node,
    QuerySyntaxError,
    criteria,
    matches,
    parse_query,
)
from assetbridge_sandbox.orangelogic.state import OLState, Record

DEFAULT_FIELDS = ["SystemIdentifier", "RecordID", "Title", "MediaType", "CreateDate", "EditDate"]
DEFAULT_PAGE_SIZE = 100
SORTS: dict[str, tuple[str, bool, str]] = {
    "relevancy": ("order", False, "Relevancy"),
    "ranking": ("order", False, "Relevancy"),
    "1": ("order", False, "Relevancy"),
    "newest first": ("created", True, "Newest first"),
    "newest": ("created", True, "Newest first"),
    "createdate desc": ("created", True, "Newest first"),
    "oldest first": ("created", False, "Oldest first"),
    "oldest": ("created", False, "Oldest first"),
    "createdate asc": ("created", False, "Oldest first"),
    "editdate asc": ("edited", False, "EditDate asc"),
    "editdate desc": ("edited", True, "EditDate desc"),
    "last edited": ("edited", True, "EditDate desc"),
    "title asc": ("title", False, "Title asc"),
    "title desc": ("title", True, "Title desc"),
}


def _validate(state: OLState, node: Node) -> None:
    for term in criteria(node):
        if term.field is None:
            continue
        key = term.field.lower()
        builtin = key in F.SPECIAL or key in ("mediatype", "doctype", "keyword(common)", "nativekeyword")
        if not builtin and state.tenant.field(term.field) is None:
            raise OLError(400, f"Unknown search criterion '{term.field}'", code="INVALID_QUERY")
        if term.op != ":":
            fdef = state.tenant.field(term.field)
            if fdef is None or fdef.type != "date":
                raise OLError(
                    400, f"'{term.op}' can only be used on date criteria ({term.field})", code="INVALID_QUERY"
                )


def _requested_fields(ctx: Ctx) -> list[str]:
    names: list[str] = []
    for raw in ctx.params.getall("fields"):
        names.extend(part.strip() for part in raw.split(",") if part.strip())
    return names or list(DEFAULT_FIELDS)


def _render(ctx: Ctx, record: Record, name: str, v4: bool) -> Any:
    state = ctx.state
    if name.lower().startswith("path_"):
        return path_field(state, ctx.base_url(), record, name[5:])
    lowered = name.lower()
    if lowered in ("mediatype", "doctype", "corefield.doctype"):
        return record.search_doc_type
    if lowered in ("maxwidth", "corefield.maxwidth"):
        return str(record.width or "")
    if lowered in ("maxheight", "corefield.maxheight"):
        return str(record.height or "")
    values = F.lookup(state, record, name)
    if values is None:
        return ""
    date_format = ctx.params.get("DateFormat")
    texts = [format_date(v, date_format) if isinstance(v, datetime) else v for v in values]
    fdef = state.tenant.field(name)
    if v4 and fdef is not None and fdef.type == "select":
        if fdef.name == "CoreField.Keywords":
            return [{"KeywordText": t} for t in texts]
        if fdef.multi:
            return [{"Value": t} for t in texts]
        return {"Value": texts[0]} if texts else ""
    return ", ".join(texts)


def _lookup(state: OLState, record: Record) -> Lookup:
    def lookup(name: str | None) -> list[str | datetime]:
        return F.lookup(state, record, name) or []

    return lookup


def _sort_key(kind: str, order: dict[str, int]) -> Any:
    def key(record: Record) -> Any:
        if kind == "created":
            return (record.created, order[record.record_id])
        if kind == "edited":
            return (record.edited, order[record.record_id])
        if kind == "title":
            title = record.values.get("CoreField.Title", "")
            return (str(title).casefold(), order[record.record_id])
        return order[record.record_id]

    return key


async def search(ctx: Ctx) -> Response:
    started = time.perf_counter()
    state, params = ctx.state, ctx.params
    queries = params.getall("query")
    if len(queries) > 1:
        raise OLError(400, "Only one 'query' parameter is allowed", code="INVALID_QUERY")
    try:
        node = parse_query(queries[0] if queries else "")
    except QuerySyntaxError as exc:
        raise OLError(400, f"The search query is not valid: {exc}", code="INVALID_QUERY") from exc
    _validate(state, node)
    page_size = min(max(1, params.int("countperpage", DEFAULT_PAGE_SIZE)), state.config.search_max_page_size)
    page = params.int("pagenumber", 1)
    if page < 1:
        raise OLError(400, "pagenumber must be 1 or more", code="INVALID_PARAMETER")
    sort_raw = (params.get("sort") or "Relevancy").strip()
    kind, reverse, sort_name = SORTS.get(sort_raw.lower(), SORTS["relevancy"])

    order = {rid: i for i, rid in enumerate(state.records)}
    hits = [
        r
        for r in state.records.values()
        if r.searchable and r is not state.root and matches(node, _lookup(state, r))
    ]
    hits.sort(key=_sort_key(kind, order), reverse=reverse)
    total = len(hits)
    window = hits[(page - 1) * page_size : page * page_size]
    wanted = _requested_fields(ctx)
    v4 = ctx.version.startswith("v4")
    items = [{name: _render(ctx, r, name, v4) for name in wanted} for r in window]
    info: dict[str, Any] = {
        "TotalCount": total,
        "QueryDurationMilliseconds": int((time.perf_counter() - started) * 1000),
        "Sort": sort_name,
    }
    if page * page_size < total:
        query: dict[str, str] = {
            "pagenumber": str(page + 1),
            "countperpage": str(page_size),
            "fields": ",".join(wanted),
            "Sort": sort_raw,
            "query": queries[0] if queries else "",
        }
        if params.get("DateFormat"):
            query["DateFormat"] = params.get("DateFormat") or ""
        if ctx.token is not None:
            query["token"] = ctx.token.token
        info["NextPage"] = {
            "href": f"{ctx.base_url()}/API/{ctx.version}/Search/search?{urlencode(query)}",
            "rel": "next",
        }
    return json_response({"APIRequestInfo": ctx.info(), "APIResponse": {"GlobalInfo": info, "Items": items}})

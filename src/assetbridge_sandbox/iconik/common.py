"""Pieces every iconik route module shares: ids, errors, pagination, request bodies.

Facts from iconik's OpenAPI specs (reference §1–§2): ids are time-based UUIDv1; errors are
``{"errors": [...]}`` or ``{"errors": {field: message}}``; list envelopes carry
``objects/page/pages/per_page/total`` and relative ``first_url/prev_url/next_url/last_url``; a page
past the last one is 404 "Requested page does not exist"; ``per_page`` is at most 1000 (100 on jobs).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response


def new_id() -> str:
    return str(uuid.uuid1())


class IconikHTTPError(Exception):
    """Raised by route code; rendered as iconik's error body with ``status``."""

    def __init__(self, status: int, errors: list[str] | dict[str, Any] | str) -> None:
        super().__init__(str(errors))
        self.status = status
        self.errors: list[str] | dict[str, Any] = [errors] if isinstance(errors, str) else errors


def error_response(status: int, errors: list[str] | dict[str, Any] | str) -> JSONResponse:
    body = {"errors": [errors] if isinstance(errors, str) else errors}
    return JSONResponse(body, status_code=status)


def not_found(what: str) -> IconikHTTPError:
    """404 with iconik's wording, e.g. ``not_found("Asset")`` → "Asset does not exist"."""
    return IconikHTTPError(404, f"{what} does not exist")


def no_content() -> Response:
    return Response(status_code=204)


async def json_body(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The request's JSON object, or 400 in iconik's shape when it is missing, malformed or not an object."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise IconikHTTPError(400, "Request body is required")
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise IconikHTTPError(400, "Invalid JSON in request body") from None
    if not isinstance(data, dict):
        raise IconikHTTPError(400, "Request body must be a JSON object")
    return data


def int_param(
    request: Request, name: str, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise IconikHTTPError(400, {name: ["Not a valid integer."]}) from None
    if value < minimum or (maximum is not None and value > maximum):
        allowed = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise IconikHTTPError(400, {name: [f"Must be {allowed}."]})
    return value


def bool_param(request: Request, name: str, default: bool = False) -> bool:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    return raw.lower() in {"1", "true", "yes", "on"}


def _page_url(request: Request, page: int, per_page: int) -> str:
    params = dict(request.query_params)
    params["page"] = str(page)
    params["per_page"] = str(per_page)
    return f"{request.url.path}?{urlencode(params)}"


def paginate(
    request: Request,
    items: Sequence[dict[str, Any]],
    *,
    default_per_page: int = 10,
    max_per_page: int = 1000,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Page-number pagination exactly as iconik's list envelopes (reference §2.1)."""
    per_page = int_param(request, "per_page", default_per_page, minimum=0, maximum=max_per_page)
    page = int_param(request, "page", 1, minimum=1, maximum=10000)
    total = len(items)
    pages = max(1, math.ceil(total / per_page)) if per_page else 1
    if page > pages:
        raise IconikHTTPError(404, "Requested page does not exist")
    start = (page - 1) * per_page
    objects = list(items[start : start + per_page]) if per_page else []
    envelope: dict[str, Any] = {
        "objects": objects,
        "page": page,
        "pages": pages,
        "per_page": per_page,
        "total": total,
        "first_url": _page_url(request, 1, per_page),
        "last_url": _page_url(request, pages, per_page),
    }
    if page > 1:
        envelope["prev_url"] = _page_url(request, page - 1, per_page)
    if page < pages:
        envelope["next_url"] = _page_url(request, page + 1, per_page)
    if extra:
        envelope.update(extra)
    return envelope


def paginate_last_id(
    request: Request,
    items: Sequence[dict[str, Any]],
    *,
    default_per_page: int = 10,
    max_per_page: int = 1000,
    id_key: str = "id",
    cursor_param: str = "last_id",
) -> dict[str, Any]:
    """Cursor pagination of the files service (reference §2.2): ``per_page`` + ``last_id``."""
    per_page = int_param(request, "per_page", default_per_page, minimum=1, maximum=max_per_page)
    last_id = request.query_params.get(cursor_param)
    start = 0
    if last_id:
        ids = [str(item[id_key]) for item in items]
        if last_id not in ids:
            raise IconikHTTPError(400, {cursor_param: [f"Unknown {cursor_param}"]})
        start = ids.index(last_id) + 1
    objects = list(items[start : start + per_page])
    envelope: dict[str, Any] = {"objects": objects, "per_page": per_page, "total": len(items)}
    if start + per_page < len(items) and objects:
        params = dict(request.query_params)
        params[cursor_param] = str(objects[-1][id_key])
        params["per_page"] = str(per_page)
        envelope["next_url"] = f"{request.url.path}?{urlencode(params)}"
    return envelope

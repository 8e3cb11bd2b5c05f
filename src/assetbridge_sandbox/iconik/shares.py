"""``/API/assets/v1/{object_type}/{object_id}/shares/`` for assets and collections (reference §6.2).

Spec facts: POST answers **202** with ``url`` null (iconik e-mails the links); ``shares/url/`` answers
200 with ``url``; the list is cursor-paginated with ``per_page`` + ``last_id``. A share stays readable
after it expires: the spec has no expired flag, so expiry shows as ``expires`` earlier than the
sandbox clock. Events: ``event_type`` = the object type, realm ``shares``, ``object_id`` = share id.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.clock import iso, parse_iso
from assetbridge_sandbox.iconik.asset_fields import F, check_body
from assetbridge_sandbox.iconik.collection_store import get_object
from assetbridge_sandbox.iconik.common import json_body, new_id, no_content, not_found, paginate_last_id
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/{object_type}/{object_id}/shares"
REQUIRED_FLAGS = (
    "allow_approving_comments",
    "allow_comments",
    "allow_download",
    "allow_setting_approve_status",
)
OPTIONAL_FLAGS = (
    "allow_custom_actions",
    "allow_download_proxy",
    "allow_upload",
    "allow_user_search_for_mentions",
    "allow_view_transcriptions",
    "allow_view_versions",
)
SHARE_FIELDS: dict[str, F] = {
    **{name: F("bool", required=True) for name in REQUIRED_FLAGS},
    **{name: F("bool") for name in OPTIONAL_FLAGS},
    "show_watermark": F("bool", nullable=True),
    "is_approval": F("bool", nullable=True),
    "expires": F("datetime"),
    "message": F("string", nullable=True),
    "metadata_views": F("list[string]", nullable=True),
    "password": F("string", nullable=True),
    "project_id": F("uuid", nullable=True),
    "title": F("string", nullable=True),
    "upload_storage_id": F("uuid", nullable=True),
}
SHARE_CREATE_FIELDS: dict[str, F] = {**SHARE_FIELDS, "emails": F("list[email]", required=True)}


def _public(share: dict[str, Any]) -> dict[str, Any]:
    """``ShareSchema``: the stored ``GetShareSchema`` without its ``users``."""
    return {k: copy.deepcopy(v) for k, v in share.items() if k != "users"}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def apply(share: dict[str, Any], fields: dict[str, Any]) -> None:
        if "expires" in fields:
            fields["expires"] = iso(parse_iso(fields["expires"]))
        if "password" in fields:
            share["has_password"] = bool(fields.pop("password"))
        share.update(fields)

    def create(object_type: str, object_id: str, fields: dict[str, Any], url: str | None) -> dict[str, Any]:
        get_object(state, object_type, object_id)
        share_id = new_id()
        share: dict[str, Any] = {
            "id": share_id,
            "object_id": object_id,
            "object_type": object_type,
            "owner_id": state.config.user_id,
            "system_domain_id": state.config.system_domain_id,
            "date_created": state.now(),
            "has_password": False,
            "title": None,
            "message": None,
            "metadata_views": None,
            "project_id": None,
            "show_watermark": None,
            "is_approval": None,
            "upload_storage_id": None,
            **{name: False for name in OPTIONAL_FLAGS},
            "url": url and f"{url}?share_id={share_id}",
            "users": [],
        }
        emails: list[str] = fields.pop("emails", [])
        apply(share, fields)
        share["users"] = [
            {
                "id": new_id(),
                "email": e,
                "share_id": share_id,
                "object_id": object_id,
                "object_type": object_type,
            }
            for e in emails
        ]
        state.shares[share_id] = share
        state.emit(object_type, "shares", "create", share_id, _public(share))
        return share

    def get_share(object_type: str, object_id: str, share_id: str) -> dict[str, Any]:
        get_object(state, object_type, object_id)
        share = state.shares.get(share_id)
        if share is None or share["object_type"] != object_type or share["object_id"] != object_id:
            raise not_found("Share")
        return share

    @router.post(f"{PREFIX}/")
    async def create_share(object_type: str, object_id: str, request: Request) -> JSONResponse:
        get_object(state, object_type, object_id)
        fields = check_body(await json_body(request), SHARE_CREATE_FIELDS)
        return JSONResponse(_public(create(object_type, object_id, fields, None)), status_code=202)

    @router.post(f"{PREFIX}/url/")
    async def create_url_share(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        get_object(state, object_type, object_id)
        fields = check_body(await json_body(request), SHARE_FIELDS)
        link = f"{str(request.base_url).rstrip('/')}/share/{object_type}/{object_id}/"
        return _public(create(object_type, object_id, fields, link))

    @router.get(f"{PREFIX}/")
    async def list_shares(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        get_object(state, object_type, object_id)
        shares = [
            _public(s)
            for s in state.shares.values()
            if s["object_type"] == object_type and s["object_id"] == object_id
        ]
        return paginate_last_id(request, shares)

    @router.get(f"{PREFIX}/{{share_id}}/")
    async def read_share(object_type: str, object_id: str, share_id: str) -> dict[str, Any]:
        return copy.deepcopy(get_share(object_type, object_id, share_id))

    @router.put(f"{PREFIX}/{{share_id}}/")
    async def update_share(
        object_type: str, object_id: str, share_id: str, request: Request
    ) -> dict[str, Any]:
        share = get_share(object_type, object_id, share_id)
        apply(share, check_body(await json_body(request), SHARE_FIELDS))
        state.emit(object_type, "shares", "update", share_id, _public(share))
        return _public(share)

    @router.delete(f"{PREFIX}/{{share_id}}/")
    async def delete_share(object_type: str, object_id: str, share_id: str) -> Response:
        share = get_share(object_type, object_id, share_id)
        del state.shares[share_id]
        state.emit(object_type, "shares", "delete", share_id, _public(share))
        return no_content()

    return router

"""Custom actions (``/API/assets/v1/custom_actions/``) and the control API that "clicks" one.

Spec facts: POST 201 ``CustomActionSchema``; GET of one action is 201 in the 2025-05 spec and 200 in
the newer SDK (200 here); lists are ``{"objects": [...]}`` without pagination.

``POST /_sandbox/iconik/custom_actions/{action_id}/click`` with ``{"asset_ids": [...],
"collection_ids"?: [...], "user_id"?: "..."}`` does what a user's click in iconik's UI does: it POSTs
JSON to the action's ``url`` with the action's ``headers``. The body is the payload observed from
real iconik (reference §6.5, frameio-iconik-comments-sync): ``user_id, system_domain_id, context,
action_id, asset_ids, collection_ids, saved_search_ids, date_created, auth_token``, plus
``metadata_view_id``/``metadata_values`` when the action has a ``metadata_view``. ``auth_token`` is
the token the sandbox holds for the action's ``app_id`` (the configured token when the action has
no known app), so the receiver can call iconik back. The control call answers
``{"status_code": <receiver's status>}``; 502 if the receiver cannot be reached. Every click records
``status`` HEALTHY/FAILING and ``last_error``/``last_error_date`` on the action, as iconik shows them.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, check_choice, enum
from assetbridge_sandbox.iconik.asset_store import check_ids
from assetbridge_sandbox.iconik.collection_store import get_collection
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, new_id, no_content, not_found
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/custom_actions"
CONTEXTS = (
    "ASSET",
    "ASSET_SUBCLIP",
    "SHARED_ASSET",
    "COLLECTION",
    "SHARED_COLLECTION",
    "BULK",
    "SAVED_SEARCH",
    "NONE",
)
ACTION_FIELDS: dict[str, F] = {
    "title": F("string", required=True),
    "url": F("string", required=True),
    "context": enum(*CONTEXTS),
    "type": enum("OPEN", "POST"),
    "headers": F("object"),
    "app_id": F("uuid", nullable=True),
    "metadata_view": F("uuid", nullable=True),
    "disabled": F("bool"),
    "status": enum("FAILING", "HEALTHY"),
}
CLICK_FIELDS: dict[str, F] = {
    "asset_ids": F("list[uuid]"),
    "collection_ids": F("list[uuid]"),
    "user_id": F("uuid"),
}


def _check_headers(fields: dict[str, Any]) -> None:
    headers = fields.get("headers", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise IconikHTTPError(400, {"headers": ["Header names and values must be strings."]})


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def get_action(context: str, action_id: str) -> dict[str, Any]:
        check_choice("context", context, CONTEXTS)
        action = state.custom_actions.get(action_id)
        if action is None or action["context"] != context:
            raise not_found("Custom action")
        return action

    @router.get(f"{PREFIX}/")
    async def list_all() -> dict[str, Any]:
        return {"objects": [copy.deepcopy(a) for a in state.custom_actions.values()]}

    @router.get(f"{PREFIX}/{{context}}/")
    async def list_by_context(context: str) -> dict[str, Any]:
        check_choice("context", context, CONTEXTS)
        return {
            "objects": [copy.deepcopy(a) for a in state.custom_actions.values() if a["context"] == context]
        }

    @router.post(f"{PREFIX}/{{context}}/")
    async def create_action(context: str, request: Request) -> JSONResponse:
        check_choice("context", context, CONTEXTS)
        fields = check_body(await json_body(request), ACTION_FIELDS)
        _check_headers(fields)
        now = state.now()
        action: dict[str, Any] = {
            "id": new_id(),
            "type": "POST",
            "headers": {},
            "app_id": None,
            "metadata_view": None,
            "disabled": False,
            "status": "HEALTHY",
            **fields,
            "context": context,
            "system_domain_id": state.config.system_domain_id,
            "date_created": now,
            "date_modified": now,
        }
        state.custom_actions[action["id"]] = action
        return JSONResponse(copy.deepcopy(action), status_code=201)

    @router.get(f"{PREFIX}/{{context}}/{{action_id}}/")
    async def read_action(context: str, action_id: str) -> dict[str, Any]:
        return copy.deepcopy(get_action(context, action_id))

    async def _update(context: str, action_id: str, request: Request, *, partial: bool) -> dict[str, Any]:
        action = get_action(context, action_id)
        fields = check_body(await json_body(request), ACTION_FIELDS, partial=partial)
        _check_headers(fields)
        fields.pop("context", None)
        action.update(fields, date_modified=state.now())
        return copy.deepcopy(action)

    @router.patch(f"{PREFIX}/{{context}}/{{action_id}}/")
    async def patch_action(context: str, action_id: str, request: Request) -> dict[str, Any]:
        return await _update(context, action_id, request, partial=True)

    @router.put(f"{PREFIX}/{{context}}/{{action_id}}/")
    async def put_action(context: str, action_id: str, request: Request) -> dict[str, Any]:
        return await _update(context, action_id, request, partial=False)

    @router.delete(f"{PREFIX}/{{context}}/{{action_id}}/")
    async def delete_action(context: str, action_id: str) -> Response:
        get_action(context, action_id)
        del state.custom_actions[action_id]
        return no_content()

    return router


def build_control_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix="/_sandbox/iconik", include_in_schema=False)

    @router.post("/custom_actions/{action_id}/click")
    async def click(action_id: str, request: Request) -> dict[str, Any]:
        action = state.custom_actions.get(action_id)
        if action is None:
            raise not_found("Custom action")
        if action["disabled"]:
            raise IconikHTTPError(400, "Custom action is disabled")
        fields = check_body(await json_body(request), CLICK_FIELDS)
        asset_ids: list[str] = fields.get("asset_ids", [])
        collection_ids: list[str] = fields.get("collection_ids", [])
        check_ids(state, asset_ids)
        for cid in collection_ids:
            get_collection(state, cid)
        payload: dict[str, Any] = {
            "user_id": fields.get("user_id", state.config.user_id),
            "system_domain_id": state.config.system_domain_id,
            "context": action["context"],
            "action_id": action_id,
            "asset_ids": asset_ids,
            "collection_ids": collection_ids,
            "saved_search_ids": [],
            "date_created": state.now(),
            "auth_token": state.apps.get(action["app_id"] or "", state.config.auth_token),
        }
        if action["metadata_view"]:
            payload.update(metadata_view_id=action["metadata_view"], metadata_values={})
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                reply = await client.post(action["url"], json=payload, headers=action["headers"])
        except httpx.HTTPError as exc:
            _record(state, action, f"Custom action URL unreachable: {type(exc).__name__}")
            raise IconikHTTPError(502, f"Custom action URL unreachable: {type(exc).__name__}") from None
        ok = 200 <= reply.status_code < 300
        _record(state, action, None if ok else f"Custom action URL answered {reply.status_code}")
        return {"status_code": reply.status_code}

    return router


def _record(state: IconikState, action: dict[str, Any], error: str | None) -> None:
    if error is None:
        action["status"] = "HEALTHY"
        return
    action.update(status="FAILING", last_error=error, last_error_date=state.now())

"""Approvals (review status) on assets and collections, per asset version (reference §6.3).

State: ``state.approvals[(object_type, object_id, version_id or "")]`` =
``{"requested": <request> | None, "users": {user_id: ApprovalBySchema}, "externals": {email: ...}}``.
An asset's approvals belong to its current version; collections have no versions ("").

The aggregate ``status`` (read with ``GET …/approvals/request/``) is computed, as iconik's rule is not
documented [INF]: any approval together with any rejection is MIXED; rejections only are
NOT_APPROVED; at least ``min_number`` approvals is APPROVED; an open request (or too few approvals)
is REQUESTED; nothing at all is N/A. ``PUT …/approvals/`` records the caller's decision, or that of
``user``/``external`` in the body, which lets a test act as several reviewers.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from assetbridge_sandbox.iconik.asset_fields import F, check_body, check_choice, enum
from assetbridge_sandbox.iconik.asset_store import current_version_id, get_version
from assetbridge_sandbox.iconik.collection_store import get_object
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, no_content, not_found, paginate
from assetbridge_sandbox.iconik.state import IconikState

PREFIX = "/API/assets/v1/{object_type}/{object_id}"
APPROVAL_STATUS = ("N/A", "REQUESTED", "APPROVED", "NOT_APPROVED", "MIXED")
REQUEST_FIELDS: dict[str, F] = {
    "users": F("list[uuid]"),
    "groups": F("list[uuid]"),
    "externals": F("list[email]"),
    "min_number": F("int"),
    "share_id": F("uuid", nullable=True),
    "status": enum(*APPROVAL_STATUS),
    "request_date": F("datetime"),
    "change_date": F("datetime"),
}
DECISION_FIELDS: dict[str, F] = {
    "status": enum("N/A", "APPROVED", "NOT_APPROVED", required=True),
    "user": F("uuid"),
    "external": F("email"),
    "change_date": F("datetime"),
}
BULK_FIELDS: dict[str, F] = {
    "object_ids": F("list[uuid]", required=True, max_items=500),
    "object_type": enum("assets", "collections", "saved_searches", required=True),
}


def aggregate(record: dict[str, Any]) -> str:
    decisions = [d["status"] for d in [*record["users"].values(), *record["externals"].values()]]
    approved, rejected = decisions.count("APPROVED"), decisions.count("NOT_APPROVED")
    requested = record["requested"]
    min_number = requested["min_number"] if requested else 1
    if approved and rejected:
        return "MIXED"
    if rejected:
        return "NOT_APPROVED"
    if approved >= min_number:
        return "APPROVED"
    if requested or approved:
        return "REQUESTED"
    return "N/A"


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()

    def key(object_type: str, object_id: str, version_id: str | None = None) -> tuple[str, str, str]:
        obj = get_object(state, object_type, object_id)
        if object_type != "assets":
            if version_id is not None:
                raise not_found("Asset version")
            return (object_type, object_id, "")
        if version_id is None:
            return (object_type, object_id, current_version_id(obj))
        get_version(obj, version_id)
        return (object_type, object_id, version_id)

    def record(k: tuple[str, str, str]) -> dict[str, Any]:
        """The stored record, created on first write."""
        return state.approvals.setdefault(k, peek(k))

    def peek(k: tuple[str, str, str]) -> dict[str, Any]:
        """The stored record, or an empty one that reads leave unstored."""
        return state.approvals.get(k) or {"requested": None, "users": {}, "externals": {}}

    def view(k: tuple[str, str, str]) -> dict[str, Any]:
        rec = peek(k)
        requested = rec["requested"] or {
            "users": [],
            "groups": [],
            "externals": [],
            "min_number": 1,
            "share_id": None,
        }
        me = state.config.user_id
        user_status = rec["users"].get(me, {}).get("status")
        if user_status is None and rec["requested"] and me in requested["users"]:
            user_status = "REQUESTED"
        out = {
            **copy.deepcopy(requested),
            "object_type": k[0],
            "object_id": k[1],
            "status": aggregate(rec),
            "user_status": user_status,
            "approvals_by": [copy.deepcopy(d) for d in [*rec["users"].values(), *rec["externals"].values()]],
        }
        if k[2]:
            out["version_id"] = k[2]
        return out

    def announce(k: tuple[str, str, str], operation: str, who: str | None, decision: str | None) -> None:
        data = {
            "object_id": k[1],
            "object_type": k[0],
            "version_id": k[2] or None,
            "status": aggregate(peek(k)),
            "user_id": who,
            "user_status": decision,
            "change_date": state.now(),
        }
        state.emit(k[0], "approvals", operation, k[1], data)

    def write_request(k: tuple[str, str, str], fields: dict[str, Any], *, merge: bool) -> None:
        if fields.get("min_number", 1) < 1:
            raise IconikHTTPError(400, {"min_number": ["Must be greater than or equal to 1."]})
        rec = record(k)
        base = rec["requested"] if merge and rec["requested"] else {}
        now = state.now()
        requested = {
            "users": [],
            "groups": [],
            "externals": [],
            "min_number": 1,
            "share_id": None,
            "request_date": now,
            **base,
            **{f: v for f, v in fields.items() if f != "status"},
            "requested_by": state.config.user_id,
            "change_date": now,
        }
        if not (requested["users"] or requested["groups"] or requested["externals"]):
            raise IconikHTTPError(
                400, {"users": ["At least one user, group or external e-mail is required."]}
            )
        rec["requested"] = requested

    @router.post(f"{PREFIX}/approvals/request/")
    async def request_approval(object_type: str, object_id: str, request: Request) -> JSONResponse:
        k = key(object_type, object_id)
        write_request(k, check_body(await json_body(request), REQUEST_FIELDS), merge=False)
        announce(k, "create", state.config.user_id, None)
        return JSONResponse(view(k), status_code=201)

    @router.get(f"{PREFIX}/approvals/request/")
    async def read_request(object_type: str, object_id: str) -> dict[str, Any]:
        return view(key(object_type, object_id))

    async def _change_request(
        object_type: str, object_id: str, request: Request, merge: bool
    ) -> dict[str, Any]:
        k = key(object_type, object_id)
        if peek(k)["requested"] is None:
            raise not_found("Approval request")
        write_request(k, check_body(await json_body(request), REQUEST_FIELDS), merge=merge)
        announce(k, "update", state.config.user_id, None)
        return view(k)

    @router.patch(f"{PREFIX}/approvals/request/")
    async def patch_request(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        return await _change_request(object_type, object_id, request, True)

    @router.put(f"{PREFIX}/approvals/request/")
    async def put_request(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        return await _change_request(object_type, object_id, request, False)

    @router.delete(f"{PREFIX}/approvals/request/")
    async def delete_request(object_type: str, object_id: str) -> dict[str, Any]:
        k = key(object_type, object_id)
        if peek(k)["requested"] is None:
            raise not_found("Approval request")
        record(k)["requested"] = None
        announce(k, "delete", state.config.user_id, None)
        return view(k)

    @router.get(f"{PREFIX}/approvals/")
    async def list_decisions(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        return paginate(request, view(key(object_type, object_id))["approvals_by"])

    @router.put(f"{PREFIX}/approvals/")
    async def decide(object_type: str, object_id: str, request: Request) -> dict[str, Any]:
        k = key(object_type, object_id)
        fields = check_body(await json_body(request), DECISION_FIELDS)
        rec = record(k)
        external = fields.get("external")
        who = external or fields.get("user") or state.config.user_id
        bucket = rec["externals"] if external else rec["users"]
        decision: dict[str, Any] = {
            "status": fields["status"],
            "change_date": state.now(),
            "object_id": k[1],
            "object_type": k[0],
            **({"version_id": k[2]} if k[2] else {}),
            **({"external": who} if external else {"user": who}),
        }
        if fields["status"] == "N/A":
            bucket.pop(who, None)
        else:
            bucket[who] = decision
        announce(k, "update", who, fields["status"])
        return decision

    @router.delete(f"{PREFIX}/approvals/")
    async def clear_decisions(object_type: str, object_id: str) -> Response:
        k = key(object_type, object_id)
        record(k)["users"].clear()
        record(k)["externals"].clear()
        announce(k, "delete", None, None)
        return no_content()

    @router.delete(f"{PREFIX}/approvals/user/{{user_id}}/")
    async def clear_user(object_type: str, object_id: str, user_id: str) -> Response:
        k = key(object_type, object_id)
        if record(k)["users"].pop(user_id, None) is None:
            raise not_found("Approval")
        announce(k, "delete", user_id, None)
        return no_content()

    @router.delete(f"{PREFIX}/approvals/external/{{email}}/")
    async def clear_external(object_type: str, object_id: str, email: str) -> Response:
        k = key(object_type, object_id)
        if record(k)["externals"].pop(email, None) is None:
            raise not_found("Approval")
        announce(k, "delete", email, None)
        return no_content()

    @router.get(f"{PREFIX}/versions/{{version_id}}/approvals/")
    async def list_version_decisions(
        object_type: str, object_id: str, version_id: str, request: Request
    ) -> Any:
        return paginate(request, view(key(object_type, object_id, version_id))["approvals_by"])

    @router.get(f"{PREFIX}/versions/{{version_id}}/approvals/request/")
    async def read_version_request(object_type: str, object_id: str, version_id: str) -> dict[str, Any]:
        return view(key(object_type, object_id, version_id))

    def _bulk(body: dict[str, Any], status: str | None) -> Response:
        fields = check_body(body, BULK_FIELDS)
        object_type = check_choice("object_type", fields["object_type"], ("assets", "collections"))
        keys = [key(object_type, oid) for oid in fields["object_ids"]]  # every id checked before any change
        me = state.config.user_id
        for k in keys:
            rec = record(k)
            if status is None:
                rec.update(requested=None, users={}, externals={})
            else:
                rec["users"][me] = {"status": status, "change_date": state.now(), "object_id": k[1]}
                rec["users"][me].update(object_type=k[0], user=me)
                if k[2]:
                    rec["users"][me]["version_id"] = k[2]
            announce(k, "update" if status else "delete", me, status)
        return Response(status_code=200)

    @router.post("/API/assets/v1/approvals/bulk/")
    async def bulk_set(request: Request) -> Response:
        body = await json_body(request)
        check_body(body, {**BULK_FIELDS, "status": enum("APPROVED", "NOT_APPROVED", required=True)})
        return _bulk(body, body["status"])

    @router.post("/API/assets/v1/approvals/bulk_remove/")
    async def bulk_remove(request: Request) -> Response:
        return _bulk(await json_body(request), None)

    return router

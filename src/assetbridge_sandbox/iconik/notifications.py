"""iconik emulator: webhooks (``/API/notifications/v1/webhooks/``) and their delivery control API.

CRUD per the notifications spec (list is unpaginated ``{objects}``, reference §2.2, §8.1). Delivery is
in ``webhook_delivery``; ``query`` filters are evaluated by ``webhook_query`` (a documented subset).
Control endpoints: ``GET|DELETE /_sandbox/iconik/deliveries`` and
``GET|PUT /_sandbox/iconik/webhooks/settings`` (duplicate_rate, failing_after, timeout_seconds, seed).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError as PydanticValidationError

from assetbridge_sandbox.config import WebhookDeliveryConfig
from assetbridge_sandbox.iconik.common import IconikHTTPError, json_body, new_id, no_content
from assetbridge_sandbox.iconik.state import IconikState
from assetbridge_sandbox.iconik.webhook_delivery import WebhookDispatcher
from assetbridge_sandbox.iconik.webhook_query import QuerySyntaxError, compile_query

STATUSES = ("ENABLED", "DISABLED", "FAILING", "DELETED")
REQUIRED = ("event_type", "status", "url")
NULLABLE_STRINGS = ("realm", "operation", "object_id")
STRINGS = ("name", "description", "query")
MISSING = "Missing data for required field."


def validate_webhook(body: dict[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """The writable WebhookCreateSchema fields of ``body``; 400 ``{field: [message]}`` when invalid."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in REQUIRED:
        if key not in body and not partial:
            errors[key] = [MISSING]
    if "event_type" in body:
        if not isinstance(body["event_type"], str) or not body["event_type"]:
            errors["event_type"] = ["Not a valid string."]
        else:
            clean["event_type"] = body["event_type"]
    if "status" in body:
        if body["status"] not in STATUSES:
            errors["status"] = [f"Must be one of: {', '.join(STATUSES)}."]
        else:
            clean["status"] = body["status"]
    if "url" in body:
        url = body["url"]
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            errors["url"] = ["Not a valid URL."]
        else:
            clean["url"] = url
    for key in NULLABLE_STRINGS:
        if key in body:
            if body[key] is not None and not isinstance(body[key], str):
                errors[key] = ["Not a valid string."]
            else:
                clean[key] = body[key] or None
    for key in STRINGS:
        if key in body:
            if not isinstance(body[key], str):
                errors[key] = ["Not a valid string."]
            else:
                clean[key] = body[key]
    if isinstance(clean.get("query"), str):
        try:
            compile_query(clean["query"])
        except QuerySyntaxError as exc:
            errors["query"] = [f"Invalid query: {exc}."]
    if "headers" in body:
        headers = body["headers"]
        if headers is None:
            clean["headers"] = {}
        elif not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            errors["headers"] = ["Must be an object of string values."]
        else:
            clean["headers"] = dict(headers)
    if errors:
        raise IconikHTTPError(400, errors)
    return clean


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()
    dispatcher = WebhookDispatcher(state)
    prefix = "/API/notifications/v1/webhooks"

    def get_webhook(webhook_id: str) -> dict[str, Any]:
        webhook = state.webhooks.get(webhook_id)
        if webhook is None:
            raise IconikHTTPError(404, "Webhook does not exist")
        return webhook

    @router.get(f"{prefix}/")
    async def list_webhooks() -> dict[str, Any]:
        dispatcher.bind_loop()
        return {"objects": list(state.webhooks.values())}

    @router.post(f"{prefix}/", status_code=201)
    async def create_webhook(request: Request) -> dict[str, Any]:
        dispatcher.bind_loop()
        clean = validate_webhook(await json_body(request))
        now = state.now()
        webhook: dict[str, Any] = {
            "id": new_id(),
            "realm": None,
            "operation": None,
            "object_id": None,
            "headers": {},
            **clean,
            "date_created": now,
            "date_modified": now,
        }
        state.webhooks[webhook["id"]] = webhook
        return webhook

    @router.get(f"{prefix}/{{webhook_id}}/")
    async def read_webhook(webhook_id: str) -> dict[str, Any]:
        return get_webhook(webhook_id)

    @router.put(f"{prefix}/{{webhook_id}}/")
    async def put_webhook(webhook_id: str, request: Request) -> dict[str, Any]:
        dispatcher.bind_loop()
        webhook = get_webhook(webhook_id)
        clean = validate_webhook(await json_body(request))
        if clean["status"] == "ENABLED":
            dispatcher.reset(webhook_id)
            webhook.pop("first_failed_at", None)
        webhook.update(clean)
        webhook["date_modified"] = state.now()
        return webhook

    @router.delete(f"{prefix}/{{webhook_id}}/")
    async def delete_webhook(webhook_id: str) -> Response:
        get_webhook(webhook_id)
        del state.webhooks[webhook_id]
        dispatcher.reset(webhook_id)
        return no_content()

    control = "/_sandbox/iconik"

    @router.get(f"{control}/deliveries", include_in_schema=False)
    async def deliveries(request: Request) -> dict[str, Any]:
        """The delivery log, oldest first; ``webhook_id`` filters, ``since`` skips the first N entries."""
        webhook_id = request.query_params.get("webhook_id")
        entries = [d for d in dispatcher.log if not webhook_id or d["webhook_id"] == webhook_id]
        try:
            since = int(request.query_params.get("since") or 0)
        except ValueError:
            raise IconikHTTPError(400, {"since": ["Not a valid integer."]}) from None
        return {"total": len(entries), "pending": dispatcher.pending, "objects": entries[since:]}

    @router.delete(f"{control}/deliveries", include_in_schema=False)
    async def clear_deliveries() -> Response:
        dispatcher.log.clear()
        return no_content()

    def settings() -> dict[str, Any]:
        return {**state.config.webhooks.model_dump(), "seed": dispatcher.seed}

    @router.get(f"{control}/webhooks/settings", include_in_schema=False)
    async def get_settings() -> dict[str, Any]:
        return settings()

    @router.put(f"{control}/webhooks/settings", include_in_schema=False)
    async def put_settings(request: Request) -> dict[str, Any]:
        body = await json_body(request)
        seed = body.pop("seed", None)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise IconikHTTPError(400, {"seed": ["Not a valid integer."]})
        try:
            updated = WebhookDeliveryConfig.model_validate({**state.config.webhooks.model_dump(), **body})
        except PydanticValidationError as exc:
            errors = {".".join(str(p) for p in e["loc"]) or "body": [e["msg"]] for e in exc.errors()}
            raise IconikHTTPError(400, errors) from None
        state.config.webhooks = updated
        if seed is not None:
            dispatcher.reseed(seed)
        return settings()

    return router

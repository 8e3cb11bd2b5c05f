"""Orange Logic's error shapes mapped onto ``assetbridge.errors`` (reference §1.4).

Three families answer differently: legacy ``/API`` calls often say HTTP 200 with
``APIResponse.Code != "SUCCESS"``; DataTable puts ``Response.ErrorList.ErrorDetails``; ``/webapi``
answers ``{"Message", "ErrorCode"}`` with a 4xx/5xx status. A fourth, ``{"success": false, "error"}``,
has been seen on Search v4. And one quirk is not an error at all on the wire: a write naming a field the
asset does not have succeeds, and the problem is only written to the asset's *Import Messages* field
(§7) — ``raise_for_import_messages`` turns that into a ``ValidationError`` naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from assetbridge.errors import ApiError, AuthError, NotFoundError, ValidationError
from assetbridge.transport.classify import default_detail

SYSTEM = "orangelogic"
IMPORT_MESSAGES_FIELD = "CoreField.Import-messages"
_NOT_FOUND_WORDS = ("not found", "notfound", "does not exist", "no record", "no asset")
_AUTH_WORDS = ("not logged", "not authenticated", "unauthori", "invalid token", "token expired")
_GENERIC_CODES = ("ERROR", "FAIL", "FAILED", "FAILURE")


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("ErrorDetails") or value.get("Message") or value.get("Error")) or json.dumps(
            value
        )
    return str(value)


def envelope_message(data: Any) -> str | None:
    """The error message an Orange Logic JSON body carries, in any of its shapes; None when none."""
    if not isinstance(data, dict):
        return None
    if "ErrorCode" in data or ("Message" in data and len(data) <= 6):
        code = data.get("ErrorCode")
        message = _text(data.get("Message")) or ""
        return f"{code}: {message}" if code else message or None
    if data.get("success") is False:
        return _text(data.get("error")) or "request failed"
    api = data.get("APIResponse")
    if isinstance(api, dict):
        nested = api.get("Response")
        inner: dict[str, Any] = nested if isinstance(nested, dict) else api
        code = inner.get("Code", api.get("Code"))
        if code is not None and str(code).upper() != "SUCCESS":
            detail = _text(inner.get("Message") or inner.get("Error") or api.get("Message"))
            if detail and str(code).upper() not in _GENERIC_CODES:
                return f"{code}: {detail}"
            return detail or str(code)
    response = data.get("Response")
    if isinstance(response, dict) and response.get("ErrorList"):
        return _text(response["ErrorList"])
    return None


def detail_parser(status: int, content_type: str, body: bytes) -> Any:
    """``HttpSession`` hook: the message of a failed Orange Logic response."""
    try:
        data = json.loads(body) if body[:1] in (b"{", b"[") else None
    except ValueError:
        data = None
    return envelope_message(data) or default_detail(status, content_type, body)


def _classify_message(call: str, message: str, status: int | None) -> ApiError:
    lowered = message.lower()
    if any(word in lowered for word in _NOT_FOUND_WORDS):
        return NotFoundError(SYSTEM, call, message, status=status, detail=message)
    if any(word in lowered for word in _AUTH_WORDS):
        return AuthError(SYSTEM, call, message, status=status, detail=message)
    return ValidationError(SYSTEM, call, message, status=status, detail=message)


def raise_for_envelope(call: str, data: Any, status: int = 200) -> None:
    """Raise for a 2xx body that still reports a failure (legacy ``Code``, DataTable ``ErrorList``...)."""
    if not isinstance(data, dict):
        raise ValidationError(SYSTEM, call, "the response is not a JSON object", status=status)
    message = envelope_message(data)
    if message is not None:
        raise _classify_message(call, message, status)


def import_messages(record: dict[str, Any]) -> list[str]:
    """The asset's import messages (one per line, or a list), whatever the key's case."""
    for key, value in record.items():
        if key.lower() in (IMPORT_MESSAGES_FIELD.lower(), "importmessages", "import messages"):
            if isinstance(value, list):
                return [str(v) for v in value if str(v).strip()]
            if isinstance(value, str):
                return [line.strip() for line in value.replace("|", "\n").splitlines() if line.strip()]
    return []


def raise_for_import_messages(
    call: str, record: dict[str, Any], written: Iterable[str], *, previous: Iterable[str] = ()
) -> None:
    """After a write: a ``ValidationError`` naming the first written field an import message names.

    Messages stay on the asset; pass the ones it held before the write as ``previous`` so that only new
    messages count (without them, an old message about a field fails a later, valid write to it).
    """
    remaining = list(previous)
    fresh: list[str] = []
    for message in import_messages(record):
        if message in remaining:
            remaining.remove(message)
        else:
            fresh.append(message)
    for field in written:
        for message in fresh:
            if field.lower() in message.lower():
                raise ValidationError(
                    SYSTEM,
                    call,
                    f"field {field!r} was not applied: {message}",
                    detail={"field": field, "import_message": message},
                )

"""Request-body checking for the assets service, with iconik's (marshmallow) error wording.

iconik validates bodies with marshmallow: a bad body is 400 ``{"errors": {field: [message]}}`` with
messages such as "Missing data for required field." or "Must be one of: ACTIVE, DELETED." (reference
§1.4). Unknown and read-only fields are tolerated and dropped (reference §1.3).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assetbridge_sandbox.iconik.common import IconikHTTPError

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class F:
    """One writable field: ``kind`` is string|uuid|bool|int|datetime|email|object|list[<kind>]."""

    kind: str
    required: bool = False
    nullable: bool = False
    choices: tuple[str, ...] = ()
    max_items: int | None = None


def enum(*choices: str, required: bool = False, nullable: bool = False) -> F:
    return F("string", required=required, nullable=nullable, choices=choices)


def _scalar_error(kind: str, value: Any) -> str | None:
    if kind == "string":
        return None if isinstance(value, str) else "Not a valid string."
    if kind == "uuid":
        if isinstance(value, str):
            try:
                uuid.UUID(value)
                return None
            except ValueError:
                pass
        return "Not a valid UUID."
    if kind == "bool":
        return None if isinstance(value, bool) else "Not a valid boolean."
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else "Not a valid integer."
    if kind == "datetime":
        if isinstance(value, str):
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                return None
            except ValueError:
                pass
        return "Not a valid datetime."
    if kind == "email":
        ok = isinstance(value, str) and EMAIL_RE.match(value) is not None
        return None if ok else "Not a valid email address."
    if kind == "object":
        return None if isinstance(value, dict) else "Not a valid mapping type."
    raise AssertionError(f"unknown field kind {kind}")


def _field_error(spec: F, value: Any) -> str | None:
    if value is None:
        return None if spec.nullable else "Field may not be null."
    if spec.kind.startswith("list[") and spec.kind.endswith("]"):
        if not isinstance(value, list):
            return "Not a valid list."
        if spec.max_items is not None and len(value) > spec.max_items:
            return f"Longer than maximum length {spec.max_items}."
        inner = spec.kind[5:-1]
        for item in value:
            error = _scalar_error(inner, item)
            if error:
                return error
            if spec.choices and item not in spec.choices:
                return f"Must be one of: {', '.join(spec.choices)}."
        return None
    error = _scalar_error(spec.kind, value)
    if error:
        return error
    if spec.choices and value not in spec.choices:
        return f"Must be one of: {', '.join(spec.choices)}."
    return None


def check_body(body: Mapping[str, Any], fields: Mapping[str, F], *, partial: bool = False) -> dict[str, Any]:
    """The writable fields of ``body`` (others dropped), or 400 listing every bad field."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name, spec in fields.items():
        if name not in body:
            if spec.required and not partial:
                errors[name] = ["Missing data for required field."]
            continue
        error = _field_error(spec, body[name])
        if error:
            errors[name] = [error]
        else:
            clean[name] = body[name]
    if errors:
        raise IconikHTTPError(400, errors)
    return clean


def check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    """A path or query value that must be one of ``choices`` (400 in the per-field shape otherwise)."""
    if value not in choices:
        raise IconikHTTPError(400, {name: [f"Must be one of: {', '.join(choices)}."]})
    return value


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True

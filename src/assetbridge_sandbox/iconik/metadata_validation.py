"""Validation of metadata field definitions and of values written through a view (reference §4.2, §4.4).

Field types are the ones iconik's API error messages accept (reference §4.2, PYK1). Error messages
follow the marshmallow wording iconik's services answer with (``"Not a valid integer."``); a bad write
is a 400 ``{"errors": {field_name: [message, ...]}}``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from assetbridge_sandbox.clock import parse_iso
from assetbridge_sandbox.iconik.common import IconikHTTPError

FIELD_TYPES = (
    "string",
    "string_exact",
    "text",
    "integer",
    "float",
    "boolean",
    "date",
    "datetime",
    "drop_down",
    "tag_cloud",
    "url",
    "email",
)
MODES = ("overwrite", "append", "delete")
FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]+$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MISSING = "Missing data for required field."

BOOL_FLAGS = (
    "auto_set",
    "hide_if_not_set",
    "is_block_field",
    "is_warning_field",
    "multi",
    "read_only",
    "representative",
    "required",
    "sortable",
    "use_as_facet",
)


def _check_options(options: Any, errors: dict[str, Any]) -> list[dict[str, str]] | None:
    if options is None:
        return None
    if not isinstance(options, list) or not all(
        isinstance(o, dict) and isinstance(o.get("value"), str) and isinstance(o.get("label", ""), str)
        for o in options
    ):
        errors["options"] = ["Must be a list of {label, value} string pairs."]
        return None
    return [{"label": o.get("label", o["value"]), "value": o["value"]} for o in options]


def validate_field_body(body: dict[str, Any], *, partial: bool, creating: bool) -> dict[str, Any]:
    """The accepted subset of a MetadataField(Create)Schema body; 400 with per-key errors otherwise."""
    errors: dict[str, Any] = {}
    clean: dict[str, Any] = {}
    required = ("name", "label", "field_type") if creating else ("label", "field_type")
    for key in required:
        if key not in body and not partial:
            errors[key] = [MISSING]
    if creating:
        name = body.get("name")
        if "name" in body and (not isinstance(name, str) or not FIELD_NAME.match(name)):
            errors["name"] = ["Field name may contain only letters, digits, '_' and '-'."]
        elif isinstance(name, str):
            clean["name"] = name
    if "label" in body:
        if not isinstance(body["label"], str) or not body["label"].strip():
            errors["label"] = ["Not a valid string."]
        else:
            clean["label"] = body["label"]
    if "field_type" in body:
        if body["field_type"] not in FIELD_TYPES:
            errors["field_type"] = [f"Must be one of: {', '.join(FIELD_TYPES)}."]
        else:
            clean["field_type"] = body["field_type"]
    for key in BOOL_FLAGS:
        if key in body:
            if body[key] is not None and not isinstance(body[key], bool):
                errors[key] = ["Not a valid boolean."]
            else:
                clean[key] = bool(body[key])
    for key in ("description", "external_id"):
        if key in body:
            if not isinstance(body[key], str):
                errors[key] = ["Not a valid string."]
            else:
                clean[key] = body[key]
    for key in ("min_value", "max_value"):
        if key in body and body[key] is not None:
            if isinstance(body[key], bool) or not isinstance(body[key], int | float):
                errors[key] = ["Not a valid number."]
            else:
                clean[key] = body[key]
    if "options" in body:
        options = _check_options(body["options"], errors)
        if options is not None:
            clean["options"] = options
    if "source_url" in body:
        source = body["source_url"]
        if source is not None and not _is_url(source):
            errors["source_url"] = ["Not a valid URL."]
        elif source and body.get("options"):
            errors["source_url"] = ["Cannot be set as long as options are set."]
        else:
            clean["source_url"] = source
    if errors:
        raise IconikHTTPError(400, errors)
    return clean


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    try:
        parse_iso(value)
    except ValueError:
        return False
    return True


def coerce_value(field: dict[str, Any], value: Any) -> Any:
    """The stored form of one value for ``field``; ``ValueError`` carries the error message."""
    kind = field["field_type"]
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError("Not a valid integer.")
        if isinstance(value, int):
            result: Any = value
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            result = int(value)
        else:
            raise ValueError("Not a valid integer.")
        return _in_bounds(field, result)
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("Not a valid number.")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("Not a valid number.") from None
        return _in_bounds(field, number)
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false"}:
            return value.lower() == "true"
        raise ValueError("Not a valid boolean.")
    if not isinstance(value, str):
        raise ValueError("Not a valid string.")
    if kind == "date" and not _is_date(value):
        raise ValueError("Not a valid date (YYYY-MM-DD).")
    if kind == "datetime" and not _is_datetime(value):
        raise ValueError("Not a valid datetime.")
    if kind == "url" and not _is_url(value):
        raise ValueError("Not a valid URL.")
    if kind == "email" and not EMAIL.match(value):
        raise ValueError("Not a valid email address.")
    if kind == "drop_down" and not field.get("source_url"):
        allowed = [o["value"] for o in field.get("options") or []]
        if value not in allowed:
            raise ValueError(f"Value {value!r} is not one of the field's options.")
    return value


def _in_bounds(field: dict[str, Any], number: float) -> Any:
    low, high = field.get("min_value"), field.get("max_value")
    if low is not None and number < low:
        raise ValueError(f"Must be greater than or equal to {low}.")
    if high is not None and number > high:
        raise ValueError(f"Must be less than or equal to {high}.")
    return number


def apply_field_write(field: dict[str, Any], current: list[Any], entry: Any) -> list[Any]:
    """New value list for one ``metadata_values`` entry (``field_values`` + ``mode``); ValueError if bad."""
    if not isinstance(entry, dict):
        raise ValueError("Must be an object with field_values.")
    mode = entry.get("mode", "overwrite")
    if mode not in MODES:
        raise ValueError(f"mode must be one of: {', '.join(MODES)}.")
    raw = entry.get("field_values", [])
    if not isinstance(raw, list):
        raise ValueError("field_values must be a list.")
    values: list[Any] = []
    for item in raw:
        if not isinstance(item, dict) or "value" not in item:
            raise ValueError("Each field value must be an object with a 'value'.")
        values.append(coerce_value(field, item["value"]))
    if mode == "overwrite":
        result = values
    elif mode == "append":
        result = list(current) + [v for v in values if v not in current]
    else:
        result = [v for v in current if v not in values]
    if len(result) > 1 and not field.get("multi"):
        raise ValueError("Field does not accept multiple values (multi is false).")
    return result


def as_field_values(values: list[Any]) -> dict[str, Any]:
    return {"field_values": [{"value": v} for v in values]}

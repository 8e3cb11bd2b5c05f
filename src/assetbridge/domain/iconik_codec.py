"""iconik raw values ↔ canonical values (reference §3.2, §4.4).

A metadata field travels as ``{"field_values": [{"value": v}, ...]}`` (search documents carry a plain
list of values instead; both are read). Values are typed: strings, numbers, booleans; dates
``YYYY-MM-DD``, datetimes ISO-8601. An empty ``field_values`` list clears a field. Asset attributes
(``asset.title``) are plain JSON values; ``title`` is required by iconik and cannot be emptied.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from assetbridge.domain.codec_common import canonical_from_items
from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import ValueKind
from assetbridge.domain.values import Canonical, is_multi

SIDE = "iconik"
_REQUIRED_ATTRIBUTES = frozenset({"title"})


def _items(field: str, raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        if "field_values" in raw:
            return _items(field, raw["field_values"])
        if "value" in raw:
            return [raw["value"]]
        raise FieldValueError(field, SIDE, raw, "{'field_values': [{'value': ...}]}", "unknown value shape")
    if isinstance(raw, list):
        return [item for element in raw for item in _items(field, element)]
    return [raw]


def decode_iconik(field: str, kind: ValueKind, multi: bool, raw: Any) -> Canonical:
    return canonical_from_items(field, SIDE, kind, multi, _items(field, raw))


def _scalar(field: str, value: Canonical) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise FieldValueError(field, SIDE, str(value), "numbers with at most 15 significant digits", "")
        return as_float
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_iconik(
    field: str, kind: ValueKind, multi: bool, value: Canonical, *, attribute: str | None
) -> Any:
    """The raw iconik value: a plain JSON value for an asset attribute, ``{"field_values": [...]}`` else."""
    if isinstance(value, tuple) and not is_multi(kind, multi):
        raise FieldValueError(field, SIDE, value, "a single value", "several values for a single-value field")
    if attribute is not None:
        if isinstance(value, tuple):
            raise FieldValueError(field, SIDE, value, "a single value", f"asset.{attribute} holds one value")
        if value is None and attribute in _REQUIRED_ATTRIBUTES:
            raise FieldValueError(
                field, SIDE, value, "a non-empty value", f"iconik requires asset.{attribute}"
            )
        return _scalar(field, value)
    if value is None:
        return {"field_values": []}
    items = value if isinstance(value, tuple) else (value,)
    return {"field_values": [{"value": _scalar(field, item)} for item in items]}

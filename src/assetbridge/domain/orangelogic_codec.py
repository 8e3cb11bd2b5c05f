"""Orange Logic raw values ↔ canonical values.

Reads accept every spelling Orange Logic answers (reference §3.4, §5.3): plain strings, multi-values
pipe-joined (DataTable) or as lists of ``{"Value"}`` / ``{"KeywordText"}`` objects (Search v4), single
authority values as ``{"Value": ...}``, booleans ``true``/``false``, dates ISO (naive = UTC) or in the
locale form ``M/d/yyyy h:mm:ss AM``. Search v3 joins multi-values with ", ", which cannot be split
safely: read multi-value fields through DataTable or Search v4.

Writes produce the DataTable spelling (§5.4): one string, multi-values pipe-joined, dates
``YYYY-MM-DD``, datetimes ``YYYY-MM-DDTHH:MM:SS`` in UTC, booleans ``true``/``false``; ``""`` clears.
A multi-value item containing ``|`` cannot be written (it would be split): a ``FieldValueError``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from assetbridge.domain.codec_common import canonical_from_items
from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import ValueKind
from assetbridge.domain.scalars import format_number
from assetbridge.domain.values import Canonical, is_multi

SIDE = "orangelogic"
MAX_VALUE_LENGTH = 2048
_OBJECT_KEYS = ("Value", "KeywordText", "Identifier", "value")


def _items(field: str, raw: Any) -> list[Any]:
    if raw is None:
        return []
    if isinstance(raw, list):
        return [item for element in raw for item in _items(field, element)]
    if isinstance(raw, dict):
        for key in _OBJECT_KEYS:
            if key in raw:
                return _items(field, raw[key])
        raise FieldValueError(field, SIDE, raw, "a string or an object with 'Value'", "unknown value shape")
    return [raw]


def decode_orangelogic(field: str, kind: ValueKind, multi: bool, raw: Any) -> Canonical:
    items = _items(field, raw)
    if is_multi(kind, multi):
        split: list[Any] = []
        for item in items:
            if isinstance(item, str):
                split.extend(part.strip() for part in item.split("|"))
            else:
                split.append(item)
        items = split
    return canonical_from_items(field, SIDE, kind, multi, items)


def _scalar(value: Canonical) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None, microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def encode_orangelogic(field: str, kind: ValueKind, multi: bool, value: Canonical) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        if not is_multi(kind, multi):
            raise FieldValueError(
                field, SIDE, value, "a single value", "several values for a single-value field"
            )
        for item in value:
            if "|" in item:
                raise FieldValueError(
                    field, SIDE, item, "values without '|'", "'|' separates Orange Logic multi-values"
                )
        text = "|".join(value)
    else:
        text = _scalar(value)
    if len(text) > MAX_VALUE_LENGTH:
        raise FieldValueError(
            field, SIDE, text, f"at most {MAX_VALUE_LENGTH} characters", f"{len(text)} characters"
        )
    return text

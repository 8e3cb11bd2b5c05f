"""Turning one decoded scalar into its canonical form for a kind, shared by both sides' codecs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import ValueKind
from assetbridge.domain.scalars import parse_boolean, parse_date, parse_datetime, parse_number
from assetbridge.domain.values import Canonical, is_multi, normalize_multi, normalize_text

_EXPECTED = {
    "number": "a number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (ISO-8601)",
    "text": "text",
    "select": "text",
}


def canonical_scalar(field: str, side: str, kind: ValueKind, raw: Any) -> Canonical:
    """One raw scalar as the canonical value of a single-value ``kind``; empty strings are ``None``."""
    if raw is None or (isinstance(raw, str) and not raw.strip() and kind not in ("text", "select")):
        return None
    parsed: Canonical
    if kind in ("text", "select", "multiselect", "tags"):
        if isinstance(raw, bool) or not isinstance(raw, str | int | float):
            raise FieldValueError(field, side, raw, _EXPECTED["text"], "not text")
        return normalize_text(raw if isinstance(raw, str) else str(raw))
    if kind == "number":
        parsed = parse_number(raw)
    elif kind == "boolean":
        parsed = parse_boolean(raw)
    elif kind == "date":
        parsed = parse_date(raw)
    else:
        parsed = parse_datetime(raw)
    if parsed is None:
        raise FieldValueError(field, side, raw, _EXPECTED[kind], f"not a valid {kind}")
    return parsed


def canonical_from_items(
    field: str, side: str, kind: ValueKind, multi: bool, items: Sequence[Any]
) -> Canonical:
    """The canonical value of a field from the list of scalars a side reported for it."""
    if is_multi(kind, multi):
        texts: list[str] = []
        for item in items:
            value = canonical_scalar(field, side, "text", item)
            if isinstance(value, str):
                texts.append(value)
        return normalize_multi(texts)
    present = [item for item in items if item is not None and item != ""]
    if not present:
        return None
    if len(present) > 1:
        raise FieldValueError(
            field, side, list(items), "a single value", "several values for a single-value field"
        )
    return canonical_scalar(field, side, kind, present[0])

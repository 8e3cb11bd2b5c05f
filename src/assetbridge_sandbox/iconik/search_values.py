"""Value comparisons shared by search filters, query ranges and sorting.

Filter term values and range bounds arrive as strings (reference §7.2) while documents hold typed
values, so both sides are normalised: numbers compare as numbers, ISO dates/datetimes as instants
(range bounds without an offset take the term's ``timezone``, default UTC), everything else as text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def term_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).lower()


def equals(values: list[Any], wanted: Any) -> bool:
    target = term_text(wanted)
    return any(term_text(v) == target for v in values)


def parse_timezone(text: str | None) -> tzinfo:
    if not text:
        return UTC
    match = OFFSET.match(text)
    if match is None:
        raise ValueError(f"Not a valid timezone offset: {text!r} (expected e.g. +02:00).")
    sign = -1 if match.group(1) == "-" else 1
    return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def as_instant(value: Any, tz: tzinfo = UTC) -> datetime | None:
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def bound_kind(bounds: dict[str, Any]) -> str:
    """``number``, ``instant`` or ``text``: how a range's bounds (and so the values) compare."""
    given = [b for b in (bounds.get("min"), bounds.get("max")) if b is not None]
    if given and all(as_number(b) is not None for b in given):
        return "number"
    if given and all(as_instant(b) is not None for b in given):
        return "instant"
    return "text"


def in_range(
    values: list[Any],
    bounds: dict[str, Any],
    *,
    inclusive: tuple[bool, bool] = (True, True),
    tz: tzinfo = UTC,
) -> bool:
    kind = bound_kind(bounds)

    def convert(value: Any) -> Any:
        if kind == "number":
            return as_number(value)
        if kind == "instant":
            return as_instant(value, tz)
        return term_text(value)

    low = convert(bounds["min"]) if bounds.get("min") is not None else None
    high = convert(bounds["max"]) if bounds.get("max") is not None else None
    for value in values:
        current = convert(value)
        if current is None:
            continue
        if low is not None and (current < low or (current == low and not inclusive[0])):
            continue
        if high is not None and (current > high or (current == high and not inclusive[1])):
            continue
        return True
    return False


def sort_value(value: Any) -> tuple[int, Any]:
    """A key that orders numbers before text and never compares across types."""
    number = as_number(value) if not isinstance(value, str) else None
    if number is not None:
        return (0, number)
    return (1, str(value))

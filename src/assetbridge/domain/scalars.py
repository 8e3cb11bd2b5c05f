"""Parsing of scalar spellings shared by both sides' codecs: numbers, booleans, dates, datetimes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from assetbridge.domain.values import normalize_datetime, normalize_number

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
# Orange Logic Search renders dates in the instance locale, "M/d/yyyy h:mm:ss AM" (reference §3.4).
_LOCALE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def parse_number(raw: Any) -> Decimal | None:
    """A finite number from an int, a float or a string; ``None`` when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return normalize_number(Decimal(raw))
    if isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, str):
        try:
            number = Decimal(raw.strip())
        except InvalidOperation:
            return None
    else:
        return None
    if not number.is_finite():
        return None
    return normalize_number(number)


def parse_boolean(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None


def parse_datetime(raw: Any) -> datetime | None:
    """ISO-8601 (``Z`` or offset; naive means UTC) or the Orange Logic locale form, as aware UTC."""
    if isinstance(raw, datetime):
        return normalize_datetime(raw)
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not text:
        return None
    try:
        return normalize_datetime(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        pass
    for fmt in _LOCALE_FORMATS:
        try:
            return normalize_datetime(datetime.strptime(text, fmt))
        except ValueError:
            continue
    return None


def parse_date(raw: Any) -> date | None:
    """A calendar date from ``YYYY-MM-DD``, an ISO date-time or the locale form (the wall-clock date)."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    for fmt in _LOCALE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def format_number(value: Decimal) -> str:
    return format(value, "f")

"""Canonical field values: one normalized Python representation per ``ValueKind``.

==============  =====================================================================
kind            canonical value (empty is always ``None``)
==============  =====================================================================
text, select    ``str``, Unicode NFC
number          ``decimal.Decimal`` (finite, normalized so that ``1.50`` and ``1.5`` are one value)
boolean         ``bool``
date            ``datetime.date``
datetime        aware ``datetime`` in UTC, whole seconds (Orange Logic keeps no fractions, §5.4)
multiselect,    ``tuple[str, ...]`` of stripped NFC strings, sorted and de-duplicated: both sides treat
tags            multi-values as sets; the empty set is ``None``
==============  =====================================================================

A field declared ``multi`` with a single-value kind (text, select) is a multi-value as well.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal

from assetbridge.domain.fieldmap import MULTI_KINDS, ValueKind

Canonical = str | Decimal | bool | date | datetime | tuple[str, ...] | None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def normalize_text(value: str) -> str | None:
    text = nfc(value)
    return text if text else None


def normalize_multi(items: Iterable[str]) -> tuple[str, ...] | None:
    cleaned = sorted({nfc(item.strip()) for item in items if item.strip()})
    return tuple(cleaned) if cleaned else None


def normalize_number(value: Decimal) -> Decimal:
    if value == 0:
        return Decimal(0)
    normalized = value.normalize()
    # normalize() spells 100 as 1E+2; integers get their plain spelling back.
    return Decimal(int(normalized)) if normalized == normalized.to_integral_value() else normalized


def normalize_datetime(value: datetime) -> datetime:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.replace(microsecond=0)


def is_multi(kind: ValueKind, multi: bool) -> bool:
    return multi or kind in MULTI_KINDS

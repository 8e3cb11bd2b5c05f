"""Fingerprints of canonical values: sha256 of a canonical JSON encoding, stable across processes.

``canonical_json`` / ``canonical_from_json`` also store base values as text. Stored with the base
after every write, a fingerprint lets the next read of a side recognize its value
as the one AssetBridge wrote (an echo) without keeping the value itself.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from assetbridge.domain.scalars import format_number
from assetbridge.domain.values import Canonical


def _tagged(value: Canonical) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, Decimal):
        return ["n", format_number(value)]
    if isinstance(value, datetime):
        return ["t", value.astimezone(UTC).isoformat()]
    if isinstance(value, date):
        return ["d", value.isoformat()]
    if isinstance(value, tuple):
        return ["m", list(value)]
    return ["s", value]


def canonical_json(value: Canonical) -> str:
    return json.dumps(_tagged(value), ensure_ascii=False, separators=(",", ":"))


def canonical_from_json(text: str) -> Canonical:
    """The value ``canonical_json`` encoded, for storing bases as text."""
    tagged = json.loads(text)
    if tagged is None:
        return None
    tag, payload = tagged
    if tag == "b":
        return bool(payload)
    if tag == "n":
        return Decimal(payload)
    if tag == "t":
        return datetime.fromisoformat(payload).astimezone(UTC)
    if tag == "d":
        return date.fromisoformat(payload)
    if tag == "m":
        return tuple(str(item) for item in payload)
    if tag == "s":
        return str(payload)
    raise ValueError(f"unknown canonical value tag {tag!r}")


def fingerprint(value: Canonical) -> str:
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()

"""Verifying and parsing Orange Logic webhooks (reference §9.1) — pure, no I/O.

The ``x-ol-signature`` header holds space-separated ``v1,<base64>`` entries (``v1a,<base64>`` for the
new secret while a secret is being rotated). Orange Logic points to the Standard Webhooks scheme, so
the signed content is ``{event id}.{timestamp}.{raw body}`` when the id/timestamp headers are present,
and the raw body alone otherwise; the MAC is HMAC-SHA256 (SHA-512 is accepted too). Every candidate is
compared in constant time. A timestamp outside ``tolerance`` is refused (replays).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assetbridge.connectors.orangelogic.models import parse_date

SIGNATURE_HEADER = "x-ol-signature"
ID_HEADERS = ("x-ol-webhook-id", "webhook-id", "x-ol-event-id")
TIMESTAMP_HEADERS = ("x-ol-webhook-timestamp", "webhook-timestamp", "x-ol-timestamp")
VERSIONS = ("v1", "v1a")


class SignatureError(Exception):
    """The webhook is not authentic (missing, malformed or wrong signature, or too old)."""


def _header(headers: Mapping[str, str], names: Iterable[str]) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def signed_content(body: bytes, event_id: str | None, timestamp: str | None) -> bytes:
    if event_id is not None and timestamp is not None:
        return f"{event_id}.{timestamp}.".encode() + body
    return body


def sign(secret: str, body: bytes, *, event_id: str | None = None, timestamp: str | None = None) -> str:
    """The ``x-ol-signature`` value for ``body`` (what the sandbox and our tests send)."""
    mac = hmac.new(secret.encode(), signed_content(body, event_id, timestamp), hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def verify_signature(
    secrets: Iterable[str],
    body: bytes,
    headers: Mapping[str, str],
    *,
    now: datetime | None = None,
    tolerance_seconds: float = 300.0,
) -> None:
    """Raise ``SignatureError`` unless some entry of ``x-ol-signature`` matches one of ``secrets``.

    Pass both the old and the new secret during a rotation.
    """
    header = _header(headers, (SIGNATURE_HEADER,))
    if not header:
        raise SignatureError(f"missing {SIGNATURE_HEADER} header")
    event_id = _header(headers, ID_HEADERS)
    timestamp = _header(headers, TIMESTAMP_HEADERS)
    if timestamp is not None:
        _check_age(timestamp, now or datetime.now(UTC), tolerance_seconds)
    content = signed_content(body, event_id, timestamp)
    candidates: list[bytes] = []
    for entry in header.replace(";", " ").split():
        version, _, value = entry.partition(",")
        if version not in VERSIONS or not value:
            continue
        try:
            candidates.append(base64.b64decode(value, validate=True))
        except ValueError:
            continue
    if not candidates:
        raise SignatureError(f"{SIGNATURE_HEADER} holds no v1 signature")
    matched = False
    for secret in secrets:
        if not secret:
            continue
        for algorithm in (hashlib.sha256, hashlib.sha512):
            expected = hmac.new(secret.encode(), content, algorithm).digest()
            for candidate in candidates:
                # Every comparison runs; no early exit that would time the secret.
                matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("signature does not match")


def _check_age(timestamp: str, now: datetime, tolerance: float) -> None:
    try:
        sent = datetime.fromtimestamp(float(timestamp), tz=UTC)
    except (OverflowError, OSError):  # "inf", "1e400", years beyond datetime's range
        raise SignatureError(f"webhook timestamp out of range {timestamp[:40]!r}") from None
    except ValueError:
        parsed = parse_date(timestamp)
        if parsed is None:
            raise SignatureError(f"unreadable webhook timestamp {timestamp!r}") from None
        sent = parsed
    if abs((now - sent).total_seconds()) > tolerance:
        raise SignatureError("webhook timestamp outside the allowed window (replay?)")


class WebhookEvent(BaseModel):
    """One event; ``event_id`` is unique per event and stable across delivery retries."""

    model_config = ConfigDict(extra="allow", frozen=True)

    event_id: str
    topic: str
    record_id: str | None = None
    system_identifier: str | None = None
    occurred_at: datetime | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)

    @property
    def action(self) -> str:
        """``created``, ``edited``, ``deleted``... from topics like ``Asset.Edited`` or ``asset.deleted``."""
        return self.topic.replace("_", ".").split(".")[-1].lower()


def _first(data: Mapping[str, Any], *keys: str) -> Any:
    lowered = {k.lower(): v for k, v in data.items()}
    for key in keys:
        if lowered.get(key.lower()) not in (None, ""):
            return lowered[key.lower()]
    return None


def parse_event(body: bytes | str | Mapping[str, Any]) -> WebhookEvent:
    """A webhook body as a ``WebhookEvent``; ``ValueError`` when it is not one."""
    data = json.loads(body) if isinstance(body, bytes | str) else dict(body)
    if not isinstance(data, dict):
        raise ValueError("a webhook body must be a JSON object")
    event_id = _first(data, "eventId", "id", "event_id")
    topic = _first(data, "topic", "eventType", "type", "event")
    if event_id is None or topic is None:
        raise ValueError("a webhook body needs an event id and a topic")
    record = _first(data, "recordId", "recordID", "RecordID")
    ident = _first(data, "identifier", "systemIdentifier", "SystemIdentifier")
    when = _first(data, "timestamp", "occurredAt", "date")
    return WebhookEvent(
        event_id=str(event_id),
        topic=str(topic),
        record_id=str(record) if record is not None else None,
        system_identifier=str(ident) if ident is not None else None,
        occurred_at=parse_date(when) if isinstance(when, str) else None,
        raw=data,
    )

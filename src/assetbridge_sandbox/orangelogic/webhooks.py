"""Webhooks (reference §9.1): subscriptions, signed POSTs, retries with backoff, per-call muting.

Off by default as on real tenants (``webhooks_enabled``; the control API turns them on). Subscriptions are
managed through the control API (the real management endpoints were not captured, §12.3). Topics are
``asset.created``, ``asset.edited``, ``asset.deleted``; a subscription lists topics or ``*``.

Payload (minimal, §9.1 [INF]): ``{"eventId", "topic", "timestamp", "subscriptionId", "recordId",
"identifier", "docType", "subtype", "version"}``; every event has a unique ``eventId``.

Signature — the "standard webhooks" scheme the documentation points to: headers ``webhook-id`` (= eventId)
and ``webhook-timestamp`` (Unix seconds, sandbox clock), and ``x-ol-signature: v1,<sig>`` where
``sig = base64(HMAC-SHA256(key=secret as UTF-8, msg="{webhook-id}.{webhook-timestamp}.{body}"))`` over the
exact body bytes. During a secret rotation (control API) both ``v1,<old>`` and ``v1a,<new>`` are
sent, space-separated, for ``rotation_overlap_seconds`` (1 h by default, as documented).

A delivery is retried up to ``webhook_max_retries`` times (5) on a non-2xx answer or a connection error,
waiting ``webhook_retry_base_seconds * 2**n`` between attempts. A write carrying
``X-Mute-WebHook-Subscriptions`` (ids or names, comma-separated, ``*``) and/or ``X-Mute-WebHook-Topics``
(topics, ``*``) fires nothing for what it names.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from assetbridge_sandbox.orangelogic.common import iso_date
from assetbridge_sandbox.orangelogic.state import OLState, Record

TOPICS = ("asset.created", "asset.edited", "asset.deleted")


@dataclass
class Subscription:
    id: str
    name: str
    url: str
    topics: list[str]
    secret: str
    previous_secret: str | None = None
    previous_until: float = 0.0


@dataclass
class Delivery:
    event_id: str
    subscription_id: str
    topic: str
    url: str
    payload: dict[str, Any]
    status: str = "pending"  # pending | delivered | failed
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def view(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "subscription_id": self.subscription_id,
            "topic": self.topic,
            "url": self.url,
            "status": self.status,
            "attempts": list(self.attempts),
            "payload": self.payload,
        }


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    message = f"{event_id}.{timestamp}.".encode() + body
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _muted(header: str, *names: str) -> bool:
    wanted = {part.strip().lower() for part in header.split(",") if part.strip()}
    return "*" in wanted or any(n.lower() in wanted for n in names)


class WebhookHub:
    rotation_overlap_seconds = 3600.0

    def __init__(self, state: OLState) -> None:
        self.state = state
        self.enabled = state.config.webhooks_enabled
        self.subscriptions: dict[str, Subscription] = {}
        self.deliveries: list[Delivery] = []
        state.listeners.append(self.on_event)

    def subscribe(
        self, url: str, topics: list[str] | None = None, name: str = "", secret: str | None = None
    ) -> Subscription:
        sub_id = str(uuid.uuid4())
        sub = Subscription(
            sub_id, name or sub_id, url, topics or ["*"], secret or self.state.config.webhook_secret
        )
        self.subscriptions[sub_id] = sub
        return sub

    def rotate(self, sub: Subscription, new_secret: str | None) -> str:
        sub.previous_secret = sub.secret
        sub.previous_until = self.state.clock.time() + self.rotation_overlap_seconds
        sub.secret = new_secret or self.state.new_token()
        return sub.secret

    def on_event(self, topic: str, record: Record, muted: dict[str, str]) -> None:
        if not self.enabled:
            return
        for sub in self.subscriptions.values():
            if "*" not in sub.topics and topic not in sub.topics:
                continue
            if _muted(muted.get("subscriptions", ""), sub.id, sub.name) or _muted(
                muted.get("topics", ""), topic
            ):
                continue
            event_id = str(uuid.uuid4())
            payload: dict[str, Any] = {
                "eventId": event_id,
                "topic": topic,
                "timestamp": iso_date(self.state.clock.now()) + "Z",
                "subscriptionId": sub.id,
                "recordId": record.record_id,
                "identifier": record.identifier,
                "docType": record.doc_type,
                "subtype": record.subtype,
                "version": record.version,
            }
            delivery = Delivery(event_id, sub.id, topic, sub.url, payload)
            self.deliveries.append(delivery)
            self.state.spawn(self._deliver(sub, delivery))

    def _headers(self, sub: Subscription, delivery: Delivery, body: bytes) -> dict[str, str]:
        timestamp = int(self.state.clock.time())
        signatures = [f"v1,{sign(sub.secret, delivery.event_id, timestamp, body)}"]
        if sub.previous_secret and timestamp < sub.previous_until:
            signatures = [
                f"v1,{sign(sub.previous_secret, delivery.event_id, timestamp, body)}",
                f"v1a,{sign(sub.secret, delivery.event_id, timestamp, body)}",
            ]
        return {
            "content-type": "application/json",
            "webhook-id": delivery.event_id,
            "webhook-timestamp": str(timestamp),
            "x-ol-signature": " ".join(signatures),
        }

    async def _deliver(self, sub: Subscription, delivery: Delivery) -> None:
        body = json.dumps(delivery.payload, separators=(",", ":")).encode()
        cfg = self.state.config
        async with httpx.AsyncClient(timeout=5) as client:
            for attempt in range(cfg.webhook_max_retries + 1):
                if attempt:
                    await asyncio.sleep(cfg.webhook_retry_base_seconds * 2 ** (attempt - 1))
                record: dict[str, Any] = {"at": iso_date(self.state.clock.now()) + "Z"}
                try:
                    resp = await client.post(
                        delivery.url, content=body, headers=self._headers(sub, delivery, body)
                    )
                    record["status"] = resp.status_code
                except httpx.HTTPError as exc:
                    record["error"] = type(exc).__name__
                delivery.attempts.append(record)
                if 200 <= record.get("status", 0) < 300:
                    delivery.status = "delivered"
                    return
        delivery.status = "failed"

"""Webhook delivery: every event on the bus is POSTed to each matching ENABLED webhook (reference §8).

Deliveries run as asyncio tasks on the sandbox loop, one ordered queue per webhook, through one shared
``httpx.AsyncClient``. Delivery is at-least-once: ``duplicate_rate`` of them are sent twice (same body,
same ``request_id``), decided by a seeded ``random.Random`` so runs repeat. After ``failing_after``
consecutive failures (non-2xx or no response) the webhook turns ``FAILING`` with ``first_failed_at``,
``last_error`` and ``last_payload`` and gets nothing more until it is set back to ``ENABLED``
(iconik documents the FAILING switch but not its retry count or timeout, reference §8.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from dataclasses import dataclass
from typing import Any

import httpx

from assetbridge.transport.redaction import redact_url
from assetbridge_sandbox.iconik.state import Event, IconikState
from assetbridge_sandbox.iconik.webhook_query import QuerySyntaxError, compile_query

LOG_LIMIT = 10_000


@dataclass(frozen=True)
class Delivery:
    webhook_id: str
    payload: dict[str, Any]
    attempt: int  # 1, or 2 for the duplicate copy


def matches(webhook: dict[str, Any], event: Event) -> bool:
    if webhook.get("status") != "ENABLED":
        return False
    if str(webhook.get("event_type", "")).lower() != event.event_type.lower():
        return False
    for key, actual in (
        ("realm", event.realm),
        ("operation", event.operation),
        ("object_id", event.object_id),
    ):
        wanted = webhook.get(key)
        if wanted and str(wanted).lower() != actual.lower():
            return False
    query = webhook.get("query")
    if query:
        try:
            return compile_query(query)(event.payload())
        except QuerySyntaxError:
            return False
    return True


class WebhookDispatcher:
    """Subscribes to ``state.listeners`` and delivers; ``log`` backs ``GET /_sandbox/iconik/deliveries``."""

    def __init__(self, state: IconikState, seed: int = 0) -> None:
        self.state = state
        self.seed = seed
        self.rng = random.Random(seed)
        self.log: list[dict[str, Any]] = []
        self.failures: dict[str, int] = {}
        self.pending = 0
        self.loop: asyncio.AbstractEventLoop | None = None
        self._queues: dict[str, asyncio.Queue[Delivery]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None
        self._client_ready: asyncio.Event | None = None
        state.listeners.append(self.on_event)

    def reseed(self, seed: int) -> None:
        self.seed = seed
        self.rng = random.Random(seed)

    def bind_loop(self) -> None:
        """Remember the sandbox loop (called from async routes) for events emitted off-loop."""
        self.loop = asyncio.get_running_loop()

    def reset(self, webhook_id: str) -> None:
        self.failures.pop(webhook_id, None)

    def on_event(self, event: Event) -> None:
        deliveries = []
        for webhook in list(self.state.webhooks.values()):
            if matches(webhook, event):
                copies = 2 if self.rng.random() < self.state.config.webhooks.duplicate_rate else 1
                payload = event.payload()
                deliveries += [Delivery(webhook["id"], payload, n + 1) for n in range(copies)]
        if not deliveries:
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            if self.loop is None:
                return
            self.loop.call_soon_threadsafe(self._enqueue, deliveries)
            return
        self._enqueue(deliveries)

    def _enqueue(self, deliveries: list[Delivery]) -> None:
        if self.loop is None:
            self.loop = asyncio.get_running_loop()
        if self._client_ready is None:
            self._client_ready = asyncio.Event()
            self._spawn(self._own_client(self._client_ready))
        for delivery in deliveries:
            queue = self._queues.get(delivery.webhook_id)
            if queue is None:
                queue = self._queues[delivery.webhook_id] = asyncio.Queue()
                self._spawn(self._worker(queue, self._client_ready))
            self.pending += 1
            queue.put_nowait(delivery)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _own_client(self, ready: asyncio.Event) -> None:
        """Holds the shared client open for the loop's lifetime; closed when the loop cancels us."""
        async with httpx.AsyncClient(follow_redirects=False) as client:
            self._client = client
            ready.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()

    async def _worker(self, queue: asyncio.Queue[Delivery], ready: asyncio.Event) -> None:
        await ready.wait()
        while True:
            delivery = await queue.get()
            try:
                await self._deliver(delivery)
            finally:
                self.pending -= 1
                queue.task_done()

    async def _deliver(self, delivery: Delivery) -> None:
        webhook = self.state.webhooks.get(delivery.webhook_id)
        if webhook is None or webhook.get("status") != "ENABLED" or self._client is None:
            return
        url = str(webhook["url"])
        body = json.dumps(delivery.payload, default=str)
        headers = {"Content-Type": "application/json", **(webhook.get("headers") or {})}
        timeout = self.state.config.webhooks.timeout_seconds
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(url, content=body.encode(), headers=headers, timeout=timeout)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.TimeoutException:
            error = f"Timed out after {timeout:g}s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: no response"
        self._record(webhook, delivery, status, error, body)

    def _record(
        self, webhook: dict[str, Any], delivery: Delivery, status: int | None, error: str | None, body: str
    ) -> None:
        now = self.state.now()
        self.log.append(
            {
                "webhook_id": webhook["id"],
                "url": redact_url(str(webhook["url"])),
                "request_id": delivery.payload.get("request_id"),
                "event_type": delivery.payload.get("event_type"),
                "realm": delivery.payload.get("realm"),
                "operation": delivery.payload.get("operation"),
                "object_id": delivery.payload.get("object_id"),
                "attempt": delivery.attempt,
                "status_code": status,
                "error": error,
                "ok": error is None,
                "time": now,
            }
        )
        del self.log[:-LOG_LIMIT]
        if error is None:
            self.failures[webhook["id"]] = 0
            webhook.pop("first_failed_at", None)
            return
        streak = self.failures.get(webhook["id"], 0) + 1
        self.failures[webhook["id"]] = streak
        if streak == 1:
            webhook["first_failed_at"] = now
        webhook["last_error"] = error
        webhook["last_payload"] = body
        if streak >= self.state.config.webhooks.failing_after:
            webhook["status"] = "FAILING"
            webhook["date_modified"] = now

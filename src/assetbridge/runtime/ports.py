"""What the engine sees of the runtime: a job runner and a dead-letter sink.

The engine must not import this package (it sits below ``runtime`` in the layer contract); it declares
structurally identical Protocols of its own, or receives the objects already built by ``cli``/``runtime``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol

Lane = Literal["live", "backfill"]
"""``live``: triggered by a webhook, runs ahead of everything queued on ``backfill`` (bulk, polling,
reconciliation)."""

LANE_PRIORITY: dict[Lane, int] = {"live": 1, "backfill": 100}
"""Queue priority per lane; a lower number is dequeued first."""

Handler = Callable[[dict[str, Any]], Awaitable[None]]
"""A job handler: idempotent by contract (it may run more than once for one job)."""


class JobRunner(Protocol):
    async def submit(
        self,
        kind: str,
        key: str,
        payload: Mapping[str, Any],
        *,
        lane: Lane = "backfill",
        run_id: str | None = None,
    ) -> bool:
        """Queue one job; False when nothing was queued.

        A job ``(kind, key)`` that is still queued or running makes a new submission a no-op. Once it has
        finished, the same key may run again — unless ``run_id`` is given and a job with the same
        ``(kind, key, run_id)`` was ever submitted (``run_id`` makes a submission idempotent forever, e.g.
        the webhook event id).
        """
        ...


class DeadLetterSink(Protocol):
    def add(self, kind: str, key: str, payload: Mapping[str, Any], error: str, *, attempts: int) -> object:
        """Record a job that failed for good after ``attempts`` attempts; ``error`` is
        ``"<ErrorClass>: <message>"`` with secrets redacted."""
        ...

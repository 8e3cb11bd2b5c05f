"""A runner without durability: jobs run in this process, in lane order, one at a time.

For the one-shot CLI (``assetbridge sync``) and unit tests. Dedup, retries, backoff and dead letters
behave as in ``DbosRunner``; a crash loses the queue (the one-shot command is simply run again).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assetbridge.runtime.ports import LANE_PRIORITY, DeadLetterSink, Handler, Lane
from assetbridge.runtime.retry import JOB_RETRY, Attempt, JobResult, attempt, run_job
from assetbridge.runtime.schedules import ScheduleSpec
from assetbridge.transport.retry import RetryPolicy


@dataclass(frozen=True)
class _Job:
    kind: str
    key: str
    payload: dict[str, Any]


@dataclass
class RunSummary:
    done: int = 0
    dead: int = 0


class InlineRunner:
    def __init__(
        self,
        dead_letters: DeadLetterSink,
        *,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._dead_letters = dead_letters
        self._policy = policy or JOB_RETRY
        self._sleep = sleep
        self._handlers: dict[str, Handler] = {}
        self._schedules: list[ScheduleSpec] = []
        self._heap: list[tuple[int, int, _Job]] = []
        self._seq = itertools.count()
        self._active: set[tuple[str, str]] = set()
        self._run_ids: set[tuple[str, str, str]] = set()
        self.results: list[tuple[str, str, JobResult]] = []

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def schedule(self, spec: ScheduleSpec) -> None:
        self._schedules.append(spec)

    async def submit(
        self,
        kind: str,
        key: str,
        payload: Mapping[str, Any],
        *,
        lane: Lane = "backfill",
        run_id: str | None = None,
    ) -> bool:
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for job kind {kind!r}")
        if (kind, key) in self._active:
            return False
        if run_id is not None:
            if (kind, key, run_id) in self._run_ids:
                return False
            self._run_ids.add((kind, key, run_id))
        self._active.add((kind, key))
        heapq.heappush(self._heap, (LANE_PRIORITY[lane], next(self._seq), _Job(kind, key, dict(payload))))
        return True

    async def tick_schedules(self) -> None:
        """Submit every scheduled job once (a one-shot pass stands for one tick)."""
        at = datetime.now(UTC).isoformat()
        for spec in self._schedules:
            await self.submit(spec.kind, spec.name, {**spec.payload, "scheduled_at": at}, lane=spec.lane)

    async def run_until_idle(self) -> RunSummary:
        """Run queued jobs, including those the handlers submit, until none is left."""
        summary = RunSummary()
        while self._heap:
            _, _, job = heapq.heappop(self._heap)
            try:
                result = await self._run(job)
            finally:
                self._active.discard((job.kind, job.key))
            self.results.append((job.kind, job.key, result))
            if result.outcome == "done":
                summary.done += 1
            else:
                summary.dead += 1
        return summary

    async def _run(self, job: _Job) -> JobResult:
        handler = self._handlers[job.kind]

        async def run_attempt(number: int) -> Attempt:
            return await attempt(handler, dict(job.payload))

        async def dead_letter(error: str, attempts: int) -> None:
            self._dead_letters.add(job.kind, job.key, job.payload, error, attempts=attempts)

        return await run_job(self._policy, run_attempt, self._sleep, dead_letter)

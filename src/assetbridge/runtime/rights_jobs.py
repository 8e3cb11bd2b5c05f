"""Durable rights timers: at a window's start or end, re-evaluate the record and revoke/re-grant access.

A timer is a ``rights_timer`` job stored as a DBOS *delayed* workflow (``DbosRunner.submit(...,
delay_seconds=...)``): a row in the system database that becomes runnable at ``at``, so it survives a
restart and no process waits on it. Its job key is ``<RecordID>@<at>`` with a fixed run id, so arming the
same (record, time) twice queues one timer. On firing it runs ``engine.rights.enforce_record`` and arms the
decision's next change. Timers are also armed after every rights evaluation of a pair sync (an Orange Logic
change of the window re-arms) and, at start-up, for every stored next change (an overdue one runs at once).
"""

from __future__ import annotations

import asyncio
import uuid
import weakref
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog

from assetbridge.engine.context import SyncContext
from assetbridge.engine.dispatch import live_record_ids
from assetbridge.engine.rights import Enforcement, enforce_record
from assetbridge.runtime.dbos_runtime import DbosRunner
from assetbridge.state import Database
from assetbridge.state.repositories.rights import RightsRepo

if TYPE_CHECKING:
    from assetbridge.runtime.app import Service

log = structlog.get_logger("assetbridge.rights")

TIMER = "rights_timer"
EVALUATE = "rights_evaluate"
TIMER_RUN_ID = "timer"


def timer_key(record_id: str, at: datetime) -> str:
    return f"{record_id}@{at.astimezone(UTC).isoformat()}"


async def arm_rights_timer(runner: DbosRunner, record_id: str, at: datetime) -> None:
    """A durable timer: at `at`, re-evaluate `record_id`'s rights and revoke/re-grant access in iconik."""
    if at.tzinfo is None:
        raise ValueError("arm_rights_timer needs an aware datetime")
    delay = (at - datetime.now(UTC)).total_seconds()
    payload = {"record_id": record_id, "at": at.astimezone(UTC).isoformat()}
    armed = await runner.submit(
        TIMER,
        timer_key(record_id, at),
        payload,
        lane="live",
        run_id=TIMER_RUN_ID,
        delay_seconds=max(delay, 0),
    )
    if armed:
        log.info("rights timer armed", record_id=record_id, at=payload["at"])


def _pending_changes(db: Database) -> list[tuple[str, datetime]]:
    """Every stored next change, overdue ones included (their evaluation may never have run)."""
    with db.session() as session:
        rows = RightsRepo(session).upcoming(limit=None)
        return [(row.record_id, row.next_change_at) for row in rows if row.next_change_at is not None]


def _unevaluated(db: Database) -> list[str]:
    with db.session() as session:
        known = RightsRepo(session).record_ids()
    return [record_id for record_id in live_record_ids(db) if record_id not in known]


class RightsJobs:
    """The rights job handlers of one ``Service`` (its context and runner)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        # One evaluation per record at a time (a timer and a change event must not both revoke); records
        # are evaluated in parallel, and not under the sync lock: a pass must not hold back a due revocation.
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @property
    def enabled(self) -> bool:
        return self.service.loaded.config.flows.rights.enabled

    async def after(self, result: Enforcement) -> None:
        if result.next_change_at is not None:
            await arm_rights_timer(self.service.runner, result.record_id, result.next_change_at)

    async def timer_job(self, payload: dict[str, Any]) -> None:
        record_id = str(payload["record_id"])
        at = datetime.fromisoformat(str(payload["at"]))
        # the queue may hand the job over a hair early; the decision must see the window's edge
        while (early := (at - datetime.now(UTC)).total_seconds()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(early)
        await self.evaluate(record_id, trigger=f"timer {payload['at']}")

    async def evaluate_job(self, payload: dict[str, Any]) -> None:
        await self.evaluate(str(payload["record_id"]), trigger=str(payload.get("trigger", "change")))

    async def evaluate(self, record_id: str, *, trigger: str, event_id: str | None = None) -> Enforcement:
        ctx: SyncContext = self.service.ctx
        lock = self._locks.get(record_id)
        if lock is None:
            lock = self._locks[record_id] = asyncio.Lock()
        async with lock:
            result = await enforce_record(ctx, record_id, event_id=event_id, trigger=trigger)
        log.info("rights evaluated", record_id=record_id, outcome=result.outcome, trigger=trigger)
        await self.after(result)
        return result

    async def after_sync(self, record_id: str, event_id: str | None = None) -> None:
        """Called after a pair sync (an Orange Logic change may have moved the window or the status)."""
        if self.enabled:
            # one job per change: a running evaluation may have read the record before this change
            key = f"{record_id}:{uuid.uuid4().hex[:12]}"
            await self.service.runner.submit(
                EVALUATE, key, {"record_id": record_id, "trigger": "change"}, lane="live"
            )

    async def after_pass(self, record_ids: Iterable[str]) -> None:
        """Called after a sync pass: every pair it linked, created or synced gets (re-)evaluated."""
        for record_id in record_ids if self.enabled else ():
            await self.after_sync(record_id)

    async def startup(self) -> None:
        """Arm a timer for every stored next change (already armed ones are not doubled) and evaluate
        every linked record that has no rights state yet (it gets its first decision and timer)."""
        if not self.enabled:
            return
        db = self.service.ctx.db
        upcoming = await asyncio.to_thread(_pending_changes, db)
        for record_id, at in upcoming:
            await arm_rights_timer(self.service.runner, record_id, at)
        unknown = await asyncio.to_thread(_unevaluated, db)
        for record_id in unknown:
            await self.service.runner.submit(
                EVALUATE, record_id, {"record_id": record_id, "trigger": "start-up"}, lane="backfill"
            )
        log.info("rights timers re-armed", upcoming=len(upcoming), first_evaluations=len(unknown))


def register_rights_jobs(service: Service, runner: DbosRunner) -> RightsJobs:
    jobs = RightsJobs(service)
    runner.register(TIMER, jobs.timer_job)
    runner.register(EVALUATE, jobs.evaluate_job)
    return jobs

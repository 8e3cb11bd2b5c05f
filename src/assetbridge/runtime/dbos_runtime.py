"""The durable runner on DBOS: one priority queue of job workflows, cron ticks, recovery on launch.

Each job is a DBOS workflow whose id is ``<kind>:<key>:<run id>``; every handler attempt and the
dead-letter write are checkpointed steps and the backoff is a durable sleep, so a worker killed at any
point resumes the job where it stopped (the interrupted attempt runs again: at-least-once per step,
exactly one recorded completion per workflow id). ``<kind>:<key>`` is the queue's deduplication id,
which DBOS holds while the workflow is queued or running.

DBOS is a process-wide singleton: one ``DbosRunner`` may be started at a time in a process.
"""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from dbos import (
    DBOS,
    DBOSConfig,
    Queue,
    ScheduleInput,
    SetEnqueueOptions,
    SetWorkflowID,
    WorkflowHandleAsync,
)
from dbos._error import DBOSQueueDeduplicatedError, DBOSWorkflowIDInUseError

from assetbridge import __version__
from assetbridge.runtime.ports import LANE_PRIORITY, DeadLetterSink, Handler, Lane
from assetbridge.runtime.retry import JOB_RETRY, Attempt, JobResult, attempt, describe, run_job
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron
from assetbridge.transport.retry import RetryPolicy


@dataclass(frozen=True)
class DbosSettings:
    system_database_url: str
    """``sqlite:///path/to/file.sqlite`` or ``postgresql+psycopg://...``; shared by every worker."""
    app_name: str = "assetbridge"
    queue_name: str = "assetbridge-jobs"
    worker_concurrency: int = 4
    """Jobs running at once in one worker process."""
    global_concurrency: int | None = None
    """Jobs running at once across all workers (None: no limit beyond the per-worker one)."""
    polling_interval: float = 1.0
    """Seconds between two looks at the queue."""
    executor_id: str = "local"
    """Identity of this worker; a restarted worker with the same id recovers the jobs it was running."""
    application_version: str = f"assetbridge-{__version__}"
    retry: RetryPolicy = JOB_RETRY
    scheduler_polling_interval: float = 5.0
    log_level: str = "WARNING"


T = TypeVar("T")


def workflow_id(kind: str, key: str, run_id: str) -> str:
    return f"{kind}:{key}:{run_id}"


_active: DbosRunner | None = None


def _runner() -> DbosRunner:
    if _active is None:
        raise RuntimeError("a DBOS job ran while no DbosRunner is started in this process")
    return _active


@DBOS.workflow(name="assetbridge.job")
async def _job_workflow(kind: str, key: str, payload: dict[str, Any]) -> JobResult:
    runner = _runner()

    async def run_attempt(number: int) -> Attempt:
        async def once() -> Attempt:
            try:
                handler = runner.handler(kind)
            except KeyError as exc:
                return Attempt(False, describe(exc))
            return await runner.on_handler_loop(attempt(handler, dict(payload)))

        return await DBOS.run_step_async({"name": f"{kind}#{number}"}, once)

    async def dead_letter(error: str, attempts: int) -> None:
        def write() -> None:
            runner.dead_letters.add(kind, key, payload, error, attempts=attempts)

        await DBOS.run_step_async({"name": "dead_letter"}, write)

    return await run_job(runner.settings.retry, run_attempt, DBOS.sleep_async, dead_letter)


@DBOS.workflow(name="assetbridge.tick")
async def _tick_workflow(scheduled_at: datetime, context: dict[str, Any]) -> None:
    """One cron tick: queue the schedule's job; skipped while the previous tick's job is unfinished."""
    payload = {**context["payload"], "scheduled_at": scheduled_at.isoformat()}
    await _runner().enqueue(
        context["kind"], context["name"], payload, lane=context["lane"], run_id=scheduled_at.isoformat()
    )


class DbosRunner:
    def __init__(self, settings: DbosSettings, dead_letters: DeadLetterSink) -> None:
        self.settings = settings
        self.dead_letters = dead_letters
        self._handlers: dict[str, Handler] = {}
        self._schedules: list[ScheduleSpec] = []
        self._queue: Queue | None = None
        self._handler_loop: asyncio.AbstractEventLoop | None = None

    def register(self, kind: str, handler: Handler) -> None:
        """Register before ``start()``: recovery on launch runs interrupted jobs at once."""
        self._handlers[kind] = handler

    def schedule(self, spec: ScheduleSpec) -> None:
        self._schedules.append(spec)

    def handler(self, kind: str) -> Handler:
        try:
            return self._handlers[kind]
        except KeyError:
            raise KeyError(f"no handler registered for job kind {kind!r}") from None

    async def start(self, *, handler_loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Launch DBOS, recover this executor's interrupted jobs, start taking queued ones.

        DBOS runs workflows on an event loop of its own thread. Pass ``handler_loop`` (usually
        ``asyncio.get_running_loop()``) to run the handlers on the application's loop instead, where its
        HTTP clients and their connection pools live; that loop must keep running until ``stop()``.
        """
        self._handler_loop = handler_loop
        await asyncio.to_thread(self._launch)

    async def on_handler_loop(self, coro: Coroutine[Any, Any, T]) -> T:
        loop = self._handler_loop
        if loop is None or loop is asyncio.get_running_loop():
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))

    async def stop(self, drain_seconds: int = 10) -> None:
        """Stop taking work and wait up to ``drain_seconds`` for running jobs (the rest resume on restart)."""
        await asyncio.to_thread(self._destroy, drain_seconds)

    async def submit(
        self,
        kind: str,
        key: str,
        payload: Mapping[str, Any],
        *,
        lane: Lane = "backfill",
        run_id: str | None = None,
        delay_seconds: float | None = None,
    ) -> bool:
        """Queue one job (see ``JobRunner.submit``); with ``delay_seconds`` it is stored as a DBOS delayed
        workflow that becomes runnable only then (durable: it survives a restart, no process waits on it)."""
        self.handler(kind)
        # A handler runs inside a DBOS step, where DBOS refuses to start workflows; a job submitted from
        # there is an independent job, so it is enqueued from a context free of DBOS's step state.
        enqueue = self.enqueue(
            kind, key, dict(payload), lane=lane, run_id=run_id, delay_seconds=delay_seconds
        )
        return await asyncio.create_task(enqueue, context=contextvars.Context())

    async def enqueue(
        self,
        kind: str,
        key: str,
        payload: dict[str, Any],
        *,
        lane: Lane,
        run_id: str | None,
        delay_seconds: float | None = None,
    ) -> bool:
        queue = self._require_queue()
        wf_id = workflow_id(kind, key, run_id or uuid.uuid4().hex)
        with (
            SetWorkflowID(wf_id, workflow_id_reuse_policy="reject"),
            SetEnqueueOptions(
                deduplication_id=f"{kind}:{key}",
                priority=LANE_PRIORITY[lane],
                delay_seconds=delay_seconds if delay_seconds and delay_seconds > 0 else None,
            ),
        ):
            try:
                await queue.enqueue_async(_job_workflow, kind, key, payload)
            except (DBOSQueueDeduplicatedError, DBOSWorkflowIDInUseError):
                return False
        return True

    async def result(self, kind: str, key: str, run_id: str) -> JobResult:
        """Wait for the job submitted with ``run_id`` and return how it ended."""
        handle: WorkflowHandleAsync[JobResult] = await DBOS.retrieve_workflow_async(
            workflow_id(kind, key, run_id)
        )
        result: JobResult = await handle.get_result(polling_interval_sec=self.settings.polling_interval)
        return result

    async def depth(self) -> dict[str, int]:
        """Jobs waiting per lane and jobs running (all workers): ``{"live", "backfill", "running"}``."""
        lanes = {priority: lane for lane, priority in LANE_PRIORITY.items()}
        counts = {"live": 0, "backfill": 0, "running": 0}
        queued = await DBOS.list_queued_workflows_async(
            queue_name=self.settings.queue_name, load_input=False, load_output=False
        )
        for status in queued:
            if status.status == "ENQUEUED":
                counts[lanes.get(status.priority or 0, "backfill")] += 1
            elif status.status == "PENDING":
                counts["running"] += 1
        return counts

    def _require_queue(self) -> Queue:
        if self._queue is None:
            raise RuntimeError("DbosRunner.start() has not been called")
        return self._queue

    def _launch(self) -> None:
        global _active
        if _active is not None:
            raise RuntimeError("another DbosRunner is already started in this process")
        s = self.settings
        config: DBOSConfig = {
            "name": s.app_name,
            "system_database_url": s.system_database_url,
            "executor_id": s.executor_id,
            "application_version": s.application_version,
            "log_level": s.log_level,
            "scheduler_polling_interval_sec": s.scheduler_polling_interval,
        }
        _active = self
        try:
            DBOS(config=config)
            DBOS.launch()
            self._queue = DBOS.register_queue(
                s.queue_name,
                worker_concurrency=s.worker_concurrency,
                global_concurrency=s.global_concurrency,
                polling_interval_sec=s.polling_interval,
                on_conflict="always_update",
            )
            self._apply_schedules()
        except BaseException:
            _active = None
            DBOS.destroy()
            raise

    def _apply_schedules(self) -> None:
        """Make the shared schedule table match this worker's configuration (removed ones are deleted)."""
        inputs = [self._schedule_input(spec) for spec in self._schedules]
        if inputs:
            DBOS.apply_schedules(inputs)
        wanted = {entry["schedule_name"] for entry in inputs}
        for existing in DBOS.list_schedules(schedule_name_prefix=f"{self.settings.queue_name}:"):
            if existing["schedule_name"] not in wanted:
                DBOS.delete_schedule(existing["schedule_name"])

    def _schedule_input(self, spec: ScheduleSpec) -> ScheduleInput:
        self.handler(spec.kind)
        return {
            "schedule_name": f"{self.settings.queue_name}:{spec.name}",
            "workflow_fn": _tick_workflow,
            "schedule": interval_to_cron(spec.every),
            "context": {"kind": spec.kind, "name": spec.name, "payload": spec.payload, "lane": spec.lane},
        }

    def _destroy(self, timeout: int) -> None:
        global _active
        try:
            DBOS.destroy(workflow_completion_timeout_sec=timeout)
        finally:
            self._queue = None
            _active = None

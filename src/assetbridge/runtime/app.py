"""``assetbridge run``: the webhook receiver, the durable workers and the schedules, in one process.

Job kinds on the DBOS runner:

- ``sync_pair`` (live lane, key ``metadata_sync:<RecordID>``): waits out the debounce window, then syncs
  the linked pair as it is now. Its payload is ``{"record_id", "link_id"}``, the same as the dead letters
  the sync pass files, so ``replay`` re-runs either.
- ``poll`` (every ``poll_interval_seconds``, and once at start-up) and ``reconcile`` (every
  ``reconcile_interval_seconds``, backfill lane): one capture-and-sync pass (``run_pass``).
- ``drain_inbox`` (every few seconds, and run directly by a fast loop): claims inbox rows, maps each to
  its pair, submits ``sync_pair`` with the first event's row as run id (a re-claimed row after a crash
  submits nothing new), marks the rows done, quarantines what names no asset.

Sync work is serialized in this process (one lock): a pass and a pair job never write the same pair at
once, and a pass's match-then-create never races a second create.

The DBOS system database is the state database on PostgreSQL; for a SQLite state file it is a sibling
file ``<state>.dbos.sqlite`` (two writers on one SQLite file would wait on each other's write lock).
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import structlog
from dbos import DBOS
from pydantic import SecretStr

from assetbridge.config import LoadedConfig
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.engine.dispatch import (
    Debouncer,
    UnmappableEvent,
    event_target,
    live_record_ids,
    pair_key,
    resolve_target,
    sync_record,
)
from assetbridge.engine.inbox_port import DatabaseInbox, InboxPort
from assetbridge.engine.sync_pass import run_pass
from assetbridge.engine.webhook_admin import check_iconik_webhooks, ensure_iconik_webhooks
from assetbridge.errors import AssetBridgeError, ConfigError
from assetbridge.runtime.archive_jobs import register_archive_jobs
from assetbridge.runtime.dbos_runtime import DbosRunner, DbosSettings, workflow_id
from assetbridge.runtime.dead_letters import StateDeadLetters
from assetbridge.runtime.media_jobs import TICK_SECONDS as MEDIA_TICK_SECONDS
from assetbridge.runtime.media_jobs import register_media_jobs
from assetbridge.runtime.publish_jobs import register_publish_jobs
from assetbridge.runtime.review_jobs import register_review_jobs
from assetbridge.runtime.rights_jobs import register_rights_jobs
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron
from assetbridge.state import Database

log = structlog.get_logger("assetbridge.run")

INBOX_LEASE = timedelta(seconds=30)
DRAIN_EVERY = 0.2
DRAIN_SCHEDULE_SECONDS = 10
FAILED_ROUND_PAUSE = 5.0


def system_database_url(state_url: str) -> str:
    if not state_url.startswith("sqlite"):
        return state_url
    _, _, path = state_url.partition(":///")
    if not path or path == ":memory:":
        raise AssetBridgeError("assetbridge run needs a state database file, not an in-memory one")
    file = Path(path)
    return f"sqlite:///{file.with_name(file.name + '.dbos.sqlite')}"


def schedule_seconds(value: float) -> int:
    return max(1, round(value))


def schedules(loaded: LoadedConfig) -> list[ScheduleSpec]:
    """The periodic jobs of the metadata flow; an interval without a cron form is a ``ConfigError``
    naming the file and key."""
    flow = loaded.config.flows.metadata_sync
    specs = [
        ("poll", "poll_interval_seconds", flow.poll_interval_seconds),
        ("reconcile", "reconcile_interval_seconds", flow.reconcile_interval_seconds),
    ]
    out: list[ScheduleSpec] = []
    for kind, key, seconds in specs:
        every = schedule_seconds(seconds)
        try:
            interval_to_cron(every)
        except ConfigError as error:
            message = str(error).removeprefix("every: ")
            raise ConfigError(message, file=str(loaded.path), key=f"flows.metadata_sync.{key}") from None
        out.append(ScheduleSpec(kind, kind, every))
    out.append(ScheduleSpec("drain_inbox", "drain_inbox", DRAIN_SCHEDULE_SECONDS, lane="live"))
    return out


class Receiver(Protocol):
    """The running webhook receiver (the web layer's ``WebServer``, started by the CLI)."""

    url: str

    def stop(self) -> None: ...


StartReceiver = Callable[[InboxPort, SecretStr], Receiver]
"""Starts the receiver on ``inbox`` accepting iconik deliveries that carry this secret."""


@dataclass(frozen=True)
class Claimed:
    id: int
    system: str
    event_id: str
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class RunOptions:
    executor_id: str = "local"
    worker_concurrency: int = 4
    queue_polling: float = 0.2


class Service:
    """One running AssetBridge: ``await Service(loaded, start_receiver).run(stop)`` until ``stop`` is set."""

    def __init__(
        self, loaded: LoadedConfig, start_receiver: StartReceiver, options: RunOptions | None = None
    ) -> None:
        self.loaded = loaded
        self.start_receiver = start_receiver
        self.options = options or RunOptions()
        flow = loaded.config.flows.metadata_sync
        self.debouncer = Debouncer(
            timedelta(seconds=flow.debounce_seconds), timedelta(seconds=max(10 * flow.debounce_seconds, 1))
        )
        receiver = loaded.config.receiver
        self.iconik_secret = receiver.iconik_secret or SecretStr(secrets.token_urlsafe(24))
        self.lock = asyncio.Lock()
        self.url = ""
        self.webhook_url = ""
        self._ctx: SyncContext | None = None
        self._runner: DbosRunner | None = None

    @property
    def ctx(self) -> SyncContext:
        assert self._ctx is not None, "Service.run() has not started"
        return self._ctx

    @property
    def runner(self) -> DbosRunner:
        assert self._runner is not None, "Service.run() has not started"
        return self._runner

    def register(self, runner: DbosRunner) -> None:
        runner.register("sync_pair", self.sync_pair_job)
        runner.register("poll", self.pass_job)
        runner.register("reconcile", self.reconcile_job)
        runner.register("drain_inbox", self.drain_job)
        self.rights = register_rights_jobs(self, runner)
        self.media = register_media_jobs(self, runner)
        self.review = register_review_jobs(self, runner)
        self.publish = register_publish_jobs(self, runner)
        self.archive = register_archive_jobs(self, runner)
        for spec in schedules(self.loaded):
            runner.schedule(spec)

    async def run(self, stop: asyncio.Event, on_ready: Callable[[str], None] | None = None) -> None:
        loaded = self.loaded
        db = Database(loaded.state_url)
        try:
            await asyncio.to_thread(db.upgrade)
            async with open_context(loaded, db=db, upgrade=False) as ctx:
                self._ctx = ctx
                await self._serve(ctx, db, stop, on_ready)
        finally:
            db.dispose()

    async def _serve(
        self, ctx: SyncContext, db: Database, stop: asyncio.Event, on_ready: Callable[[str], None] | None
    ) -> None:
        receiver = self.loaded.config.receiver
        web = self.start_receiver(DatabaseInbox(db), self.iconik_secret)
        self.url = web.url
        public = (receiver.public_url or web.url).rstrip("/")
        runner = DbosRunner(
            DbosSettings(
                system_database_url=system_database_url(self.loaded.state_url),
                executor_id=self.options.executor_id,
                worker_concurrency=self.options.worker_concurrency,
                polling_interval=self.options.queue_polling,
                scheduler_polling_interval=1.0,
            ),
            StateDeadLetters(db),
        )
        self._runner = runner
        self.register(runner)
        tasks: list[asyncio.Task[None]] = []
        try:
            await runner.start(handler_loop=asyncio.get_running_loop())
            if receiver.register_iconik_webhooks:
                self.webhook_url = f"{public}/webhooks/iconik"
                await self.register_webhooks()
                every = receiver.webhook_check_interval_seconds
                tasks.append(asyncio.create_task(self._every(every, self.check_webhooks)))
            await runner.submit("poll", "poll", {"reason": "start-up"})
            await self.rights.startup()
            await self.media.startup()
            await self.publish.startup()
            await self.archive.startup()
            tasks.append(asyncio.create_task(self._every(DRAIN_EVERY, self.drain_once)))
            if self.media.enabled:
                tasks.append(asyncio.create_task(self._every(MEDIA_TICK_SECONDS, self.media.tick)))
            log.info("assetbridge running", receiver=web.url, executor=self.options.executor_id)
            if on_ready is not None:
                on_ready(web.url)
            await stop.wait()
            log.info("stopping")
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with suppress(asyncio.CancelledError):
                    await task
            web.stop()
            await runner.stop()
            self._runner = None

    async def _every(self, seconds: float, work: Callable[[], Awaitable[Any]]) -> None:
        while True:
            pause = seconds
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a loop of the service must outlive one failed round
                log.warning("background work failed", work=work.__name__, error=self.loaded.redact(str(exc)))
                pause = max(seconds, FAILED_ROUND_PAUSE)
            await asyncio.sleep(pause)

    async def register_webhooks(self) -> None:
        """Create or repair our iconik webhooks; iconik being unreachable is logged, not fatal (polling
        covers the gap and the periodic check registers them once iconik answers)."""
        try:
            result = await ensure_iconik_webhooks(
                self.ctx.iconik, self.webhook_url, self.iconik_secret.get_secret_value()
            )
        except AssetBridgeError as error:
            log.warning("iconik webhooks not registered", error=self.loaded.redact(str(error)))
            return
        log.info("iconik webhooks registered", created=len(result.created), updated=len(result.updated))

    async def check_webhooks(self) -> None:
        health = await check_iconik_webhooks(
            self.ctx.iconik, orangelogic_webhooks=bool(self.loaded.config.receiver.orangelogic_secrets)
        )
        for line in health.lines():
            (log.info if health.ok else log.warning)(line)
        if health.missing or health.disabled:
            await self.register_webhooks()

    async def pass_job(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            report = await run_pass(self.ctx)
        log.info("sync pass done", **report.summary)
        await self.rights.after_pass(o.record_id for o in report.outcomes if o.asset_id)

    async def reconcile_job(self, payload: dict[str, Any]) -> None:
        """A pass (new and changed records), then every linked pair re-read on the backfill lane: repairs
        drift that neither a webhook nor a cursor reported. Re-running it (recovery) queues nothing twice."""
        await self.pass_job(payload)
        records = await self.ctx.db_call(live_record_ids, self.ctx.db)
        run_id = f"reconcile-{payload.get('scheduled_at') or uuid.uuid4().hex}"
        for record_id in records:
            await self.runner.submit(
                "sync_pair", pair_key(record_id), {"record_id": record_id}, lane="backfill", run_id=run_id
            )
        log.info("reconciliation queued", pairs=len(records))

    async def sync_pair_job(self, payload: dict[str, Any]) -> None:
        record_id = str(payload["record_id"])
        key = pair_key(record_id)
        # each event of the burst moves the due time: sleep until it stops moving
        while (delay := self.debouncer.delay(key, datetime.now(UTC))) > 0:  # noqa: ASYNC110
            await asyncio.sleep(delay)
        async with self.lock:
            self.debouncer.reading(key, datetime.now(UTC))
            outcome = await sync_record(self.ctx, record_id, event_id=payload.get("event_id"))
        log.info("pair job done", record_id=record_id, outcome=outcome)
        await self.rights.after_sync(record_id)

    async def drain_job(self, payload: dict[str, Any]) -> None:
        await self.drain_once()

    def _claim(self) -> list[Claimed]:
        with self.ctx.db.unit_of_work() as uow:
            items = uow.inbox.claim_batch(50, worker=self.options.executor_id, lease=INBOX_LEASE)
            return [Claimed(i.id, i.system, i.event_id, bytes(i.body), i.received_at) for i in items]

    def _finish(self, done: list[int], released: list[int], quarantined: list[tuple[int, str]]) -> None:
        with self.ctx.db.unit_of_work() as uow:
            for item_id in done:
                uow.inbox.mark_done(item_id)
            for item_id in released:
                uow.inbox.release(item_id)
            for item_id, reason in quarantined:
                uow.inbox.quarantine(item_id, reason)

    async def drain_once(self) -> int:
        """Claim inbox rows and turn them into jobs; returns how many rows were claimed."""
        items = await asyncio.to_thread(self._claim)
        if not items:
            return 0
        done: list[int] = []
        released: list[int] = []
        quarantined: list[tuple[int, str]] = []
        groups: dict[str, list[Claimed]] = {}
        payloads: dict[str, dict[str, Any]] = {}
        needs_pass = False
        for item in items:
            await self.review.observe(item.id, item.system, item.event_id, item.body)
            await self.archive.observe(item.system, item.body)
            try:
                target = event_target(item.system, item.body)
            except UnmappableEvent as exc:
                quarantined.append((item.id, str(exc)))
                continue
            if target is None:
                done.append(item.id)
                continue
            resolution = await self.ctx.db_call(resolve_target, self.ctx.db, target)
            if resolution.key is None or resolution.payload is None:
                needs_pass = needs_pass or resolution.needs_pass
                done.append(item.id)
                continue
            groups.setdefault(resolution.key, []).append(item)
            payloads[resolution.key] = resolution.payload
        if needs_pass:
            await self.runner.submit("poll", "poll", {"reason": "webhook"}, lane="live")
        for key, group in groups.items():
            ids = [i.id for i in group]
            for item in group:
                self.debouncer.saw(key, item.received_at)
            run_id = f"inbox-{group[0].id}"
            payload = {**payloads[key], "event_id": group[0].event_id}
            received = max(i.received_at for i in group)
            if await self._handed_over(key, payload, run_id, received):
                done += ids
            else:
                released += ids
        await asyncio.to_thread(self._finish, done, released, quarantined)
        if quarantined:
            log.warning("inbox events quarantined", count=len(quarantined))
        return len(items)

    async def _handed_over(self, key: str, payload: dict[str, Any], run_id: str, received: datetime) -> bool:
        """Whether a ``sync_pair`` job will read the pair after ``received``: a new one was queued, this
        group's was queued before a crash, or the queued/running one has not started reading yet."""
        if await self.runner.submit("sync_pair", key, payload, lane="live", run_id=run_id):
            return True
        if await DBOS.get_workflow_status_async(workflow_id("sync_pair", key, run_id)) is not None:
            return True
        return self.debouncer.covered(key, received)

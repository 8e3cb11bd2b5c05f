"""The publish flow on the DBOS runner: steady-state and full publish passes, and rights timers.

- ``publish_poll`` (every ``flows.publish.poll_interval_seconds``, and once at start-up): a publish pass
  over what changed since each rule's cursor.
- ``publish_reconcile`` (every ``reconcile_interval_seconds``, backfill lane): a full pass (every rule
  re-selects everything; assets that left a rule get its ``on_leave`` policy; derived assets are looked
  for in the campaign collections).

Both run under the service's sync lock (a pass never races a pair job's match-then-create). After a pass,
every asset published or up to date whose rights decision changes by time alone (``next_change_at``) gets
a durable rights timer (``arm_rights_timer``; arming the same time twice queues one timer).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from assetbridge.config import LoadedConfig
from assetbridge.engine.publish import run_publish
from assetbridge.engine.publish_report import PublishReport
from assetbridge.errors import ConfigError
from assetbridge.runtime.dbos_runtime import DbosRunner
from assetbridge.runtime.rights_jobs import arm_rights_timer
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron

if TYPE_CHECKING:
    from assetbridge.runtime.app import Service

log = structlog.get_logger("assetbridge.publish")

POLL = "publish_poll"
RECONCILE = "publish_reconcile"
LIVE = ("publish", "new_version", "up_to_date")  # outcomes whose asset is in iconik now


def publish_schedules(loaded: LoadedConfig) -> list[ScheduleSpec]:
    """The periodic publish jobs; an interval without a cron form is a ``ConfigError`` naming the key."""
    flow = loaded.config.flows.publish
    if not flow.enabled:
        return []
    out: list[ScheduleSpec] = []
    for kind, key, seconds in (
        (POLL, "poll_interval_seconds", flow.poll_interval_seconds),
        (RECONCILE, "reconcile_interval_seconds", flow.reconcile_interval_seconds),
    ):
        every = max(1, round(seconds))
        try:
            interval_to_cron(every)
        except ConfigError as error:
            message = str(error).removeprefix("every: ")
            raise ConfigError(message, file=str(loaded.path), key=f"flows.publish.{key}") from None
        out.append(ScheduleSpec(kind, kind, every))
    return out


class PublishJobs:
    """The publish job handlers of one ``Service`` (its context, lock and runner)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.last: PublishReport | None = None

    @property
    def enabled(self) -> bool:
        return self.service.loaded.config.flows.publish.enabled

    async def startup(self) -> None:
        if self.enabled:
            await self.service.runner.submit(POLL, POLL, {"reason": "start-up"})

    async def poll_job(self, payload: dict[str, Any]) -> None:
        await self._pass(full=False)

    async def reconcile_job(self, payload: dict[str, Any]) -> None:
        await self._pass(full=True)

    async def _pass(self, *, full: bool) -> None:
        if not self.enabled:
            return
        async with self.service.lock:
            report = await run_publish(self.service.ctx, full=full)
        self.last = report
        log.info("publish pass done", full=full, **report.summary)
        timers = 0
        for outcome in report.outcomes:
            rights = outcome.rights
            if outcome.action in LIVE and rights is not None and rights.next_change_at is not None:
                await arm_rights_timer(self.service.runner, outcome.record_id, rights.next_change_at)
                timers += 1
        if timers:
            log.info("publish armed rights timers", count=timers)


def register_publish_jobs(service: Service, runner: DbosRunner) -> PublishJobs:
    jobs = PublishJobs(service)
    runner.register(POLL, jobs.poll_job)
    runner.register(RECONCILE, jobs.reconcile_job)
    for spec in publish_schedules(service.loaded):
        runner.schedule(spec)
    return jobs

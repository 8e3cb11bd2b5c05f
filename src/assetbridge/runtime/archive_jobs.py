"""The archive flow on the DBOS runner: completed projects found by webhook or polling, archived as jobs.

- ``observe`` (called for each inbox event): an iconik ``collections``/``metadata`` event queues an
  ``archive_project`` job for that collection (key: the collection id, so a burst of edits queues one).
- ``archive_poll`` (every ``flows.archive.poll_interval_seconds``, and once at start-up): every completed
  collection not archived yet gets an ``archive_project`` job — the safety net for lost webhooks and for
  projects whose earlier archive left failed assets.
- ``archive_project``: ``engine.archive.archive_project``; a collection that is not completed (the event
  was another metadata edit) is skipped. Finished assets are never sent again, so a retry is cheap.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import structlog

from assetbridge.config import LoadedConfig
from assetbridge.engine.archive import (
    NotCompletedError,
    archive_project,
    collection_from_event,
    find_completed,
)
from assetbridge.errors import ConfigError
from assetbridge.runtime.dbos_runtime import DbosRunner
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron

if TYPE_CHECKING:
    from assetbridge.runtime.app import Service

log = structlog.get_logger("assetbridge.archive")

POLL = "archive_poll"
PROJECT = "archive_project"


def archive_schedules(loaded: LoadedConfig) -> list[ScheduleSpec]:
    flow = loaded.config.flows.archive
    if not flow.enabled:
        return []
    every = flow.poll_interval_seconds
    try:
        interval_to_cron(every)
    except ConfigError as error:
        message = str(error).removeprefix("every: ")
        raise ConfigError(message, file=str(loaded.path), key="flows.archive.poll_interval_seconds") from None
    return [ScheduleSpec(POLL, POLL, every)]


class ArchiveJobs:
    def __init__(self, service: Service) -> None:
        self.service = service

    @property
    def enabled(self) -> bool:
        return self.service.loaded.config.flows.archive.enabled

    async def startup(self) -> None:
        if self.enabled:
            await self.service.runner.submit(POLL, POLL, {"reason": "start-up"})

    async def observe(self, system: str, body: bytes) -> None:
        """An inbox event: a collection's metadata changed → that collection may now be completed."""
        if not self.enabled or system != "iconik":
            return
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return
        collection_id = collection_from_event(data) if isinstance(data, dict) else None
        if collection_id is not None:
            await self.service.runner.submit(
                PROJECT, collection_id, {"collection_id": collection_id}, lane="live"
            )

    async def poll_job(self, payload: dict[str, Any]) -> None:
        if not self.enabled:
            return
        for project in await find_completed(self.service.ctx):
            cid = project.collection_id
            await self.service.runner.submit(PROJECT, cid, {"collection_id": cid}, lane="backfill")

    async def project_job(self, payload: dict[str, Any]) -> None:
        collection_id = str(payload["collection_id"])
        try:
            report = await archive_project(self.service.ctx, collection_id)
        except NotCompletedError as exc:
            log.info("archive.skipped", collection_id=collection_id, reason=str(exc))
            return
        for outcome in report.failed:
            log.error(
                "archive.asset_failed",
                collection_id=collection_id,
                asset_id=outcome.asset_id,
                error=outcome.error,
            )


def register_archive_jobs(service: Service, runner: DbosRunner) -> ArchiveJobs:
    jobs = ArchiveJobs(service)
    runner.register(POLL, jobs.poll_job)
    runner.register(PROJECT, jobs.project_job)
    for spec in archive_schedules(service.loaded):
        runner.schedule(spec)
    return jobs

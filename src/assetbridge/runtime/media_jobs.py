"""Original on request, on the DBOS runner: the custom action at start-up, clicks turned into jobs.

- At start-up (and on every tick until it succeeds) the "Request original" custom action is created or
  repaired, pointing at the receiver's ``/actions/iconik/original`` with the secret header.
- A tick of the service's own loop (every ``TICK_SECONDS``, not a durable cron job: it only turns stored
  rows into jobs, so nothing is lost if it stops) makes stored clicks ``original_request`` jobs (key: the
  iconik asset, run id: the request row, so a re-delivered or re-claimed request queues nothing twice).
- ``original_request``: the transfer (``engine.originals``), under the service's sync lock. A transient
  failure is raised (the runner retries, the transfer resumes from the parts already stored).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import structlog

from assetbridge.engine.originals import (
    ACTION_PATH,
    REQUEST_JOB,
    ensure_original_action,
    finish_request,
    fulfil_original_request,
    take_new_requests,
)
from assetbridge.engine.webhook_admin import SECRET_HEADER
from assetbridge.errors import AssetBridgeError
from assetbridge.runtime.dbos_runtime import DbosRunner

if TYPE_CHECKING:
    from assetbridge.runtime.app import Service

log = structlog.get_logger("assetbridge.originals")

TICK_SECONDS = 2.0


class MediaJobs:
    def __init__(self, service: Service) -> None:
        self.service = service
        self.action_ready = False

    @property
    def enabled(self) -> bool:
        return self.service.loaded.config.flows.media.original_on_request

    async def startup(self) -> None:
        if self.enabled:
            await self.ensure_action()

    async def ensure_action(self) -> None:
        """Create/repair the custom action; iconik being unreachable is logged, the next tick retries."""
        service = self.service
        flow = service.loaded.config.flows.media
        public = (service.loaded.config.receiver.public_url or service.url).rstrip("/")
        try:
            action, done = await ensure_original_action(
                service.ctx.iconik,
                public + ACTION_PATH,
                service.iconik_secret.get_secret_value(),
                title=flow.action_title,
                header=SECRET_HEADER,
            )
        except AssetBridgeError as error:
            log.warning("custom action not registered", error=service.loaded.redact(str(error)))
            return
        self.action_ready = True
        log.info("custom action registered", title=flow.action_title, id=action.id, done=done)

    async def tick(self) -> None:
        if not self.action_ready:
            await self.ensure_action()
        db = self.service.ctx.db
        for request_id, asset_id in await asyncio.to_thread(take_new_requests, db):
            await self.service.runner.submit(
                REQUEST_JOB,
                asset_id,
                {"request_id": request_id, "asset_id": asset_id},
                lane="live",
                run_id=f"request-{request_id}",
            )

    async def request_job(self, payload: dict[str, Any]) -> None:
        request_id = int(payload["request_id"])
        asset_id = str(payload["asset_id"])
        service = self.service
        async with service.lock:
            ok, outcome = await fulfil_original_request(service.ctx, asset_id)
        await asyncio.to_thread(
            finish_request, service.ctx.db, request_id, status="done" if ok else "failed", outcome=outcome
        )
        log.info("original request done", asset_id=asset_id, available=ok, outcome=outcome)


def register_media_jobs(service: Service, runner: DbosRunner) -> MediaJobs:
    jobs = MediaJobs(service)
    runner.register(REQUEST_JOB, jobs.request_job)
    return jobs

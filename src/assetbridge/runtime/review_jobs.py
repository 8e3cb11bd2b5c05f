"""Durable jobs of the review hand-off and its approval bridge.

- ``review_approval`` (live lane, key = iconik asset id): an iconik ``approvals`` event was stored in
  the inbox; hand the version off if it is a trigger (``engine.review.hand_off``).
- ``review_decision`` (live lane, key = Orange Logic RecordID): an Orange Logic event for a record with a
  hand-off in review; bring the decision to iconik (``engine.review_bridge.bridge_decision``).
- ``review_poll`` (every ``flows.review.poll_interval_seconds``): the safety net (``review_sweep``).

``observe`` is called by the inbox drain for every claimed row, before the metadata sync's own mapping,
with the row's id as run id: a row claimed again after a crash queues nothing twice. Handlers hold the
service's sync lock, so a hand-off that links a new pair never races the sync pass's match-then-create.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import structlog

from assetbridge.domain.review import review_event
from assetbridge.engine.review import hand_off
from assetbridge.engine.review_bridge import bridge_decision
from assetbridge.engine.review_poll import review_sweep
from assetbridge.errors import ConfigError
from assetbridge.runtime.dbos_runtime import DbosRunner
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron
from assetbridge.state import Database
from assetbridge.state.repositories.reviews import ReviewRepo

if TYPE_CHECKING:
    from assetbridge.runtime.app import Service

log = structlog.get_logger("assetbridge.review")

APPROVAL = "review_approval"
DECISION = "review_decision"
POLL = "review_poll"


def _pending_record(db: Database, record_id: str | None, system_identifier: str | None) -> str | None:
    with db.session() as session:
        return ReviewRepo(session).pending_record_of(record_id=record_id, system_identifier=system_identifier)


class ReviewJobs:
    def __init__(self, service: Service) -> None:
        self.service = service

    @property
    def enabled(self) -> bool:
        return self.service.loaded.config.flows.review.enabled

    async def observe(self, item_id: int, system: str, event_id: str, body: bytes) -> None:
        """Queue the review job an inbox row calls for, if any."""
        if not self.enabled:
            return
        event = review_event(system, body)
        if event is None:
            return
        runner = self.service.runner
        run_id = f"inbox-{item_id}"
        if event.kind == "approval" and event.asset_id:
            payload = {"asset_id": event.asset_id, "version_id": event.version_id, "event_id": event_id}
            await runner.submit(APPROVAL, event.asset_id, payload, lane="live", run_id=run_id)
            return
        ctx = self.service.ctx
        record_id = await ctx.db_call(_pending_record, ctx.db, event.record_id, event.system_identifier)
        if record_id is not None:
            payload = {"record_id": record_id, "event_id": event_id}
            await runner.submit(DECISION, record_id, payload, lane="live", run_id=run_id)

    async def approval_job(self, payload: dict[str, Any]) -> None:
        version = payload.get("version_id")
        async with self.service.lock:
            result = await hand_off(
                self.service.ctx,
                str(payload["asset_id"]),
                str(version) if version else None,
                event_id=payload.get("event_id"),
            )
        log.info("review approval", asset_id=result.asset_id, outcome=result.outcome, detail=result.detail)

    async def decision_job(self, payload: dict[str, Any]) -> None:
        async with self.service.lock:
            results = await bridge_decision(
                self.service.ctx, str(payload["record_id"]), event_id=payload.get("event_id")
            )
        for result in results:
            log.info("review decision", record_id=result.record_id, outcome=result.outcome)

    async def poll_job(self, payload: dict[str, Any]) -> None:
        async with self.service.lock:
            report = await review_sweep(self.service.ctx)
        log.info("review sweep done", **report.summary)


def register_review_jobs(service: Service, runner: DbosRunner) -> ReviewJobs:
    jobs = ReviewJobs(service)
    runner.register(APPROVAL, jobs.approval_job)
    runner.register(DECISION, jobs.decision_job)
    runner.register(POLL, jobs.poll_job)
    model = service.loaded.config.flows.review
    if model.enabled:
        every = max(1, round(model.poll_interval_seconds))
        try:
            interval_to_cron(every)
        except ConfigError as error:
            message = str(error).removeprefix("every: ")
            raise ConfigError(
                message, file=str(service.loaded.path), key="flows.review.poll_interval_seconds"
            ) from None
        runner.schedule(ScheduleSpec(POLL, POLL, every))
    return jobs

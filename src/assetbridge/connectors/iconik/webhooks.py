"""Webhooks (``/API/notifications/v1/webhooks/``, reference §8.1) and jobs (``/API/jobs/v1/``, §8.3)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from assetbridge.connectors.iconik.base import SYSTEM, IconikBase
from assetbridge.connectors.iconik.models import JOB_TERMINAL, Job, Webhook
from assetbridge.connectors.iconik.requests import JobCreate, JobUpdate, WebhookCreate
from assetbridge.errors import TransientError
from assetbridge.transport.pagination import iter_next_url

WEBHOOKS = "/API/notifications/v1/webhooks/"
WEBHOOK = "/API/notifications/v1/webhooks/{webhook_id}/"
JOBS = "/API/jobs/v1/jobs/"
JOB = "/API/jobs/v1/jobs/{job_id}/"


class WebhooksAPI(IconikBase):
    async def list_webhooks(self) -> list[Webhook]:
        data = await self._json("GET", WEBHOOKS)
        return [Webhook.model_validate(o) for o in (data or {}).get("objects", [])]

    async def get_webhook(self, webhook_id: str) -> Webhook:
        return await self._model(Webhook, "GET", WEBHOOK, webhook_id=webhook_id)

    async def create_webhook(self, webhook: WebhookCreate) -> Webhook:
        return await self._model(Webhook, "POST", WEBHOOKS, body=webhook.body(), idempotent=False)

    async def update_webhook(self, webhook_id: str, webhook: WebhookCreate) -> Webhook:
        """Replace the definition (PUT takes the full create schema)."""
        return await self._model(Webhook, "PUT", WEBHOOK, body=webhook.body(), webhook_id=webhook_id)

    async def delete_webhook(self, webhook_id: str) -> None:
        await self._call("DELETE", WEBHOOK, webhook_id=webhook_id)


class JobsAPI(IconikBase):
    async def create_job(self, job: JobCreate) -> Job:
        return await self._model(Job, "POST", JOBS, body=job.body(), idempotent=False)

    async def get_job(self, job_id: str) -> Job:
        return await self._model(Job, "GET", JOB, job_id=job_id)

    async def update_job(self, job_id: str, changes: JobUpdate) -> Job:
        return await self._model(Job, "PATCH", JOB, body=changes.body(), job_id=job_id)

    async def iter_jobs(
        self,
        *,
        object_id: str | None = None,
        status: str | None = None,
        job_type: str | None = None,
        per_page: int = 100,
    ) -> AsyncIterator[Job]:
        params = {"per_page": min(per_page, 100), "object_id": object_id, "status": status, "type": job_type}

        async def first() -> dict[str, Any]:
            return dict(await self._json("GET", JOBS, params=params) or {})

        async for item in iter_next_url(first, self._follow):
            yield Job.model_validate(item)

    async def wait_for_job(
        self, job_id: str, *, max_wait: float = 300.0, poll_interval: float | None = None
    ) -> Job:
        """Poll until the job is terminal (FINISHED, SKIPPED, FAILED, ABORTED…); returns it either way."""
        interval = poll_interval if poll_interval is not None else self.config.job_poll_interval
        deadline = time.monotonic() + max_wait
        while True:
            job = await self.get_job(job_id)
            if job.status in JOB_TERMINAL:
                return job
            if time.monotonic() >= deadline:
                raise TransientError(SYSTEM, f"GET {JOB}", f"job still {job.status} after {max_wait:g} s")
            await self.sleep(interval)

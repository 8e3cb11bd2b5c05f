"""Original on request: the iconik custom action, its stored clicks, and copying the master into iconik.

The action (context ``ASSET``) POSTs to the receiver's ``/actions/iconik/original`` with our secret
header; iconik signs nothing (reference iconik-api §6.5, §8.2). It is recognized by its title, so a
restart repairs it (URL, secret) instead of adding a second one. A click becomes one
``original_requests`` row per asset (iconik's ``auth_token`` is dropped, never stored), answered 202 at
once; a durable job then copies the linked Orange Logic original into the asset as its ORIGINAL (the
transfer engine, keyed per asset so a second click or a re-run copies nothing twice) and shows the
progress in ``flows.media.status_field`` and, optionally, as an iconik job carrying the failure reason.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import structlog

from assetbridge.config.flows_media import MediaFlow
from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.models import CustomAction
from assetbridge.connectors.iconik.requests import CustomActionCreate, JobCreate, JobUpdate, MetadataWrite
from assetbridge.engine.context import SyncContext
from assetbridge.engine.media_copy import copy_to_iconik
from assetbridge.engine.publish_media import FILE_NAME_FIELD, MIME_FIELD
from assetbridge.engine.records import find_link
from assetbridge.errors import AssetBridgeError, NotFoundError, TransientError
from assetbridge.state import Database
from assetbridge.state.repositories.transfers import OriginalRequestsRepo, TransfersRepo

log = structlog.get_logger("assetbridge.originals")

ACTION_PATH = "/actions/iconik/original"
REQUEST_JOB = "original_request"


# the custom action
async def ensure_original_action(
    iconik: IconikClient, url: str, secret: str, *, title: str, header: str
) -> tuple[CustomAction, str]:
    """Exactly one ASSET action titled ``title`` posting to ``url`` with the secret header; returns it
    and what was done (``created`` or ``updated``). Duplicates with the same title are deleted."""
    want = CustomActionCreate(title=title, url=url, type="POST", context="ASSET", headers={header: secret})
    found = [a for a in await iconik.list_custom_actions("ASSET") if a.title == title]
    if not found:
        return await iconik.create_custom_action(want), "created"
    keep = next((a for a in found if a.url == url), found[0])
    for extra in found:
        if extra.id != keep.id:
            await iconik.delete_custom_action("ASSET", extra.id)
    # The secret header is not readable back on every iconik version: the definition is always re-put.
    return await iconik.update_custom_action(keep.id, want), "updated"


# stored clicks
class ClickError(ValueError):
    """An authenticated click body that names no asset (stored as a failed request, answered 202)."""


@dataclass(frozen=True)
class Click:
    dedupe_key: str
    asset_id: str
    action_id: str | None
    user_id: str | None
    payload: dict[str, Any]


def clicks_of(data: dict[str, Any]) -> list[Click]:
    """One request per asset of a custom action payload; ``ClickError`` names what is wrong."""
    safe = {k: v for k, v in data.items() if k != "auth_token"}
    asset_ids = data.get("asset_ids")
    if not isinstance(asset_ids, list) or not asset_ids:
        raise ClickError("payload has no asset_ids (the action must have context ASSET)")
    bad = [a for a in asset_ids if not isinstance(a, str) or not a.strip() or len(a) > 64]
    if bad:
        raise ClickError(f"asset_ids holds values that are not iconik ids: {bad[:3]!r}")
    action_id = data.get("action_id") if isinstance(data.get("action_id"), str) else None
    user_id = data.get("user_id") if isinstance(data.get("user_id"), str) else None
    # iconik sends no delivery id: the click is known by its action, user, time and assets.
    fingerprint = json.dumps(
        [action_id, user_id, data.get("date_created"), sorted(asset_ids)], sort_keys=True, default=str
    )
    click_id = hashlib.sha256(fingerprint.encode()).hexdigest()[:32]
    return [Click(f"{click_id}:{a}", a, action_id, user_id, safe) for a in asset_ids]


class OriginalRequests:
    """The receiver's durable store of clicks (synchronous; called from a worker thread)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, data: dict[str, Any]) -> tuple[int, str | None]:
        """Store the payload's requests: (how many were new, the problem when it names no asset)."""
        try:
            clicks = clicks_of(data)
        except ClickError as problem:
            safe = {k: v for k, v in data.items() if k != "auth_token"}
            digest = hashlib.sha256(json.dumps(safe, sort_keys=True, default=str).encode()).hexdigest()[:32]
            with self.db.unit_of_work() as uow:
                OriginalRequestsRepo(uow.session).add(
                    f"invalid:{digest}",
                    asset_id="",
                    action_id=None,
                    user_id=None,
                    payload=safe,
                    status="failed",
                    outcome=str(problem),
                )
            return 0, str(problem)
        added = 0
        with self.db.unit_of_work() as uow:
            repo = OriginalRequestsRepo(uow.session)
            for click in clicks:
                added += repo.add(
                    click.dedupe_key,
                    asset_id=click.asset_id,
                    action_id=click.action_id,
                    user_id=click.user_id,
                    payload=click.payload,
                )
        return added, None


def take_new_requests(db: Database, limit: int = 50) -> list[tuple[int, str]]:
    """(request id, iconik asset id) of requests not handed to a job yet, now marked queued."""
    with db.unit_of_work() as uow:
        return [(row.id, row.asset_id) for row in OriginalRequestsRepo(uow.session).take_new(limit)]


def finish_request(db: Database, request_id: int, *, status: str, outcome: str) -> None:
    with db.unit_of_work() as uow:
        OriginalRequestsRepo(uow.session).finish(request_id, status=status, outcome=outcome)


# fulfilling a request
def transfer_key(asset_id: str) -> str:
    return f"original-request:{asset_id}"


def _reopen_transfer(db: Database, key: str) -> None:
    with db.unit_of_work() as uow:
        TransfersRepo(uow.session).reopen(key)


class _Status:
    """The request's progress as iconik shows it: the status field and (optionally) a job."""

    def __init__(self, ctx: SyncContext, flow: MediaFlow, asset_id: str) -> None:
        self.ctx = ctx
        self.flow = flow
        self.asset_id = asset_id
        self.job_id: str | None = None
        self._view_id: str | None = None

    async def view_id(self) -> str:
        if self._view_id is None:
            name = self.flow.status_view or self.ctx.field_map.iconik_view
            views = await self.ctx.iconik.list_views()
            view = next((v for v in views if v.name == name), None)
            if view is None:
                raise NotFoundError("iconik", "GET /API/metadata/v1/views/", f"no metadata view {name!r}")
            self._view_id = view.id
        return self._view_id

    async def field(self, value: str) -> None:
        write = MetadataWrite.of({self.flow.status_field: [value]})
        await self.ctx.iconik.put_metadata("assets", self.asset_id, await self.view_id(), write)

    async def started(self, message: str) -> None:
        await self.field(self.flow.status_values.transferring)
        if self.flow.status_job:
            # A retried request goes on with the job its first attempt opened.
            async for open_job in self.ctx.iconik.iter_jobs(object_id=self.asset_id, status="STARTED"):
                if open_job.title == self.flow.action_title:
                    self.job_id = open_job.id
                    await self.ctx.iconik.update_job(open_job.id, JobUpdate(message=message))
                    return
            job = await self.ctx.iconik.create_job(
                JobCreate(
                    title=self.flow.action_title,
                    status="STARTED",
                    object_type="assets",
                    object_id=self.asset_id,
                    message=message,
                    progress_processed=0,
                    progress_total=100,
                )
            )
            self.job_id = job.id

    async def retrying(self, reason: str) -> None:
        """A transient failure: the job says so (the runner retries; the transfer resumes)."""
        if self.job_id is None:
            return
        try:
            await self.ctx.iconik.update_job(self.job_id, JobUpdate(message=f"will retry: {reason}"[:1000]))
        except AssetBridgeError as error:
            log.info("original request job not updated", asset_id=self.asset_id, error=str(error))

    async def ended(self, ok: bool, message: str) -> None:
        values = self.flow.status_values
        await self.field(values.available if ok else values.failed)
        if self.flow.status_job:
            if self.job_id is None:
                job = await self.ctx.iconik.create_job(
                    JobCreate(
                        title=self.flow.action_title,
                        status="STARTED",
                        object_type="assets",
                        object_id=self.asset_id,
                    )
                )
                self.job_id = job.id
            update = JobUpdate(
                status="FINISHED" if ok else "FAILED",
                message=message,
                error_message=None if ok else message,
                progress_processed=100 if ok else None,
            )
            await self.ctx.iconik.update_job(self.job_id, update)


async def _has_original(ctx: SyncContext, asset_id: str) -> bool:
    try:
        fmt = await ctx.iconik.get_format(asset_id, "ORIGINAL")
    except NotFoundError:
        return False
    async for file in ctx.iconik.iter_files(asset_id):
        if file.format_id == fmt.id and file.status == "CLOSED":
            return True
    return False


async def fulfil_original_request(ctx: SyncContext, asset_id: str) -> tuple[bool, str]:
    """Copy the linked Orange Logic original into iconik asset ``asset_id`` as its ORIGINAL.

    Returns (available, outcome); a permanent problem (no link, missing or empty original, checksum)
    is shown in iconik as failed with the reason. A transient failure is raised for the runner to retry.
    """
    flow = ctx.loaded.config.flows.media
    status = _Status(ctx, flow, asset_id)
    await status.field(flow.status_values.requested)
    link = await ctx.db_call(find_link, ctx.db, asset_id=asset_id)
    if link is None or not link.system_identifier:
        reason = f"iconik asset {asset_id} is not linked to an Orange Logic asset"
        await status.ended(False, reason)
        return False, reason
    ident = link.system_identifier
    if await _has_original(ctx, asset_id):
        message = f"the original of {ident} is already in iconik"
        await status.ended(True, message)
        return True, message
    # A copy made by an earlier click and deleted in iconik since: this click copies it again.
    await ctx.db_call(_reopen_transfer, ctx.db, transfer_key(asset_id))
    await status.started(f"copying the original of Orange Logic {ident}")
    try:
        asset = await ctx.ol.search.get(ident, fields=[FILE_NAME_FIELD, MIME_FIELD])
        file_name = asset.value(FILE_NAME_FIELD) or ident
        result = await copy_to_iconik(
            ctx,
            system_identifier=ident,
            rendition="original",
            asset_id=asset_id,
            role="original",
            file_name=file_name,
            content_type=asset.value(MIME_FIELD) or "application/octet-stream",
            key=transfer_key(asset_id),
        )
    except TransientError as error:
        await status.retrying(ctx.loaded.redact(str(error)))
        raise
    except AssetBridgeError as error:
        reason = ctx.loaded.redact(str(error))
        log.warning("original request failed", asset_id=asset_id, error=reason)
        await status.ended(False, reason)
        return False, reason
    message = f"{file_name}: {result.size} bytes, md5 {result.md5}"
    await ctx.db_call(_record_original, ctx.db, link.id, result.iconik_id, message, result.size, result.md5)
    await status.ended(True, message)
    return True, message


def _record_original(db: Database, link_id: int, file_id: str, message: str, size: int, md5: str) -> None:
    """The copied original in the audit log and the lineage table."""
    with db.unit_of_work() as uow:
        uow.audit.record(
            "original_copied",
            link_id=link_id,
            system="iconik",
            after=file_id,
            reason=f"original requested in iconik: {message}",
            flow="original_on_request",
            details={"size": size, "md5": md5},
        )
        uow.lineage.record(
            "media_added",
            flow="original_on_request",
            link=uow.links.get(link_id),
            related_kind="original",
            related_id=file_id,
            details={"size": size, "md5": md5},
        )

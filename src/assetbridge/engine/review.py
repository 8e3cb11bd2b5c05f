"""The review hand-off (product job 2): an approved iconik asset version goes into Orange Logic review.

For one asset version (``hand_off``): re-read its approval status (an event is only a hint), decide
whether it is a trigger (``domain.review.trigger_reason``: an approval AssetBridge wrote itself never
is), check the rule, find the configured format's file, validate the Orange Logic values before any
byte moves, then ``copy_to_orangelogic`` — a new version of the linked Orange Logic asset, or a new
asset in the configured folder that is then linked (iconik ``external_id`` = RecordID,
``AB.Iconik-id`` = asset id).
The ``review_handoffs`` row, the audit rows and the ``handed_off`` lineage event commit together.

Bad input (rule exclusions, deleted or purged assets and files, values Orange Logic refuses) is a
per-asset error stored on the row and in the audit log with the value at fault; a batch continues.
The decision coming back from Orange Logic is ``engine/review_bridge.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from assetbridge.config.flows_review import ReviewFlow
from assetbridge.connectors.iconik.models import Asset as IconikAsset
from assetbridge.connectors.iconik.models import File
from assetbridge.connectors.iconik.requests import AssetUpdate, MetadataWrite
from assetbridge.connectors.orangelogic.datatable import clear, set_value, validate_against
from assetbridge.connectors.orangelogic.models import Asset
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.domain.convert import from_iconik, to_orangelogic
from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import FieldSpec
from assetbridge.domain.review import Known, media_exclusion, rule_exclusion, trigger_reason
from assetbridge.engine.context import FLOW as SYNC_FLOW
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.media_to_ol import ToOrangeLogic, copy_to_orangelogic
from assetbridge.engine.records import find_link
from assetbridge.engine.sync_metadata import read_iconik
from assetbridge.errors import ApiError, AssetBridgeError, NotFoundError, TransientError, ValidationError
from assetbridge.state import Database
from assetbridge.state.models import Link
from assetbridge.state.repositories.reviews import ReviewRepo
from assetbridge.state.types import utcnow

log = logging.getLogger(__name__)

FLOW = "review"
SETTLED = ("pending_review", "approved", "rejected", "superseded")

Outcome = Literal["handed_off", "excluded", "failed", "skipped", "disabled"]


class ReviewInputError(ValidationError):
    """An approved asset that cannot be handed off as it is (no file, a deleted file, an unusable value)."""


@dataclass(frozen=True)
class HandoffResult:
    asset_id: str
    version_id: str
    outcome: Outcome
    detail: str = ""
    record_id: str | None = None
    new_asset: bool | None = None
    multipart: bool | None = None


def _values(raw: Any) -> list[str]:
    if isinstance(raw, Mapping):
        raw = raw.get("field_values", [])
    out: list[str] = []
    for item in raw if isinstance(raw, list) else []:
        value = item.get("value") if isinstance(item, Mapping) else item
        if value is not None and str(value) != "":
            out.append(str(value))
    return out


@dataclass
class _Read:
    asset: IconikAsset
    version_id: str
    approval_status: str | None
    metadata: dict[str, list[str]] = field(default_factory=dict)


def _known(db: Database, asset_id: str, version_id: str) -> Known | None:
    with db.session() as session:
        row = ReviewRepo(session).get(asset_id, version_id)
        return Known(row.status, row.written_status) if row is not None else None


def _mark(
    db: Database,
    asset_id: str,
    version_id: str,
    status: str,
    action: str,
    message: str,
    *,
    event_id: str | None,
    link_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    with db.unit_of_work() as uow:
        repo = ReviewRepo(uow.session)
        row = repo.get(asset_id, version_id)
        # a version already handed off keeps its state: a later failed read is only audited
        if row is None or row.status not in SETTLED:
            repo.mark(asset_id, version_id, status, event_id=event_id, error=message, details=details)
        uow.audit.record(
            action,
            link_id=link_id,
            system="iconik",
            reason=message,
            event_id=event_id,
            flow=FLOW,
            details={"asset_id": asset_id, "version_id": version_id, **(details or {})},
        )


def _start(db: Database, asset_id: str, version_id: str, event_id: str | None) -> int:
    with db.unit_of_work() as uow:
        return ReviewRepo(uow.session).start(asset_id, version_id, event_id=event_id).round


async def _read(ctx: SyncContext, asset_id: str, version_id: str | None) -> _Read:
    try:
        asset = await ctx.iconik.get_asset(asset_id, include_collections=True)
    except NotFoundError:
        raise ReviewInputError(
            "iconik", "review hand-off", f"iconik asset {asset_id} no longer exists (deleted or purged)"
        ) from None
    if asset.status == "DELETED":
        raise ReviewInputError("iconik", "review hand-off", f"iconik asset {asset_id} is deleted")
    version = version_id or asset.default_version_id or (asset.versions[0].id if asset.versions else None)
    if version is None:
        raise ReviewInputError("iconik", "review hand-off", f"iconik asset {asset_id} has no version")
    try:
        approval = await ctx.iconik.get_version_approval(asset_id, version)
    except NotFoundError:
        raise ReviewInputError(
            "iconik", "review hand-off", f"version {version} of iconik asset {asset_id} no longer exists"
        ) from None
    return _Read(asset, version, approval.status)


async def _metadata(ctx: SyncContext, asset_id: str) -> dict[str, list[str]]:
    view_id = (await ctx.schema()).view_id
    metadata = await ctx.iconik.get_metadata("assets", asset_id, view_id)
    return {name: _values(fv.field_values) for name, fv in metadata.metadata_values.items()}


async def find_file(ctx: SyncContext, asset_id: str, version_id: str, format_name: str) -> File:
    """The closed file of the version's ``format_name`` format; a per-asset error when it is gone."""
    formats = [
        f
        async for f in ctx.iconik.iter_formats(asset_id)
        if f.name == format_name and f.version_id in (version_id, None)
    ]
    live = [f for f in formats if f.status not in ("DELETED", "ARCHIVED")]
    where = f"version {version_id} of iconik asset {asset_id}"
    if not live:
        state = f" (format {formats[0].id} is {formats[0].status})" if formats else ""
        raise ReviewInputError("iconik", "review hand-off", f"{where} has no {format_name} format{state}")
    format_ids = {f.id for f in live}
    files = [f async for f in ctx.iconik.iter_files(asset_id) if f.format_id in format_ids]
    closed = [f for f in files if f.status == "CLOSED"]
    if not closed:
        states = ", ".join(f"file {f.id} is {f.status}" for f in files) or "its file was deleted or purged"
        raise ReviewInputError(
            "iconik", "review hand-off", f"{where} has no usable {format_name} file ({states})"
        )
    return closed[-1]


def sent_to_linked(spec: FieldSpec) -> bool:
    """On a new version of a linked asset only fields iconik governs are sent: the metadata sync keeps
    the pair in step, and a hand-off never overwrites a value Orange Logic owns."""
    return spec.owner == "iconik" or spec.direction == "iconik_to_orangelogic"


async def mapped_fields(ctx: SyncContext, asset_id: str, *, linked: bool) -> dict[str, str]:
    """The field map's values flowing into Orange Logic, read from the iconik asset, as Orange Logic text."""
    values, _, _ = await read_iconik(ctx, asset_id)
    allowed = (await ctx.schema()).allowed
    out: dict[str, str] = {}
    for spec in ctx.field_map.fields:
        if not spec.writes_to("orangelogic") or spec.iconik not in values:
            continue
        if linked and not sent_to_linked(spec):
            continue
        raw = values[spec.iconik]
        try:
            value = from_iconik(spec, raw)
            if value is None or value == "" or value == ():
                continue
            out[spec.orangelogic] = to_orangelogic(spec, value, allowed)
        except (FieldValueError, ValueError) as error:
            raise ReviewInputError(
                "orangelogic",
                "review hand-off",
                f"field {spec.name} ({spec.iconik} → {spec.orangelogic}): value {raw!r} is refused: {error}",
            ) from None
    return out


async def review_fields(
    ctx: SyncContext, model: ReviewFlow, asset_id: str, *, new_asset: bool
) -> dict[str, str]:
    """Mapped values + the review status (+ the crosswalk on a new asset), checked against the tenant."""
    fields = await mapped_fields(ctx, asset_id, linked=not new_asset)
    fields[model.status_field] = model.pending_value
    crosswalk = (await ctx.schema()).crosswalk_field
    if new_asset and crosswalk is not None:
        fields[crosswalk] = asset_id
    definitions = await ctx.ol.datatable.list_fields(OL_MODEL)
    validate_against(
        [set_value(name, value) for name, value in fields.items()], definitions, call="review hand-off"
    )
    return fields


def _record_handoff(
    db: Database,
    asset: IconikAsset,
    version_id: str,
    link: Link | None,
    result: ToOrangeLogic,
    file: File,
    fields: Mapping[str, str],
    event_id: str | None,
    crosswalk: str | None,
    pending: str,
) -> None:
    with db.unit_of_work() as uow:
        repo = ReviewRepo(uow.session)
        if link is None:
            link = uow.links.link(
                result.record_id, asset.id, system_identifier=result.system_identifier, flow=SYNC_FLOW
            )
            uow.audit.record(
                "link",
                link_id=link.id,
                after={
                    "record_id": result.record_id,
                    "system_identifier": result.system_identifier,
                    "asset_id": asset.id,
                },
                reason="review hand-off created the Orange Logic asset",
                flow=FLOW,
            )
            if crosswalk is not None:
                uow.audit.record(
                    "crosswalk",
                    link_id=link.id,
                    system="orangelogic",
                    field=crosswalk,
                    after=asset.id,
                    reason="iconik asset id mirrored at the hand-off",
                    flow=FLOW,
                )
            uow.lineage.record("linked", flow=FLOW, link=link, details={"created": "orangelogic"})
        for older in repo.pending_for_record(result.record_id):
            if (older.asset_id, older.version_id) != (asset.id, version_id):
                repo.set_status(older, "superseded", error=f"a later hand-off of version {version_id}")
        row = repo.get(asset.id, version_id)
        assert row is not None
        details = {"fields": dict(fields), "iconik_checksum": result.iconik_checksum, "sha256": result.sha256}
        repo.set_status(
            row,
            "pending_review",
            link_id=link.id,
            record_id=result.record_id,
            system_identifier=result.system_identifier,
            new_asset=result.new_asset,
            file_id=file.id,
            file_name=file.original_name or file.name,
            size=result.size,
            md5=result.md5,
            multipart=result.multipart,
            ol_status=pending,
            comment=None,
            written_status=None,
            error=None,
            handed_off_at=utcnow(),
            decided_at=None,
            details=details,
        )
        uow.audit.record(
            "review_handed_off",
            link_id=link.id,
            system="orangelogic",
            after={"record_id": result.record_id, "new_asset": result.new_asset},
            reason="new Orange Logic asset" if result.new_asset else "new version of the linked asset",
            event_id=event_id,
            flow=FLOW,
            details={
                "asset_id": asset.id,
                "version_id": version_id,
                "file_id": file.id,
                "size": result.size,
                "md5": result.md5,
                "multipart": result.multipart,
                "round": row.round,
                "fields": dict(fields),
            },
        )
        uow.lineage.record(
            "handed_off",
            flow=FLOW,
            link=link,
            version_id=version_id,
            related_kind="file",
            related_id=file.id,
            event_ref=event_id,
            details={"new_asset": result.new_asset, "size": result.size, "md5": result.md5},
        )


async def hand_off(
    ctx: SyncContext,
    asset_id: str,
    version_id: str | None = None,
    *,
    event_id: str | None = None,
    from_event: bool = True,
) -> HandoffResult:
    """Hand one approved asset version to Orange Logic review. Per-asset errors are recorded and returned
    (outcome ``failed``/``excluded``); only transient failures are raised, for the runner to retry."""
    model: ReviewFlow = ctx.loaded.config.flows.review
    if not model.enabled:
        return HandoffResult(asset_id, version_id or "", "disabled")
    version = version_id or ""
    try:
        read = await _read(ctx, asset_id, version_id)
        version = read.version_id
        known = await ctx.db_call(_known, ctx.db, asset_id, version)
        reason = trigger_reason(read.approval_status, known, from_event=from_event)
        if reason is not None:
            return HandoffResult(asset_id, version, "skipped", reason)
        exclusion = rule_exclusion(
            model.rule, collections=read.asset.in_collections or [], metadata=await _metadata(ctx, asset_id)
        )
        file = await find_file(ctx, asset_id, version, model.format)
        exclusion = exclusion or media_exclusion(model.rule, file.original_name or file.name)
        if exclusion is not None:
            await ctx.db_call(
                _mark, ctx.db, asset_id, version, "excluded", "review_excluded", exclusion, event_id=event_id
            )
            log.info("approval of %s excluded by the review rule: %s", asset_id, exclusion)
            return HandoffResult(asset_id, version, "excluded", exclusion)
        link = await ctx.db_call(find_link, ctx.db, asset_id=asset_id)
        fields = await review_fields(ctx, model, asset_id, new_asset=link is None)
        if link is not None:
            await clear_old_comment(ctx, model, link)
        round_ = await ctx.db_call(_start, ctx.db, asset_id, version, event_id)
        result = await copy_to_orangelogic(
            ctx,
            asset_id=asset_id,
            file_id=file.id,
            file_name=file.original_name or file.name or f"{asset_id}.bin",
            folder=None if link is not None else model.folder,
            record_id=link.record_id if link is not None else None,
            fields=fields,
            key=f"review:{asset_id}:{version}:{round_}",
            via_url=model.import_from_url,
            multipart_threshold=model.multipart_threshold_bytes,
            chunk_size=model.chunk_size_bytes,
        )
        crosswalk = (await ctx.schema()).crosswalk_field if link is None else None
        if link is None and not read.asset.external_id:
            await ctx.iconik.update_asset(asset_id, AssetUpdate(external_id=result.record_id))
        await ctx.db_call(
            _record_handoff,
            ctx.db,
            read.asset,
            version,
            link,
            result,
            file,
            fields,
            event_id,
            crosswalk,
            model.pending_value,
        )
    except TransientError:
        raise
    except (ApiError, AssetBridgeError) as error:
        message = error.message if isinstance(error, ApiError) else str(error)
        detail = getattr(error, "detail", None)
        details = {"detail": detail} if isinstance(detail, Mapping) else None
        await ctx.db_call(
            _mark, ctx.db, asset_id, version or "", "failed", "review_failed", message,
            event_id=event_id, details=details,
        )  # fmt: skip
        log.warning("review hand-off of %s failed: %s", asset_id, message)
        return HandoffResult(asset_id, version, "failed", message)
    await show_pending(ctx, model, asset_id)
    log.info("asset %s version %s handed off to Orange Logic %s", asset_id, version, result.record_id)
    return HandoffResult(
        asset_id,
        version,
        "handed_off",
        record_id=result.record_id,
        new_asset=result.new_asset,
        multipart=result.multipart,
    )


async def clear_old_comment(ctx: SyncContext, model: ReviewFlow, link: Link) -> None:
    """A comment left from an earlier review of the record must not come back with the new decision."""
    if model.comment_field is None or not link.system_identifier:
        return
    selector = {IDENTIFIER: link.system_identifier}
    record = await ctx.ol.datatable.read(OL_MODEL, selector)
    if Asset.from_record(record).value(model.comment_field):
        await ctx.ol.datatable.update(OL_MODEL, selector, [clear(model.comment_field)], before=record)


async def show_pending(ctx: SyncContext, model: ReviewFlow, asset_id: str) -> None:
    """iconik's review-status field shows the pending value (best effort: the hand-off already happened)."""
    if model.iconik_status_field is None:
        return
    view_id = (await ctx.schema()).view_id
    values: dict[str, list[Any]] = {model.iconik_status_field: [model.iconik_status(model.pending_value)]}
    if model.iconik_comment_field is not None:
        values[model.iconik_comment_field] = []
    try:
        await ctx.iconik.put_metadata("assets", asset_id, view_id, MetadataWrite.of(values))
    except (ValidationError, NotFoundError) as error:
        log.warning("iconik field %s not set on %s: %s", model.iconik_status_field, asset_id, error)


async def hand_off_many(
    ctx: SyncContext, items: Iterable[tuple[str, str | None]], *, from_event: bool = False
) -> list[HandoffResult]:
    """Hand off each (asset id, version id or None); one asset's error never stops the others."""
    return [await hand_off(ctx, a, v, from_event=from_event) for a, v in items]

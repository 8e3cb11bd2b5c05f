"""One linked pair: read both sides, plan against the stored bases, write, then record.

Reads: the Orange Logic mapped fields (from the change feed's Search item when the pass has one, else a
DataTable read), the iconik asset (from the change feed's search hit when the pass has one, else a GET)
and the view's metadata values; webhook and backfill jobs pass neither, so they re-read both records.
Writes: one DataTable update for all Orange Logic fields, one metadata PUT through the view, one asset
PATCH for ``asset.title``. Bases, written fingerprints, audit rows and conflicts are stored only after
every write succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from assetbridge.connectors.iconik.models import Asset as IconikAsset
from assetbridge.connectors.iconik.requests import AssetUpdate, FieldWrite, MetadataWrite
from assetbridge.connectors.orangelogic.datatable import FieldWrite as OLWrite
from assetbridge.connectors.orangelogic.datatable import clear, set_value
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.domain.plan import SyncPlan, iconik_values_from, plan_asset
from assetbridge.engine.capture import parse_time, settled_stamp
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.records import CursorMove, Stamps, load_bases, record_plan, tombstone_link
from assetbridge.errors import NotFoundError


@dataclass(frozen=True)
class PairValues:
    ol_values: dict[str, Any]
    ol_modified: datetime | None
    iconik_values: dict[str, Any]
    iconik_modified: datetime | None
    stamps: Stamps = (None, None)  # (Orange Logic, iconik) stamps of the versions read, when settled


async def read_orangelogic(ctx: SyncContext, system_identifier: str) -> OLAsset:
    return await ctx.ol.datatable.read_asset(system_identifier, OL_MODEL)


def ol_values_of(ctx: SyncContext, asset: OLAsset) -> dict[str, Any]:
    wanted = {spec.orangelogic for spec in ctx.field_map.fields}
    return {name: value for name, value in asset.fields.items() if name in wanted}


async def read_iconik(
    ctx: SyncContext, asset_id: str, asset: IconikAsset | None = None, read_at: datetime | None = None
) -> tuple[dict[str, Any], datetime | None, str | None]:
    """The pair's iconik values; ``asset`` is the asset when the caller already holds it (a search hit
    made at ``read_at``, or earlier), else it is read here."""
    schema = await ctx.schema()
    if asset is None:
        read_at = datetime.now(UTC)
        asset = await ctx.iconik.get_asset(asset_id)
    metadata = await ctx.iconik.get_metadata("assets", asset_id, schema.view_id)
    values = {name: {"field_values": fv.field_values} for name, fv in metadata.metadata_values.items()}
    times = [t for t in (parse_time(asset.date_modified), parse_time(metadata.date_modified)) if t]
    found = settled_stamp(parse_time(asset.date_modified), asset.id, read_at)
    return iconik_values_from(ctx.field_map, asset.model_dump(), values), max(times, default=None), found


async def read_pair(
    ctx: SyncContext,
    system_identifier: str,
    asset_id: str,
    ol_asset: OLAsset | None = None,
    ol_read_at: datetime | None = None,
    iconik_asset: IconikAsset | None = None,
    iconik_read_at: datetime | None = None,
) -> PairValues:
    """Both sides' values; ``ol_read_at``/``iconik_read_at`` are when a given ``ol_asset``/``iconik_asset``
    was read (None: not known, so its change stamp is not remembered)."""
    if ol_asset is None:
        ol_read_at = datetime.now(UTC)
        ol_asset = await read_orangelogic(ctx, system_identifier)
    iconik_values, iconik_modified, iconik_stamp = await read_iconik(
        ctx, asset_id, iconik_asset, iconik_read_at
    )
    ol_stamp = settled_stamp(ol_asset.edit_date, ol_asset.system_identifier, ol_read_at)
    return PairValues(
        ol_values_of(ctx, ol_asset),
        ol_asset.edit_date,
        iconik_values,
        iconik_modified,
        (ol_stamp, iconik_stamp),
    )


def empty_iconik_values(ctx: SyncContext, title: str | None) -> dict[str, Any]:
    """What a new iconik asset would hold: its title, no metadata (for dry runs of a create)."""
    return iconik_values_from(ctx.field_map, {"title": title}, {})


async def plan_pair(
    ctx: SyncContext, link_id: int | None, values: PairValues, *, now: datetime | None = None
) -> SyncPlan:
    schema = await ctx.schema()
    bases = await ctx.db_call(load_bases, ctx.db, link_id) if link_id is not None else {}
    return plan_asset(
        ctx.field_map,
        bases,
        values.ol_values,
        values.iconik_values,
        ol_modified=values.ol_modified,
        iconik_modified=values.iconik_modified,
        allowed=schema.allowed,
        now=now,
    )


def ol_write(ctx: SyncContext, field: str, raw: str) -> OLWrite:
    if raw == "":
        return clear(field)
    if ctx.ol_multi(field):
        return set_value(field, [part for part in raw.split("|") if part])
    return set_value(field, raw)


async def apply_plan(ctx: SyncContext, system_identifier: str, asset_id: str, plan: SyncPlan) -> None:
    """Carry out the plan's writes (each side at most one metadata call and one attribute call)."""
    schema = await ctx.schema()
    ol_writes = plan.orangelogic_writes
    if ol_writes:
        writes = [ol_write(ctx, name, raw) for name, raw in ol_writes.items()]
        await ctx.ol.datatable.update(OL_MODEL, {IDENTIFIER: system_identifier}, writes)
    metadata = plan.iconik_metadata_values()
    if metadata:
        body = MetadataWrite(
            metadata_values={
                name: FieldWrite(field_values=list(raw.get("field_values", [])))
                for name, raw in metadata.items()
            }
        )
        await ctx.iconik.put_metadata("assets", asset_id, schema.view_id, body)
    changes = plan.iconik_asset_changes()
    if changes:
        await ctx.iconik.update_asset(asset_id, AssetUpdate(**changes))


async def sync_pair(
    ctx: SyncContext,
    link_id: int,
    system_identifier: str,
    asset_id: str,
    *,
    ol_asset: OLAsset | None = None,
    ol_read_at: datetime | None = None,
    iconik_asset: IconikAsset | None = None,
    iconik_read_at: datetime | None = None,
    dry_run: bool = False,
    event_id: str | None = None,
    cursor: CursorMove | None = None,
) -> SyncPlan:
    """Read, plan, and (unless ``dry_run``) write and record one linked pair; returns the plan.

    ``ol_asset``/``iconik_asset``: a side's record as the pass's change feed already returned it (not
    read again); without them, both records are read in full (webhook and backfill jobs)."""
    now = datetime.now(UTC)
    try:
        values = await read_pair(
            ctx, system_identifier, asset_id, ol_asset, ol_read_at, iconik_asset, iconik_read_at
        )
    except NotFoundError as error:
        if error.system == "iconik" and not dry_run:
            reason = f"iconik asset {asset_id} no longer exists"
            await ctx.db_call(tombstone_link, ctx.db, link_id, reason)
        raise
    plan = await plan_pair(ctx, link_id, values, now=now)
    if dry_run:
        return plan
    await apply_plan(ctx, system_identifier, asset_id, plan)
    await ctx.db_call(
        record_plan, ctx.db, link_id, plan, event_id=event_id, now=now, cursor=cursor, stamps=values.stamps
    )
    return plan

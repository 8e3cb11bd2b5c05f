"""Change capture by polling: what changed on each side since its cursor.

Orange Logic: ``search.changed_since`` (edit time, identifier order; its ``overlap`` re-reads a short
window because the search index is updated asynchronously). iconik: a search on ``date_modified`` from
the cursor minus the same lookback, sorted by (``date_modified``, ``id``) and scanned with
``search_after``. Items inside the lookback window are handed out again on purpose: processing a pair is
idempotent (an unchanged pair plans no write), so re-reading costs a read and loses nothing at the
boundary; the pass skips an item whose change stamp (``stamp``) is the one its link last synced on
that side, so a quiet pass does not re-read the pairs in that window. Cursors are (time, id)
``Position``s stored per system under the flow's stream name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assetbridge.connectors.iconik.models import Asset as IconikAsset
from assetbridge.connectors.iconik.requests import SearchCriteria, SearchFilter, SearchTerm, SortSpec
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.connectors.orangelogic.models import SyncCursor
from assetbridge.connectors.orangelogic.query import Query, raw
from assetbridge.engine.context import FLOW, SyncContext
from assetbridge.state import Database, Position
from assetbridge.state.uow import UnitOfWork

# A stamp is remembered only once its second is over (plus a second of clock skew): Orange Logic edit
# times have whole seconds, so a later edit in the same second would carry the same stamp.
SETTLE = timedelta(seconds=2)
# For the same reason the Orange Logic feed always re-reads the cursor's whole second: a later edit in that
# second (of this record or one with a lower identifier) sorts at or before the cursor's (time, id).
MIN_OL_OVERLAP = timedelta(seconds=1)

# Search reports containers as MediaType "Story" (folders) or "Album" (reference §4).
FOLDER_TYPES = frozenset({"story", "album", "folder", "virtual-folder"})


@dataclass(frozen=True)
class Changes:
    orangelogic: list[OLAsset]
    iconik: list[IconikAsset]
    ol_cursor: Position | None
    iconik_cursor: Position | None
    read_at: datetime | None = None  # when the Orange Logic feed was read (before the search)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def ol_position(asset: OLAsset) -> Position:
    return Position(asset.edit_date or datetime.min.replace(tzinfo=UTC), asset.system_identifier)


def iconik_position(asset: IconikAsset) -> Position:
    return Position(parse_time(asset.date_modified) or datetime.min.replace(tzinfo=UTC), asset.id)


def stamp(time: datetime | None, identifier: str) -> str | None:
    """A side's change stamp: its modification time and id (None when the time is unknown)."""
    return None if time is None else f"{time.isoformat()}|{identifier}"


def settled_stamp(time: datetime | None, identifier: str, read_at: datetime | None) -> str | None:
    """The stamp of a version read at ``read_at``, or None if an edit after the read could share it."""
    if time is None or read_at is None or time.replace(microsecond=0) + SETTLE > read_at:
        return None
    return stamp(time, identifier)


def ol_stamp(asset: OLAsset) -> str | None:
    return stamp(asset.edit_date, asset.system_identifier)


def iconik_stamp(asset: IconikAsset) -> str | None:
    return stamp(parse_time(asset.date_modified), asset.id)


def read_cursors(db: Database) -> tuple[Position | None, Position | None]:
    with db.session() as session:
        uow = UnitOfWork(session)
        return uow.cursors.get("orangelogic", FLOW), uow.cursors.get("iconik", FLOW)


def ol_fields(ctx: SyncContext) -> list[str]:
    wanted = [spec.orangelogic for spec in ctx.field_map.fields]
    wanted.append(ctx.flow.match_key.orangelogic)
    if ctx.flow.match_key.mirror_field:
        wanted.append(ctx.flow.match_key.mirror_field)
    return list(dict.fromkeys(wanted))


async def orangelogic_changes(ctx: SyncContext, cursor: Position | None) -> list[OLAsset]:
    scope: Query | None = raw(ctx.flow.scope_query) if ctx.flow.scope_query else None
    since = None if cursor is None else SyncCursor(edited_at=cursor.time, system_identifier=cursor.id)
    overlap = max(timedelta(seconds=ctx.lookback_seconds), MIN_OL_OVERLAP)
    found = await ctx.ol.search.changed_since(since, scope=scope, fields=ol_fields(ctx), overlap=overlap)
    return [a for a in found if (a.media_type or "").lower() not in FOLDER_TYPES and a.record_id]


async def iconik_changes(ctx: SyncContext, cursor: Position | None) -> list[IconikAsset]:
    terms: list[SearchTerm] = []
    if cursor is not None:
        lower = cursor.time - timedelta(seconds=ctx.lookback_seconds)
        terms.append(SearchTerm(name="date_modified", range={"min": lower.isoformat(), "timezone": "+00:00"}))
    criteria = SearchCriteria(
        doc_types=["assets"],
        filter=SearchFilter(operator="AND", terms=terms) if terms else None,
        sort=[SortSpec(name="date_modified", order="asc"), SortSpec(name="id", order="asc")],
    )
    seen: dict[str, IconikAsset] = {}
    async for hit in ctx.iconik.scan(criteria):
        asset = IconikAsset.model_validate(hit)
        if asset.status != "DELETED":
            seen[asset.id] = asset
    return sorted(seen.values(), key=iconik_position)


async def capture(ctx: SyncContext) -> Changes:
    ol_cursor, iconik_cursor = await ctx.db_call(read_cursors, ctx.db)
    read_at = datetime.now(UTC)
    ol_assets = await orangelogic_changes(ctx, ol_cursor)
    iconik_assets = await iconik_changes(ctx, iconik_cursor)
    return Changes(ol_assets, iconik_assets, ol_cursor, iconik_cursor, read_at)


def advance_to(positions: Sequence[Position], failed: set[int]) -> Position | None:
    """The last position before the first failed item (the cursor may move up to it, not past it)."""
    last: Position | None = None
    for index, position in enumerate(positions):
        if index in failed:
            break
        last = position
    return last

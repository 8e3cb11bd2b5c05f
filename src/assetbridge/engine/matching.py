"""First sync of an Orange Logic asset: match-then-create, link, and mirror the crosswalk.

An unlinked record is searched in iconik by its match key (``external_id`` = ``RecordID`` by default).
Found: linked. Not found: an iconik asset is created with ``external_id`` = the key, so a crash between
the create and the link is recovered by this same search on the next pass, never by a second create (the
client also searches before retrying a create that failed in transit). The iconik asset id is then
written into the Orange Logic crosswalk field (``match_key.mirror_field``, default ``AB.Iconik-id``) when
the tenant has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from assetbridge.connectors.iconik.models import Asset as IconikAsset
from assetbridge.connectors.iconik.requests import AssetCreate, SearchCriteria, SearchFilter, SearchTerm
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.records import find_link, link_pair, record_crosswalk
from assetbridge.errors import ValidationError


class MatchError(ValidationError):
    """The record cannot be paired (no key value, or several iconik assets carry the key)."""


@dataclass(frozen=True)
class Pairing:
    link_id: int | None  # None in a dry run that would create or link
    asset_id: str | None  # None when a dry run would create the asset
    created: bool = False
    linked: bool = False  # linked (or, in a dry run, would be linked) in this pass


def match_value(ctx: SyncContext, asset: OLAsset) -> str | None:
    key = ctx.flow.match_key.orangelogic
    if key == "RecordID":
        return asset.record_id
    return asset.value(key)


async def find_in_iconik(ctx: SyncContext, value: str) -> list[IconikAsset]:
    key = ctx.flow.match_key.iconik
    if key == "external_id":
        return await ctx.iconik.find_assets_by_external_id(value)
    criteria = SearchCriteria(
        doc_types=["assets"],
        filter=SearchFilter(operator="AND", terms=[SearchTerm(name=key, value=value)]),
    )
    page = await ctx.iconik.search_page(criteria, per_page=50)
    found = [IconikAsset.model_validate(o) for o in page.objects]
    return [a for a in found if a.status != "DELETED"]


async def ensure_pairing(ctx: SyncContext, asset: OLAsset, *, dry_run: bool = False) -> Pairing:
    record_id = asset.record_id or ""
    existing = await ctx.db_call(find_link, ctx.db, record_id=record_id)
    if existing is not None:
        return Pairing(existing.id, existing.asset_id)
    value = match_value(ctx, asset)
    if not value:
        raise MatchError("orangelogic", "match", f"{ctx.flow.match_key.orangelogic} is empty on {record_id}")
    found = await find_in_iconik(ctx, value)
    if len(found) > 1:
        ids = ", ".join(a.id for a in found)
        raise MatchError("iconik", "match", f"several iconik assets carry the key {value!r}: {ids}")
    created = not found
    if found:
        target = found[0]
    elif dry_run:
        return Pairing(None, None, created=True, linked=True)
    else:
        title = asset.title or record_id
        target = await ctx.iconik.create_asset(AssetCreate(title=title, external_id=record_id))
    if dry_run:
        return Pairing(None, target.id, linked=True)
    link_id = await ctx.db_call(
        link_pair,
        ctx.db,
        record_id,
        asset.system_identifier,
        target.id,
        created=created,
        title=target.title,
    )
    await mirror_crosswalk(ctx, link_id, asset, target.id)
    return Pairing(link_id, target.id, created=created, linked=True)


async def mirror_crosswalk(ctx: SyncContext, link_id: int, asset: OLAsset, asset_id: str) -> None:
    field = (await ctx.schema()).crosswalk_field
    if field is None:
        return
    current = asset.value(field)
    if current == asset_id:
        return
    await ctx.ol.datatable.update(
        OL_MODEL, {IDENTIFIER: asset.system_identifier}, [set_value(field, asset_id)], verify=False
    )
    await ctx.db_call(record_crosswalk, ctx.db, link_id, field, asset_id, current)

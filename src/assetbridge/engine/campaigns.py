"""The campaign hand-off: one iconik collection per campaign, published assets in it, derived assets found.

The collection of a campaign is created once: its id is kept in ``campaign_collections``. A crash
between the create and that row is repaired by looking the collection up (its ``external_id`` is
``assetbridge-campaign:<campaign>``, its title the configured template) before creating, so a campaign
never gets two collections. The campaign name is written on the collection through the configured view
field, so iconik users see which campaign it carries.

Derived assets: iconik has asset relations (``/API/assets/v1/assets/{id}/relations/``, reference §3.1);
a localized or derived cut that an iconik user makes in the campaign collection and relates to the
published source asset (relation type from ``derived_relation_types``, any when empty) is recorded in
``derived_assets`` against the source's crosswalk link. Chosen over a metadata field naming the source
because a relation is iconik's own lineage object (shown on both assets in the UI) and needs no schema.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import structlog

from assetbridge.config.flows_publish import CampaignFlow
from assetbridge.connectors.iconik.models import Collection
from assetbridge.connectors.iconik.requests import CollectionCreate, FieldWrite, MetadataWrite
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.engine.context import SyncContext
from assetbridge.engine.records import find_link
from assetbridge.errors import ConfigError
from assetbridge.state import Database
from assetbridge.state.repositories.publications import CampaignRepo

log = structlog.get_logger("assetbridge.campaigns")

FLOW = "campaigns"
FOLDER_TITLE_FIELD = "ParentFolderTitle"
EXTERNAL_PREFIX = "assetbridge-campaign:"
PARENT_KEY = "\x00parent"  # the parent collection's row in campaign_collections (no campaign has this name)


@dataclass(frozen=True)
class DerivedFound:
    asset_id: str
    title: str | None
    source_record_id: str
    source_asset_id: str
    relation_type: str
    collection_id: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def campaign_fields(flow: CampaignFlow) -> list[str]:
    if not flow.enabled:
        return []
    return [FOLDER_TITLE_FIELD] if flow.source == "folder" else [flow.field]


def campaign_of(flow: CampaignFlow, asset: OLAsset) -> str | None:
    value = asset.value(FOLDER_TITLE_FIELD if flow.source == "folder" else flow.field)
    return value.strip() if value and value.strip() else None


def applies(flow: CampaignFlow, rule: str) -> bool:
    return flow.enabled and (not flow.rules or rule in flow.rules)


def _stored(db: Database, campaign: str) -> tuple[str, str | None] | None:
    with db.session() as session:
        row = CampaignRepo(session).get(campaign)
        return None if row is None else (row.collection_id, row.parent_id)


def _save(db: Database, campaign: str, title: str, collection_id: str, parent_id: str | None) -> None:
    with db.unit_of_work() as uow:
        CampaignRepo(uow.session).save(campaign, title, collection_id, parent_id)
        uow.audit.record(
            "create_collection",
            system="iconik",
            after=collection_id,
            reason=f"campaign {campaign!r} collection {title!r}",
            flow=FLOW,
            details={"campaign": campaign, "parent_id": parent_id},
        )


def stored_collections(db: Database) -> list[tuple[str, str]]:
    """(campaign, collection id) of every campaign collection made so far."""
    with db.session() as session:
        return [
            (r.campaign, r.collection_id) for r in CampaignRepo(session).all() if r.campaign != PARENT_KEY
        ]


class Campaigns:
    """Campaign collections of one run (memoized; each created at most once)."""

    def __init__(self, ctx: SyncContext) -> None:
        self.ctx = ctx
        self.flow = ctx.loaded.config.flows.campaigns
        self._ids: dict[str, str] = {}
        self._view_id: str | None = None
        # assets of one campaign are published concurrently: one lookup/create per campaign at a time
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def collection_for(self, campaign: str, *, dry_run: bool = False) -> str | None:
        """The campaign's collection id (created with its metadata when it does not exist yet)."""
        async with self._locks[campaign]:
            return await self._collection_for(campaign, dry_run=dry_run)

    async def _collection_for(self, campaign: str, *, dry_run: bool) -> str | None:
        if campaign in self._ids:
            return self._ids[campaign]
        stored = await self.ctx.db_call(_stored, self.ctx.db, campaign)
        if stored is not None:
            self._ids[campaign] = stored[0]
            return stored[0]
        parent_id = await self._parent(dry_run=dry_run)
        title = self.flow.title_for(campaign)
        found = await self._find(campaign, title, parent_id)
        if dry_run:
            return None if found is None else found.id
        if found is None:
            found = await self.ctx.iconik.create_collection(
                CollectionCreate(title=title, parent_id=parent_id, external_id=EXTERNAL_PREFIX + campaign)
            )
        await self._write_metadata(found.id, campaign)
        await self.ctx.db_call(_save, self.ctx.db, campaign, title, found.id, parent_id)
        self._ids[campaign] = found.id
        return found.id

    async def _parent(self, *, dry_run: bool) -> str | None:
        title = self.flow.parent_collection
        if title is None:
            return None
        async with self._locks[PARENT_KEY]:
            return await self._parent_locked(title, dry_run=dry_run)

    async def _parent_locked(self, title: str, *, dry_run: bool) -> str | None:
        if PARENT_KEY in self._ids:
            return self._ids[PARENT_KEY]
        stored = await self.ctx.db_call(_stored, self.ctx.db, PARENT_KEY)
        if stored is not None:
            self._ids[PARENT_KEY] = stored[0]
            return stored[0]
        found = await self._find(PARENT_KEY, title, None)
        if dry_run:
            return None if found is None else found.id
        if found is None:
            found = await self.ctx.iconik.create_collection(
                CollectionCreate(title=title, external_id=EXTERNAL_PREFIX.rstrip(":"))
            )
        await self.ctx.db_call(_save, self.ctx.db, PARENT_KEY, title, found.id, None)
        self._ids[PARENT_KEY] = found.id
        return found.id

    async def _find(self, campaign: str, title: str, parent_id: str | None) -> Collection | None:
        """A collection made by an earlier run that crashed before recording it (external id, else title)."""
        external = EXTERNAL_PREFIX.rstrip(":") if campaign == PARENT_KEY else EXTERNAL_PREFIX + campaign
        candidates: list[Collection] = []
        if parent_id is None:
            async for collection in self.ctx.iconik.iter_collections(per_page=500, is_root=True):
                candidates.append(collection)
        else:
            async for item in self.ctx.iconik.iter_collection_contents(
                parent_id, object_types=["collections"], per_page=500
            ):
                candidates.append(Collection.model_validate(item.model_dump()))
        live = [c for c in candidates if c.status != "DELETED"]
        by_external = [c for c in live if c.external_id == external]
        by_title = [c for c in live if c.title == title]
        matches = by_external or by_title
        return matches[0] if matches else None

    async def _write_metadata(self, collection_id: str, campaign: str) -> None:
        field = self.flow.metadata_field
        if field is None:
            return
        view_id = await self._view()
        body = MetadataWrite(metadata_values={field: FieldWrite(field_values=[{"value": campaign}])})
        await self.ctx.iconik.put_metadata("collections", collection_id, view_id, body)

    async def _view(self) -> str:
        if self._view_id is None:
            name = self.flow.metadata_view
            if name is None:
                self._view_id = (await self.ctx.schema()).view_id
            else:
                views = await self.ctx.iconik.list_views()
                view = next((v for v in views if v.name == name), None)
                if view is None:
                    raise ConfigError(
                        f"iconik metadata view {name!r} does not exist", key="flows.campaigns.metadata_view"
                    )
                self._view_id = view.id
        return self._view_id


def _record_derived(db: Database, found: DerivedFound, source_link_id: int) -> bool:
    with db.unit_of_work() as uow:
        link = uow.links.get(source_link_id)
        if link is None:
            return False
        row = CampaignRepo(uow.session).record_derived(
            asset_id=found.asset_id,
            source=link,
            relation_type=found.relation_type,
            collection_id=found.collection_id,
            title=found.title,
        )
        if row is None:
            return False
        uow.audit.record(
            "derived_recorded",
            link_id=source_link_id,
            system="iconik",
            after=found.asset_id,
            reason=f"iconik asset {found.asset_id} ({found.relation_type}) derived from {link.asset_id}",
            flow=FLOW,
            details=found.to_dict(),
        )
        uow.lineage.record(
            "derived",
            flow=FLOW,
            link=link,
            related_kind="asset",
            related_id=found.asset_id,
            details=found.to_dict(),
        )
        return True


def _known_derived(db: Database, asset_id: str) -> bool:
    with db.session() as session:
        return bool(CampaignRepo(session).derived(asset_id))


async def find_derived(ctx: SyncContext, *, dry_run: bool = False) -> list[DerivedFound]:
    """Scan every campaign collection for unlinked assets related to a published asset; record them."""
    flow = ctx.loaded.config.flows.campaigns
    wanted = set(flow.derived_relation_types)
    found: list[DerivedFound] = []
    for _campaign, collection_id in await ctx.db_call(stored_collections, ctx.db):
        async for item in ctx.iconik.iter_collection_contents(
            collection_id, object_types=["assets"], per_page=500
        ):
            if await ctx.db_call(find_link, ctx.db, asset_id=item.id) is not None:
                continue  # a published asset itself
            if await ctx.db_call(_known_derived, ctx.db, item.id):
                continue
            async for relation in ctx.iconik.iter_relations(item.id):
                if wanted and relation.relation_type not in wanted:
                    continue
                other = (
                    relation.related_to_asset_id
                    if relation.asset_id in (None, item.id)
                    else relation.asset_id
                )
                if other is None or other == item.id:
                    continue
                source = await ctx.db_call(find_link, ctx.db, asset_id=other)
                if source is None:
                    continue
                derived = DerivedFound(
                    item.id,
                    item.title,
                    source.record_id,
                    source.asset_id,
                    relation.relation_type,
                    collection_id,
                )
                if dry_run or await ctx.db_call(_record_derived, ctx.db, derived, source.id):
                    found.append(derived)
                    log.info("campaigns.derived", asset_id=item.id, source=source.asset_id)
    return found

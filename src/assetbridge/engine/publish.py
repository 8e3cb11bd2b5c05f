"""The publish flow (product jobs 1 and 4): Orange Logic assets selected by rules become iconik assets.

Per rule: select (Orange Logic Search: the rule's query and/or folders; "changed since" the rule's cursor
in steady state, everything on a full pass), then per asset:

1. **rights** — ``domain.rights.decide``; not allowed (or doubtful) → nothing is written, the reason and
   the rights values are in the report and the audit log (fail closed);
2. **media check** — the rendition (proxy mode) or original (original mode) must exist and not be empty,
   else a per-asset error naming the value at fault, before any write;
3. **pair** — ``matching.ensure_pairing`` (match by ``external_id`` = RecordID, else create; linked in
   the crosswalk);
4. **metadata** — a new asset gets the mapped values planned against an empty asset (no reads); an
   asset that existed already goes through ``sync_metadata.sync_pair``;
5. **version** — the Orange Logic version (``CoreField.Version``) is compared with the ``publications``
   rows of the link: a higher one becomes a new iconik version of the same asset (its id is adopted
   after a crash instead of creating a second one);
6. **media** — sent through the transfer engine, then keyframes are requested (proxy mode);
7. **campaign** — added to its campaign collection (``campaigns.py``).

A version whose row says ``published`` is never sent again. On a full pass, links published by a rule
whose asset the rule no longer selects get the rule's ``on_leave`` policy (``unpublish``: the iconik
asset is deleted and the link tombstoned, audited). Creation belongs to publish when it is enabled:
the metadata sync pass then only syncs pairs that are already linked (``sync_pass``).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from assetbridge.config.flows_publish import PublishFlow, PublishRule
from assetbridge.connectors.iconik.requests import VersionCreate
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.connectors.orangelogic.models import SyncCursor
from assetbridge.connectors.orangelogic.query import Query, all_of, any_of, not_, raw
from assetbridge.connectors.orangelogic.query import field as term
from assetbridge.domain.plan import plan_asset
from assetbridge.domain.rights import RightsDecision, decide
from assetbridge.engine import publish_state as st
from assetbridge.engine.campaigns import Campaigns, applies, campaign_fields, campaign_of, find_derived
from assetbridge.engine.capture import FOLDER_TYPES, ol_fields, ol_position
from assetbridge.engine.context import SyncContext
from assetbridge.engine.matching import ensure_pairing
from assetbridge.engine.publish_media import (
    FILE_NAME_FIELD,
    MIME_FIELD,
    SIZE_FIELD,
    VERSION_FIELD,
    MediaPlan,
    ol_version,
    plan_media,
    rendition_paths,
    send_media,
)
from assetbridge.engine.publish_report import PublishOutcome, PublishReport, RuleSelection
from assetbridge.engine.records import record_plan
from assetbridge.engine.sync_metadata import apply_plan, empty_iconik_values, ol_values_of, sync_pair
from assetbridge.errors import ApiError, AssetBridgeError, ChecksumError, NotFoundError, TransientError

log = logging.getLogger(__name__)

CONTAINERS = not_(any_of(term("MediaType", "Story"), term("MediaType", "Album")))


def folder_query(folder: str) -> Query:
    """A folder path (``Root/...``) selects the assets directly in it; an identifier also its subfolders."""
    if "/" in folder:
        return term("Path", folder)
    return term("ParentFolderIdentifier", folder)


def rule_query(rule: PublishRule) -> Query:
    parts: list[Query] = []
    if rule.query:
        parts.append(raw(rule.query))
    if rule.folders:
        parts.append(any_of(*(folder_query(f) for f in rule.folders)))
    return all_of(*parts)


def publish_fields(ctx: SyncContext) -> list[str]:
    flows = ctx.loaded.config.flows
    rights = flows.rights
    wanted = [*ol_fields(ctx), VERSION_FIELD, SIZE_FIELD, FILE_NAME_FIELD, MIME_FIELD]
    wanted += rendition_paths(flows.publish)
    wanted += campaign_fields(flows.campaigns)
    for name in (
        rights.status_field,
        rights.start_field,
        rights.end_field,
        rights.territories_field,
        rights.channels_field,
        rights.restrictions_field,
    ):
        if name:
            wanted.append(name)
    return list(dict.fromkeys(wanted))


async def select(ctx: SyncContext, rule: PublishRule, *, full: bool) -> list[OLAsset]:
    """The rule's assets: all of them (``full``), or those changed since the rule's cursor."""
    query = rule_query(rule)
    fields = publish_fields(ctx)
    cursor = None if full else await ctx.db_call(st.read_cursor, ctx.db, rule.name)
    if cursor is None:
        found = [a async for a in ctx.ol.search.iterate(query, fields=fields, sort="Oldest first")]
    else:
        since = SyncCursor(edited_at=cursor.time, system_identifier=cursor.id)
        found = await ctx.ol.search.changed_since(
            since, scope=query, fields=fields, overlap=timedelta(seconds=ctx.lookback_seconds)
        )
    unique = {a.system_identifier: a for a in found}
    return [a for a in unique.values() if (a.media_type or "").lower() not in FOLDER_TYPES and a.record_id]


async def measure_rule(ctx: SyncContext, rule: PublishRule) -> RuleSelection:
    """How many assets the rule selects out of all media assets (plan's bad-input check)."""
    query = rule_query(rule)
    total = (await ctx.ol.search.page(CONTAINERS, page_size=1)).total_count
    count = (await ctx.ol.search.page(all_of(query, CONTAINERS), page_size=1)).total_count
    warning = None
    if count == 0:
        warning = f"rule {rule.name!r} selects nothing (query: {query})"
    elif total > 1 and count >= total:
        warning = f"rule {rule.name!r} selects everything: all {total} assets (query: {query})"
    return RuleSelection(rule.name, str(query), count, total, warning)


@dataclass
class PublishRun:
    """One publish pass: shared context, campaign collections and the concurrency bound."""

    ctx: SyncContext
    dry_run: bool = False
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    concurrency: int = 8

    def __post_init__(self) -> None:
        self.flow: PublishFlow = self.ctx.loaded.config.flows.publish
        self.campaigns = Campaigns(self.ctx)
        self.claimed: set[str] = set()  # records taken by an earlier rule in this pass
        self.changed_only = False  # a steady-state pass: every selected asset changed since the cursor

    async def run(self, *, full: bool, rules: list[str] | None = None) -> PublishReport:
        report = PublishReport(dry_run=self.dry_run, full=full)
        self.changed_only = not full
        await self.ctx.schema()
        for rule in self.flow.rules:
            if rules is not None and rule.name not in rules:
                continue
            try:
                if self.dry_run:
                    report.rules.append(await measure_rule(self.ctx, rule))
                assets = await select(self.ctx, rule, full=full)
            except ApiError as error:
                if isinstance(error, TransientError) or error.system != "orangelogic":
                    raise
                # the rule's query was refused: this rule is skipped, the others still run
                report.rules.append(RuleSelection(rule.name, str(rule_query(rule)), 0, 0, None, str(error)))
                continue
            outcomes = await self._each(rule, [a for a in assets if a.record_id not in self.claimed])
            self.claimed.update(a.record_id or "" for a in assets)
            report.outcomes.extend(outcomes)
            if full:
                report.outcomes.extend(await self._left(rule, {a.record_id or "" for a in assets}))
            elif not self.dry_run and assets:
                await self._advance(rule, assets, outcomes)
        if self.ctx.loaded.config.flows.campaigns.enabled:
            report.derived = await find_derived(self.ctx, dry_run=self.dry_run)
        return report

    async def _each(self, rule: PublishRule, assets: list[OLAsset]) -> list[PublishOutcome]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(asset: OLAsset) -> PublishOutcome:
            async with gate:
                return await self.publish_one(rule, asset)

        return list(await asyncio.gather(*(one(a) for a in assets)))

    async def _advance(
        self, rule: PublishRule, assets: list[OLAsset], outcomes: list[PublishOutcome]
    ) -> None:
        """Move the rule's cursor up to (not past) the first asset that failed transiently."""
        retry = {o.record_id for o in outcomes if o.retryable}
        last = None
        for asset in sorted(assets, key=ol_position):
            if asset.record_id in retry:
                break
            last = ol_position(asset)
        if last is not None:
            await self.ctx.db_call(st.move_cursor, self.ctx.db, rule.name, last)

    async def publish_one(self, rule: PublishRule, asset: OLAsset) -> PublishOutcome:
        outcome = PublishOutcome(rule.name, asset.record_id or "", asset.system_identifier, asset.title)
        try:
            await self._publish(rule, asset, outcome)
        except (AssetBridgeError, ValueError) as error:
            outcome.fail(error)
            log.warning("publish failed: %s %s", outcome.record_id, outcome.error)
            if not self.dry_run:
                await self.ctx.db_call(
                    st.record_error,
                    self.ctx.db,
                    outcome.link_id,
                    outcome.record_id,
                    rule.name,
                    outcome.error or "",
                )
        return outcome

    async def _publish(self, rule: PublishRule, asset: OLAsset, outcome: PublishOutcome) -> None:
        ctx = self.ctx
        decision: RightsDecision = decide(ctx.loaded.config.flows.rights, asset.fields, self.now)
        outcome.rights = decision
        if not decision.allowed:
            outcome.action = "blocked"
            outcome.reason = decision.reason
            if not self.dry_run:
                await ctx.db_call(
                    st.record_blocked,
                    ctx.db,
                    None,
                    outcome.record_id,
                    decision.reason,
                    decision.values,
                    decision.doubtful,
                )
            return
        media = plan_media(self.flow, rule, asset)
        version = ol_version(asset)
        outcome.media, outcome.ol_version = media.label, version
        pairing = await ensure_pairing(ctx, asset, dry_run=self.dry_run)
        outcome.link_id, outcome.asset_id, outcome.created = (
            pairing.link_id,
            pairing.asset_id,
            pairing.created,
        )
        if pairing.link_id is None or pairing.asset_id is None:  # a dry run that would create or link
            outcome.action = "publish"
            outcome.writes = self._planned(media, created=pairing.created, new_version=False)
            await self._campaign(rule, asset, outcome)
            return
        rows = await ctx.db_call(st.publications, ctx.db, pairing.link_id)
        current = next((r for r in rows if r.ol_version == version), None)
        newest = max((r.ol_version for r in rows if r.status in ("published", "unpublished")), default=0)
        if current is not None and current.status == "published":
            outcome.action = "up_to_date"
            outcome.iconik_version_id = current.iconik_version_id
            if self.changed_only and not self.dry_run and not ctx.loaded.config.flows.metadata_sync.enabled:
                # the asset changed and no metadata sync runs: its fields travel with the publish
                await sync_pair(
                    ctx, pairing.link_id, asset.system_identifier, pairing.asset_id, ol_asset=asset
                )
            await self._campaign(rule, asset, outcome, current.collection_id)
            return
        if current is None and rows and version < newest:
            outcome.action = "up_to_date"
            outcome.reason = f"Orange Logic version {version} is older than the published {newest}"
            return
        new_version = bool(rows) and newest > 0
        outcome.action = "new_version" if new_version else "publish"
        if self.dry_run:
            outcome.writes = self._planned(media, created=False, new_version=new_version)
            await self._campaign(rule, asset, outcome)
            return
        if pairing.created:
            await self._first_metadata(asset, pairing.link_id, pairing.asset_id)
        elif not rows or new_version:
            await sync_pair(ctx, pairing.link_id, asset.system_identifier, pairing.asset_id, ol_asset=asset)
        row = current or await self._start(
            rule, asset, pairing.link_id, pairing.asset_id, version, media, new_version
        )
        version_id = row.iconik_version_id
        if row.status == "versioning":
            version_id = await self._new_iconik_version(row, pairing.link_id, pairing.asset_id, version)
        try:
            sent = await send_media(
                ctx,
                self.flow,
                media,
                asset=asset,
                asset_id=pairing.asset_id,
                version_id=version_id,
                link_id=pairing.link_id,
                version=version,
                attempt=row.media_attempt,
            )
        except ChecksumError as error:
            await ctx.db_call(st.record_corrupt_media, ctx.db, row.id, pairing.link_id, str(error))
            raise
        outcome.iconik_version_id = version_id
        outcome.media_id = sent.copy.iconik_id
        details = {
            "rule": rule.name,
            "ol_version": version,
            "media": media.label,
            "media_id": sent.copy.iconik_id,
            "size": sent.copy.size,
            "md5": sent.copy.md5,
            "keyframes_job_id": sent.keyframes_job_id,
            "rights_values": dict(decision.values),
            "reason": f"rule {rule.name!r}: Orange Logic version {version} published ({media.label})",
        }
        await ctx.db_call(
            st.record_published,
            ctx.db,
            row.id,
            pairing.link_id,
            media_id=sent.copy.iconik_id,
            size=sent.copy.size,
            md5=sent.copy.md5,
            keyframes_job_id=sent.keyframes_job_id,
            details=details,
            version_id=version_id,
            lineage_event="version_added" if new_version else ("media_added" if rows else "published"),
            media_role=media.role,
        )
        await self._campaign(rule, asset, outcome, row.collection_id)

    def _planned(self, media: MediaPlan, *, created: bool, new_version: bool) -> list[str]:
        writes = ["create iconik asset (external_id = RecordID)"] if created else []
        writes += ["create iconik version"] if new_version else []
        writes += ["write mapped metadata", f"send {media.label}"]
        if media.role == "proxy" and self.flow.keyframes:
            writes.append("request keyframes + poster from the proxy")
        return writes

    async def _first_metadata(self, asset: OLAsset, link_id: int, asset_id: str) -> None:
        """Metadata of an asset just created: planned against the empty asset (iconik is not read)."""
        ctx = self.ctx
        schema = await ctx.schema()
        plan = plan_asset(
            ctx.field_map,
            {},
            ol_values_of(ctx, asset),
            empty_iconik_values(ctx, asset.title or asset.record_id),
            ol_modified=asset.edit_date,
            allowed=schema.allowed,
            now=self.now,
        )
        await apply_plan(ctx, asset.system_identifier, asset_id, plan)
        await ctx.db_call(record_plan, ctx.db, link_id, plan, now=self.now)

    async def _start(
        self,
        rule: PublishRule,
        asset: OLAsset,
        link_id: int,
        asset_id: str,
        version: int,
        media: MediaPlan,
        new_version: bool,
    ) -> st.PublicationView:
        known: list[str] = []
        if new_version:
            iconik_asset = await self.ctx.iconik.get_asset(asset_id)
            known = [v.id for v in iconik_asset.versions]
        return await self.ctx.db_call(
            st.start_publication,
            self.ctx.db,
            link_id=link_id,
            record_id=asset.record_id or "",
            asset_id=asset_id,
            rule=rule.name,
            ol_version=version,
            media_mode=media.role,
            rendition=media.rendition,
            iconik_version_id=None,
            known_version_ids=known,
            needs_version=new_version,
        )

    async def _new_iconik_version(
        self, row: st.PublicationView, link_id: int, asset_id: str, version: int
    ) -> str:
        """Create the iconik version of a new Orange Logic version; after a crash, adopt the one made."""
        ctx = self.ctx
        if row.known_version_ids:
            current = await ctx.iconik.get_asset(asset_id)
            made = [v.id for v in current.versions if v.id not in row.known_version_ids]
            if made:
                await ctx.db_call(st.record_version, ctx.db, row.id, link_id, made[0], version)
                return made[0]
        result = await ctx.iconik.create_version(asset_id, VersionCreate(copy_metadata=True))
        new_ids = [v.id for v in result.versions if v.id not in row.known_version_ids]
        if not new_ids:
            raise NotFoundError("iconik", "create_version", f"iconik made no new version on {asset_id}")
        await ctx.db_call(st.record_version, ctx.db, row.id, link_id, new_ids[0], version)
        return new_ids[0]

    async def _campaign(
        self, rule: PublishRule, asset: OLAsset, outcome: PublishOutcome, current: str | None = None
    ) -> None:
        flow = self.ctx.loaded.config.flows.campaigns
        if not applies(flow, rule.name):
            return
        campaign = campaign_of(flow, asset)
        if campaign is None:
            return
        outcome.campaign = campaign
        collection_id = await self.campaigns.collection_for(campaign, dry_run=self.dry_run)
        outcome.collection_id = collection_id
        if self.dry_run or collection_id is None or outcome.asset_id is None or outcome.link_id is None:
            if collection_id != current:
                outcome.writes.append(f"add to campaign collection {flow.title_for(campaign)!r}")
            return
        if current == collection_id:
            return
        await self.ctx.iconik.add_to_collection(collection_id, outcome.asset_id)
        await self.ctx.db_call(st.record_collection, self.ctx.db, outcome.link_id, collection_id, campaign)

    async def _left(self, rule: PublishRule, selected: set[str]) -> list[PublishOutcome]:
        """Links published by ``rule`` whose asset it no longer selects: the ``on_leave`` policy."""
        out: list[PublishOutcome] = []
        for link_id, record_id, asset_id, system_identifier in await self.ctx.db_call(
            st.published_links, self.ctx.db, rule.name
        ):
            if record_id in selected or record_id in self.claimed:
                continue
            outcome = PublishOutcome(rule.name, record_id, system_identifier or "", None)
            outcome.link_id, outcome.asset_id = link_id, asset_id
            if rule.on_leave == "leave":
                outcome.action = "left"
                outcome.reason = "no longer selected; on_leave: leave keeps the iconik asset"
            else:
                outcome.action = "unpublish"
                outcome.writes = [f"delete iconik asset {asset_id}", "tombstone the link"]
                if not self.dry_run:
                    try:
                        await self.ctx.iconik.delete_asset(asset_id)
                        deleted = True
                    except NotFoundError:
                        deleted = False
                    except AssetBridgeError as error:
                        outcome.fail(error)
                        out.append(outcome)
                        continue
                    await self.ctx.db_call(
                        st.record_unpublished, self.ctx.db, link_id, asset_id, rule.name, deleted=deleted
                    )
            out.append(outcome)
        return out


async def run_publish(
    ctx: SyncContext,
    *,
    dry_run: bool = False,
    full: bool = False,
    rules: list[str] | None = None,
    now: datetime | None = None,
    concurrency: int = 8,
) -> PublishReport:
    """One publish pass over every rule (``full``: re-select everything and apply ``on_leave``)."""
    if not ctx.loaded.config.flows.publish.rules:
        return PublishReport(dry_run=dry_run, full=full)
    run = PublishRun(ctx, dry_run=dry_run, now=now or datetime.now(UTC), concurrency=concurrency)
    return await run.run(full=full, rules=rules)

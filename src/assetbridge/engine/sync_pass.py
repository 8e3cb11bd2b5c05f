"""One sync pass of the metadata flow: capture changes on both sides, pair, sync, advance the cursors.

Orange Logic changes come first (they may need a match-then-create); then iconik changes of linked
assets not already synced in this pass. Each pair's records are committed as soon as its writes are
done; the cursors move at the end, each up to (not past) the first pair that failed transiently, so it
is read again on the next pass — safe, because syncing an unchanged pair plans nothing. A pair that
failed permanently (a rejected value, a missing asset) is recorded (audit row and dead letter) and does
not hold the cursor back.
A dry run (``plan``) reads and plans exactly the same way but writes nothing, anywhere.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assetbridge.connectors.iconik.models import Asset as IconikAsset
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.domain.plan import SyncPlan, plan_asset
from assetbridge.engine.capture import (
    Changes,
    advance_to,
    capture,
    iconik_position,
    iconik_stamp,
    ol_position,
    ol_stamp,
)
from assetbridge.engine.context import FLOW, SyncContext
from assetbridge.engine.matching import Pairing, ensure_pairing
from assetbridge.engine.records import CursorMove, find_link, plain, record_failure
from assetbridge.engine.sync_metadata import (
    PairValues,
    empty_iconik_values,
    ol_values_of,
    plan_pair,
    read_pair,
    sync_pair,
)
from assetbridge.errors import ApiError, AssetBridgeError, TransientError
from assetbridge.state import Database, Position

log = logging.getLogger(__name__)


@dataclass
class PairOutcome:
    record_id: str
    system_identifier: str
    asset_id: str | None
    link_id: int | None = None
    created: bool = False
    linked: bool = False
    plan: SyncPlan | None = None
    error: str | None = None
    retryable: bool = False  # a transient failure: the cursor must not move past this pair

    @property
    def failed(self) -> bool:
        return self.error is not None or bool(self.plan and self.plan.errors)

    def to_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "record_id": self.record_id,
            "system_identifier": self.system_identifier,
            "asset_id": self.asset_id,
            "created": self.created,
            "linked": self.linked,
            "error": self.error,
            "writes": [
                {"side": w.side, "field": w.field, "key": w.key, "value": plain(w.value), "raw": w.raw}
                for w in (plan.writes if plan else ())
            ],
            "decisions": [
                {"field": d.field, "action": d.action, "reason": str(d.reason), "error": d.error}
                for d in (plan.decisions if plan else ())
                if d.action != "noop" or d.reason.name == "ECHO"
            ],
        }


@dataclass
class PassReport:
    dry_run: bool
    outcomes: list[PairOutcome] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(o.failed for o in self.outcomes)

    def count_writes(self, side: str) -> int:
        return sum(1 for o in self.outcomes if o.plan for w in o.plan.writes if w.side == side)

    @property
    def summary(self) -> dict[str, int]:
        plans = [o.plan for o in self.outcomes if o.plan]
        return {
            "pairs": len(self.outcomes),
            "created": sum(o.created for o in self.outcomes),
            "linked": sum(o.linked for o in self.outcomes),
            "writes_orangelogic": self.count_writes("orangelogic"),
            "writes_iconik": self.count_writes("iconik"),
            "echoes": sum(len(p.echoes) for p in plans),
            "conflicts_open": sum(1 for p in plans for d in p.conflicts if d.action == "conflict"),
            "conflicts_settled": sum(1 for p in plans for d in p.conflicts if d.action != "conflict"),
            "failed": sum(o.failed for o in self.outcomes),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "summary": self.summary,
            "assets": [o.to_dict() for o in self.outcomes],
        }


def describe_error(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return f"{error.system}: {error}"
    return f"{type(error).__name__}: {error}"


async def _sync_ol_asset(
    ctx: SyncContext,
    outcome: PairOutcome,
    asset: OLAsset,
    dry_run: bool,
    cursor: CursorMove | None,
    read_at: datetime | None,
) -> PairOutcome:
    pairing: Pairing = await ensure_pairing(ctx, asset, dry_run=dry_run)
    outcome.link_id, outcome.asset_id = pairing.link_id, pairing.asset_id
    outcome.created, outcome.linked = pairing.created, pairing.linked
    if pairing.asset_id is None:
        # a dry run of a create: plan against the empty asset the create would make
        values = PairValues(
            ol_values_of(ctx, asset), asset.edit_date, empty_iconik_values(ctx, asset.title), None
        )
        schema = await ctx.schema()
        outcome.plan = plan_asset(
            ctx.field_map, {}, values.ol_values, values.iconik_values, allowed=schema.allowed
        )
        return outcome
    if pairing.link_id is None:
        values = await read_pair(ctx, asset.system_identifier, pairing.asset_id, asset)
        outcome.plan = await plan_pair(ctx, None, values)
        return outcome
    outcome.plan = await sync_pair(
        ctx,
        pairing.link_id,
        asset.system_identifier,
        pairing.asset_id,
        ol_asset=asset,
        ol_read_at=read_at,
        dry_run=dry_run,
        cursor=cursor,
    )
    return outcome


async def _sync_linked(
    ctx: SyncContext,
    outcome: PairOutcome,
    dry_run: bool,
    cursor: CursorMove | None,
    asset: IconikAsset,
    read_at: datetime | None,
) -> PairOutcome:
    """A linked pair found by the iconik change feed: its search hit is the iconik asset as read."""
    assert outcome.link_id is not None and outcome.asset_id is not None
    outcome.plan = await sync_pair(
        ctx,
        outcome.link_id,
        outcome.system_identifier,
        outcome.asset_id,
        iconik_asset=asset,
        iconik_read_at=read_at,
        dry_run=dry_run,
        cursor=cursor,
    )
    return outcome


async def _guarded(
    ctx: SyncContext,
    outcome: PairOutcome,
    work: Awaitable[PairOutcome],
    dry_run: bool,
    cursor: CursorMove | None,
) -> PairOutcome:
    try:
        return await work
    except (AssetBridgeError, ValueError) as error:
        outcome.error = describe_error(error)
        outcome.retryable = isinstance(error, TransientError)
        log.warning("sync pair failed: %s %s", outcome.record_id, outcome.error)
        if not dry_run:
            keep = None if outcome.retryable else cursor
            await ctx.db_call(record_failure, ctx.db, outcome.link_id, outcome.record_id, error, cursor=keep)
        return outcome


def store_cursors(db: Database, ol: Position | None, iconik: Position | None) -> None:
    with db.unit_of_work() as uow:
        if ol is not None:
            uow.cursors.advance("orangelogic", FLOW, ol.time, ol.id)
        if iconik is not None:
            uow.cursors.advance("iconik", FLOW, iconik.time, iconik.id)


async def run_pass(ctx: SyncContext, *, dry_run: bool = False) -> PassReport:
    """One pass over everything changed since the cursors (everything in scope on the first pass).

    Each pair's unit of work also moves the cursor of the side whose change brought it, as long as no
    earlier change of that side failed transiently; skipped changes (unlinked iconik assets, pairs
    already synced in this pass, changes whose stamp is the one last synced on that side of the link)
    move it at the end, up to the first transient failure.
    """
    report = PassReport(dry_run=dry_run)
    await ctx.schema()
    changes: Changes = await capture(ctx)
    done: set[str] = set()
    ol_failed: set[int] = set()
    for index, asset in enumerate(changes.orangelogic):
        record_id = asset.record_id or ""
        if record_id in done:
            continue
        known = await ctx.db_call(find_link, ctx.db, record_id=record_id)
        if known is None and ctx.loaded.config.flows.publish.enabled:
            continue  # with publish enabled, creating iconik assets is publish's (its rules and rights)
        if (
            known is not None
            and known.orangelogic_stamp is not None
            and known.orangelogic_stamp == ol_stamp(asset)
        ):
            continue
        done.add(record_id)
        cursor: CursorMove | None = None if ol_failed else ("orangelogic", ol_position(asset))
        outcome = PairOutcome(record_id, asset.system_identifier, None)
        work = _sync_ol_asset(ctx, outcome, asset, dry_run, cursor, changes.read_at)
        await _guarded(ctx, outcome, work, dry_run, cursor)
        if outcome.retryable:
            ol_failed.add(index)
        report.outcomes.append(outcome)
    iconik_failed: set[int] = set()
    for index, ic_asset in enumerate(changes.iconik):
        link = await ctx.db_call(find_link, ctx.db, asset_id=ic_asset.id)
        if link is None or link.record_id in done:
            continue
        if link.iconik_stamp is not None and link.iconik_stamp == iconik_stamp(ic_asset):
            continue
        done.add(link.record_id)
        cursor = None if iconik_failed else ("iconik", iconik_position(ic_asset))
        outcome = PairOutcome(link.record_id, link.system_identifier or "", link.asset_id, link.id)
        work = _sync_linked(ctx, outcome, dry_run, cursor, ic_asset, changes.read_at)
        await _guarded(ctx, outcome, work, dry_run, cursor)
        if outcome.retryable:
            iconik_failed.add(index)
        report.outcomes.append(outcome)
    if not dry_run:
        ol_to = advance_to([ol_position(a) for a in changes.orangelogic], ol_failed)
        iconik_to = advance_to([iconik_position(a) for a in changes.iconik], iconik_failed)
        await ctx.db_call(store_cursors, ctx.db, ol_to, iconik_to)
    return report

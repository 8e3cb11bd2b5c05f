"""The review flow's safety net (no webhook needed): pending decisions and missed approvals.

One sweep re-reads the review status of every Orange Logic record with a hand-off in review, and the
approval status of the current version of every candidate iconik asset: the live linked ones plus the
contents of the rule's collections. An approved version with no hand-off yet is handed off; a version
whose earlier attempt failed or was excluded waits for a new approval event (a sweep does not repeat
the same error every interval).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assetbridge.config.flows_review import ReviewFlow
from assetbridge.engine.context import FLOW as SYNC_FLOW
from assetbridge.engine.context import SyncContext
from assetbridge.engine.review import HandoffResult, hand_off
from assetbridge.engine.review_bridge import DecisionResult, bridge_decision
from assetbridge.state import Database
from assetbridge.state.repositories.reviews import ReviewRepo


@dataclass
class SweepReport:
    decisions: list[DecisionResult] = field(default_factory=list)
    handoffs: list[HandoffResult] = field(default_factory=list)

    @property
    def summary(self) -> dict[str, int]:
        out: dict[str, int] = {}
        outcomes = [d.outcome for d in self.decisions] + [h.outcome for h in self.handoffs]
        for outcome in outcomes:
            out[outcome] = out.get(outcome, 0) + 1
        return out


def _pending_records(db: Database) -> list[str]:
    with db.session() as session:
        return ReviewRepo(session).pending_records()


def _linked_assets(db: Database, page: int = 1000) -> list[str]:
    out: list[str] = []
    after = 0
    while True:
        with db.unit_of_work() as uow:
            links = uow.links.list_live(flow=SYNC_FLOW, after_id=after, limit=page)
        out += [link.asset_id for link in links if link.asset_id]
        if len(links) < page:
            return out
        after = links[-1].id


async def candidate_assets(ctx: SyncContext, model: ReviewFlow) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(await ctx.db_call(_linked_assets, ctx.db))
    for collection_id in model.rule.collections:
        async for item in ctx.iconik.iter_collection_contents(collection_id, object_types=["assets"]):
            seen.setdefault(item.id)
    return list(seen)


async def review_sweep(ctx: SyncContext) -> SweepReport:
    model: ReviewFlow = ctx.loaded.config.flows.review
    report = SweepReport()
    if not model.enabled:
        return report
    for record_id in await ctx.db_call(_pending_records, ctx.db):
        report.decisions += await bridge_decision(ctx, record_id)
    for asset_id in await candidate_assets(ctx, model):
        result = await hand_off(ctx, asset_id, from_event=False)
        if result.outcome != "skipped":
            report.handoffs.append(result)
    return report

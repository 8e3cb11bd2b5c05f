"""``conflicts resolve``: settle a conflict recorded for manual review, at once.

The chosen value (one side's, or one typed by the user and read as iconik would spell it) is written to
both sides right away — to each side the field's direction lets values flow into — then stored as the
field's new base with both written fingerprints, and the conflict is closed with an audit row. Doing
it immediately (not on the next pass) keeps the pair from re-opening the conflict if nothing else
touches the asset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from assetbridge.domain.convert import from_iconik, to_side
from assetbridge.domain.fieldmap import SIDES
from assetbridge.domain.fingerprint import fingerprint
from assetbridge.domain.merge import FieldBase, FieldDecision, Reason
from assetbridge.domain.plan import PlannedWrite, SyncPlan
from assetbridge.domain.values import Canonical
from assetbridge.engine.context import FLOW, SyncContext
from assetbridge.engine.records import plain, restored, stored
from assetbridge.engine.sync_metadata import apply_plan
from assetbridge.errors import AssetBridgeError
from assetbridge.state import Database
from assetbridge.state.repositories import audit as actions
from assetbridge.state.uow import UnitOfWork

Take = Literal["orangelogic", "iconik", "value"]


class ResolveError(AssetBridgeError):
    """The conflict cannot be resolved as asked (unknown, already resolved, bad value)."""


@dataclass(frozen=True)
class OpenConflict:
    id: int
    link_id: int
    field: str
    record_id: str
    system_identifier: str
    asset_id: str
    orangelogic: Canonical
    iconik: Canonical


def load_open(db: Database, conflict_id: int) -> OpenConflict:
    with db.session() as session:
        uow = UnitOfWork(session)
        conflict = uow.conflicts.get(conflict_id)
        if conflict is None:
            raise ResolveError(f"no conflict {conflict_id}")
        if conflict.status != "open":
            raise ResolveError(f"conflict {conflict_id} is already resolved ({conflict.resolution})")
        link = uow.links.get(conflict.link_id)
        if link is None:
            raise ResolveError(f"conflict {conflict_id} has no link")
        return OpenConflict(
            conflict.id,
            link.id,
            conflict.field,
            link.record_id,
            link.system_identifier or "",
            link.asset_id,
            restored(conflict.orangelogic_value),
            restored(conflict.iconik_value),
        )


def close(db: Database, conflict: OpenConflict, take: str, value: Canonical, sides: tuple[str, ...]) -> None:
    now = datetime.now(UTC)
    fp = fingerprint(value)
    with db.unit_of_work() as uow:
        uow.field_base.save(
            conflict.link_id,
            conflict.field,
            stored(value),
            fp,
            orangelogic_fingerprint=fp if "orangelogic" in sides else None,
            iconik_fingerprint=fp if "iconik" in sides else None,
            at=now,
        )
        uow.conflicts.resolve(conflict.id, take, stored(value), by="cli", at=now)
        uow.audit.record(
            actions.CONFLICT_RESOLVED,
            link_id=conflict.link_id,
            field=conflict.field,
            before={"orangelogic": plain(conflict.orangelogic), "iconik": plain(conflict.iconik)},
            after=plain(value),
            reason=f"resolved by hand: took {take}; written to {', '.join(sides) or 'no side'}",
            flow=FLOW,
            details={"conflict_id": conflict.id},
            at=now,
        )


async def resolve_conflict(ctx: SyncContext, conflict_id: int, take: Take, value: Any = None) -> Canonical:
    """Write the chosen value to both sides now, store it as the base, close the conflict."""
    conflict = await ctx.db_call(load_open, ctx.db, conflict_id)
    try:
        spec = ctx.field_map.field(conflict.field)
    except KeyError:
        raise ResolveError(f"field {conflict.field!r} is no longer in the field map") from None
    if take == "orangelogic":
        chosen = conflict.orangelogic
    elif take == "iconik":
        chosen = conflict.iconik
    else:
        if value is None:
            raise ResolveError("--take value needs --value")
        raw = [v.strip() for v in str(value).split(",")] if spec.is_multi else value
        chosen = from_iconik(spec, {"field_values": [{"value": v} for v in raw]} if spec.is_multi else raw)
    schema = await ctx.schema()
    writes = tuple(
        PlannedWrite(
            spec.name,
            side,
            spec.orangelogic if side == "orangelogic" else spec.iconik,
            to_side(spec, side, chosen, schema.allowed),
            chosen,
        )
        for side in SIDES
        if spec.writes_to(side)
    )
    decision = FieldDecision(spec.name, "noop", Reason.CONFLICT_MANUAL, value=chosen)
    plan = SyncPlan((decision,), writes, {spec.name: FieldBase.of(chosen)}, ())
    await apply_plan(ctx, conflict.system_identifier, conflict.asset_id, plan)
    await ctx.db_call(close, ctx.db, conflict, take, chosen, tuple(w.side for w in writes))
    return chosen

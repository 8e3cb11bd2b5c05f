"""Rights enforcement for one linked record: read its Orange Logic rights fields, ``decide``, and revoke or
re-grant access to its iconik asset with the configured action.

What each action removes, and what a re-grant does (stored in ``rights_state.removed``):

- ``unshare``: the asset leaves the configured ``shared_collections`` (every collection it is in when none
  are configured) and all its shares are deleted. Re-grant puts it back into the same collections; shares
  cannot be restored (their recipients and links are gone): their ids and titles stay in the audit log.
- ``restrict``: the configured iconik metadata field is set to the configured value; re-grant writes back
  the value it had before.
- ``delete_proxy``: the asset's proxies are deleted; re-grant cannot bring them back (the publish flow
  re-creates media) and says so in the audit log.
- ``delete_asset``: the asset goes to iconik's delete queue; re-grant restores it from there.

Idempotent: the state row remembers the access state, so a second evaluation with the same inputs
changes nothing in iconik and writes no audit row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa

from assetbridge.config.flows_rights import RightsFlow
from assetbridge.connectors.iconik.requests import MetadataWrite
from assetbridge.domain.rights import RightsDecision, decide
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.records import find_link
from assetbridge.errors import ConfigError, NotFoundError
from assetbridge.state import Database
from assetbridge.state.models import AuditEntry
from assetbridge.state.repositories.rights import RightsRepo

log = logging.getLogger(__name__)

FLOW = "rights"
GRANTED = "granted"
REVOKED = "revoked"
REVOKE = "rights_revoked"
GRANT = "rights_granted"
DECIDED = "rights_decided"

Outcome = Literal["revoked", "granted", "unchanged", "unlinked"]


@dataclass(frozen=True)
class Enforcement:
    record_id: str
    outcome: Outcome
    decision: RightsDecision | None = None
    asset_id: str | None = None

    @property
    def next_change_at(self) -> datetime | None:
        return self.decision.next_change_at if self.decision is not None else None


@dataclass(frozen=True)
class _Stored:
    access: str
    reason: str
    doubtful: bool
    values: dict[str, Any]
    removed: dict[str, Any]
    next_change_at: datetime | None


def _load(db: Database, record_id: str) -> _Stored | None:
    with db.session() as session:
        row = RightsRepo(session).get(record_id)
        if row is None:
            return None
        return _Stored(
            row.access,
            row.reason,
            row.doubtful,
            dict(row.rights_values),
            dict(row.removed),
            row.next_change_at,
        )


def _save(
    db: Database,
    record_id: str,
    link_id: int,
    asset_id: str,
    access: str,
    decision: RightsDecision,
    action: str,
    removed: dict[str, Any],
    audit_action: str | None,
    event_id: str | None,
    trigger: str,
) -> None:
    with db.unit_of_work() as uow:
        RightsRepo(uow.session).save(
            record_id,
            asset_id=asset_id,
            access=access,
            reason=decision.reason,
            doubtful=decision.doubtful,
            action=action,
            values=decision.values,
            removed=removed,
            next_change_at=decision.next_change_at,
        )
        if audit_action is not None:
            uow.audit.record(
                audit_action,
                link_id=link_id,
                system="iconik",
                before=None,
                after=access,
                reason=decision.reason,
                event_id=event_id,
                flow=FLOW,
                details={
                    "record_id": record_id,
                    "asset_id": asset_id,
                    "allowed": decision.allowed,
                    "doubtful": decision.doubtful,
                    "action": action,
                    "rights_values": dict(decision.values),
                    "removed": removed,
                    "next_change_at": decision.next_change_at.isoformat()
                    if decision.next_change_at
                    else None,
                    "trigger": trigger,
                },
            )


async def read_rights_fields(ctx: SyncContext, system_identifier: str) -> dict[str, Any]:
    asset = await ctx.ol.datatable.read_asset(system_identifier, OL_MODEL)
    return dict(asset.fields)


async def enforce_record(
    ctx: SyncContext,
    record_id: str,
    *,
    now: datetime | None = None,
    event_id: str | None = None,
    trigger: str = "evaluation",
) -> Enforcement:
    """Evaluate ``record_id``'s rights now and make iconik match (revoke or re-grant)."""
    model: RightsFlow = ctx.loaded.config.flows.rights
    if model.enabled and model.restrict is not None:
        check_restrict_field(ctx, model)
    link = await ctx.db_call(find_link, ctx.db, record_id=record_id)
    if link is None or not link.asset_id:
        return Enforcement(record_id, "unlinked")
    try:
        fields = await read_rights_fields(ctx, link.system_identifier or "")
    except NotFoundError:
        fields = None
    decision = (
        decide(model, fields, now or datetime.now(UTC))
        if fields is not None
        else RightsDecision(
            False, f"Orange Logic record {record_id} not found: no rights to go on", {}, None, True
        )
    )
    stored = await ctx.db_call(_load, ctx.db, record_id)
    access = stored.access if stored is not None else GRANTED
    removed = dict(stored.removed) if stored is not None else {}
    if not model.enabled:
        return Enforcement(record_id, "unchanged", decision, link.asset_id)
    if not decision.allowed and access == GRANTED:
        removed = await revoke(ctx, model, link.asset_id)
        outcome: Outcome = "revoked"
        access, audit = REVOKED, REVOKE
    elif decision.allowed and access == REVOKED:
        notes = await regrant(ctx, model, link.asset_id, removed)
        removed = {"regranted": notes}
        outcome, access, audit = "granted", GRANTED, GRANT
    else:
        outcome = "unchanged"
        same = stored is not None and (
            stored.reason,
            stored.doubtful,
            stored.values,
            stored.next_change_at,
        ) == (decision.reason, decision.doubtful, dict(decision.values), decision.next_change_at)
        if same:
            return Enforcement(record_id, outcome, decision, link.asset_id)
        audit = DECIDED
    if decision.doubtful:
        log.warning("rights of %s are doubtful: %s", record_id, decision.reason)
    await ctx.db_call(
        _save,
        ctx.db,
        record_id,
        link.id,
        link.asset_id,
        access,
        decision,
        model.action,
        removed,
        audit,
        event_id,
        trigger,
    )
    return Enforcement(record_id, outcome, decision, link.asset_id)


async def revoke(ctx: SyncContext, model: RightsFlow, asset_id: str) -> dict[str, Any]:
    """Apply the configured action; returns what was removed (for the state row and a later re-grant)."""
    iconik = ctx.iconik
    if model.action == "unshare":
        asset = await iconik.get_asset(asset_id, include_collections=True)
        current = list(asset.in_collections or [])
        targets = (
            [c for c in current if c in model.shared_collections] if model.shared_collections else current
        )
        for collection_id in targets:
            try:
                await iconik.remove_from_collection(collection_id, asset_id)
            except NotFoundError:
                continue
        shares = [s async for s in iconik.iter_shares("assets", asset_id)]
        for share in shares:
            try:
                await iconik.delete_share("assets", asset_id, share.id)
            except NotFoundError:
                continue
        return {
            "collections": targets,
            "shares": [{"id": s.id, "title": s.title, "expires": s.expires} for s in shares],
        }
    if model.action == "restrict":
        assert model.restrict is not None
        view_id = (await ctx.schema()).view_id
        metadata = await iconik.get_metadata("assets", asset_id, view_id)
        before = metadata.metadata_values.get(model.restrict.field)
        previous = [v.get("value") for v in before.field_values] if before is not None else []
        write = MetadataWrite.of({model.restrict.field: [model.restrict.value]})
        await iconik.put_metadata("assets", asset_id, view_id, write)
        return {"restrict": {"field": model.restrict.field, "before": previous, "set": model.restrict.value}}
    if model.action == "delete_proxy":
        proxies = [p async for p in iconik.iter_proxies(asset_id)]
        for proxy in proxies:
            try:
                await iconik.delete_proxy(asset_id, proxy.id)
            except NotFoundError:
                continue
        return {"proxies": [p.id for p in proxies]}
    try:
        await iconik.delete_asset(asset_id)
    except NotFoundError:
        return {"asset_deleted": False}
    return {"asset_deleted": True}


def check_restrict_field(ctx: SyncContext, model: RightsFlow) -> None:
    """The restrict flag must not be a synced field: the metadata sync would carry it to Orange Logic."""
    assert model.restrict is not None
    name = model.restrict.field
    synced = [spec.name for spec in ctx.field_map.fields if spec.iconik_metadata_field == name]
    if synced:
        raise ConfigError(
            f"iconik field {name!r} is synced by field_map.fields.{synced[0]}; the restrict flag needs a "
            "field the metadata sync does not carry",
            key="flows.rights.restrict.field",
        )


async def regrant(ctx: SyncContext, model: RightsFlow, asset_id: str, removed: dict[str, Any]) -> list[str]:
    """Undo what ``revoke`` removed, as far as iconik allows; returns notes for the audit log."""
    iconik = ctx.iconik
    notes: list[str] = []
    if removed.get("asset_deleted"):
        await iconik.restore_asset(asset_id)
        notes.append("asset restored from the delete queue")
    for collection_id in removed.get("collections", []):
        try:
            await iconik.add_to_collection(str(collection_id), asset_id)
        except NotFoundError:
            notes.append(f"collection {collection_id} no longer exists")
            continue
        notes.append(f"back in collection {collection_id}")
    if removed.get("shares"):
        ids = ", ".join(str(s.get("id")) for s in removed["shares"])
        notes.append(f"deleted shares are not restored (ids {ids}): share again if needed")
    restrict = removed.get("restrict")
    if isinstance(restrict, dict):
        view_id = (await ctx.schema()).view_id
        write = MetadataWrite.of({str(restrict["field"]): list(restrict.get("before") or [])})
        await iconik.put_metadata("assets", asset_id, view_id, write)
        notes.append(f"{restrict['field']} set back to {restrict.get('before')!r}")
    if removed.get("proxies"):
        notes.append("deleted proxies are not restored: the publish flow re-creates media")
    return notes


def _plain_time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def rights_report(db: Database, *, now: datetime | None = None, limit: int = 1000) -> dict[str, Any]:
    """Upcoming changes (soonest first), doubtful decisions, and past enforcements (newest first)."""
    moment = now or datetime.now(UTC)
    with db.session() as session:
        repo = RightsRepo(session)
        upcoming = [
            {
                "record_id": row.record_id,
                "asset_id": row.asset_id,
                "access": row.access,
                "at": _plain_time(row.next_change_at),
                "then": f"revoke ({row.action})" if row.access == GRANTED else "re-grant",
                "reason": row.reason,
            }
            for row in repo.upcoming(after=moment, limit=limit)
        ]
        rows = repo.all(limit=100_000)
        doubtful = [
            {"record_id": r.record_id, "asset_id": r.asset_id, "reason": r.reason, "values": r.rights_values}
            for r in rows
            if r.doubtful
        ]
        states = {
            "granted": sum(r.access == GRANTED for r in rows),
            "revoked": sum(r.access == REVOKED for r in rows),
        }
        query = (
            sa.select(AuditEntry)
            .where(AuditEntry.flow == FLOW, AuditEntry.action.in_((REVOKE, GRANT)))
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        enforcements = []
        for entry in session.scalars(query):
            details = entry.details or {}
            enforcements.append(
                {
                    "at": _plain_time(entry.at),
                    "record_id": details.get("record_id"),
                    "asset_id": details.get("asset_id"),
                    "access": entry.after,
                    "action": details.get("action"),
                    "reason": entry.reason,
                    "trigger": details.get("trigger"),
                    "rights_values": details.get("rights_values"),
                    "removed": details.get("removed"),
                }
            )
    return {
        "now": _plain_time(moment),
        "states": states,
        "upcoming": upcoming,
        "doubtful": doubtful,
        "enforcements": enforcements,
    }

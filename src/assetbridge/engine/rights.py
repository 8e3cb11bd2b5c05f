"""Rights enforcement for one linked record: read its Orange Logic rights fields, ``decide``, and revoke or
re-grant access to its iconik asset with the configured action.

What each action removes, and what a re-grant does (stored in ``rights_state.removed``):

- ``unshare``: the asset leaves the configured ``shared_collections`` (every collection it is in when none
  are configured) and all its shares are deleted. Re-grant puts it back into the same collections; shares
  cannot be restored (their recipients and links are gone): their ids and titles stay in the audit log.
- ``restrict``: the configured iconik metadata field is set to the configured value; re-grant writes back
  the value it had before.
- ``delete_proxy``: the asset's proxies are deleted; re-grant cannot bring them back, so it marks the asset's
  publication as needing media again: the next publish pass of the record sends the proxy afresh.
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
from assetbridge.domain.rights import RightsDecision, decide
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.engine.records import find_link
from assetbridge.engine.rights_actions import apply_revoke, check_restrict_field, plan_revoke, regrant
from assetbridge.errors import NotFoundError
from assetbridge.state import Database
from assetbridge.state.models import AuditEntry
from assetbridge.state.repositories.publications import PublicationRepo
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
    resend_media: bool = False,
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
        if audit_action in (REVOKE, GRANT):
            uow.lineage.record(
                "revoked" if audit_action == REVOKE else "shared",
                flow=FLOW,
                link=uow.links.get(link_id),
                event_ref=event_id,
                details={"reason": decision.reason, "action": action, "rights_values": dict(decision.values)},
            )
        if audit_action == GRANT and resend_media:
            # proxies deleted by the revoke are sent again by the next publish pass of this record
            PublicationRepo(uow.session).media_removed(link_id)


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
    pending = removed.get("pending") if access == GRANTED else None
    resend_media = False
    if not decision.allowed and access == GRANTED:
        plan = await plan_revoke(ctx, model, link.asset_id, pending if isinstance(pending, dict) else None)
        await ctx.db_call(
            _save, ctx.db, record_id, link.id, link.asset_id, GRANTED, decision, model.action,
            {"pending": plan}, None, event_id, trigger,
        )  # fmt: skip
        await apply_revoke(ctx, model, link.asset_id, plan)
        removed = plan
        outcome: Outcome = "revoked"
        access, audit = REVOKED, REVOKE
    elif decision.allowed and (access == REVOKED or isinstance(pending, dict)):
        undo = removed if access == REVOKED else pending
        assert isinstance(undo, dict)
        notes = await regrant(ctx, link.asset_id, undo)
        resend_media = bool(undo.get("proxies"))
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
        resend_media,
    )
    return Enforcement(record_id, outcome, decision, link.asset_id)


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

"""State work of a sync, as small synchronous functions (called with ``asyncio.to_thread``).

Bases are stored as ``canonical_json`` text so they read back as the exact canonical value; the
fingerprint of what was last written to each side is kept next to the base, and a side counts as
"written by us" (its next modification may be an echo) while that fingerprint equals the base's.
Once an echo has been seen and audited, the written fingerprints are cleared: later reads of the same
value are plainly "unchanged".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from assetbridge.domain.fieldmap import Side
from assetbridge.domain.fingerprint import canonical_from_json, canonical_json
from assetbridge.domain.merge import FieldBase, Reason
from assetbridge.domain.plan import SyncPlan
from assetbridge.domain.values import Canonical
from assetbridge.engine.context import FLOW
from assetbridge.state import Database, Link, Position
from assetbridge.state import FieldBase as FieldBaseRow
from assetbridge.state.repositories import audit as actions
from assetbridge.state.uow import UnitOfWork

ECHO = "echo"
CursorMove = tuple[str, Position]  # (system, position) of the change that triggered the pair
Stamps = tuple[str | None, str | None]  # (Orange Logic, iconik) change stamps of the versions synced


def move_cursor(uow: UnitOfWork, cursor: CursorMove | None) -> None:
    if cursor is not None:
        system, position = cursor
        uow.cursors.advance(system, FLOW, position.time, position.id)


def plain(value: Canonical) -> Any:
    """A canonical value as plain JSON for audit rows and reports."""
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def stored(value: Canonical) -> str:
    return canonical_json(value)


def restored(value: Any) -> Canonical:
    return canonical_from_json(value) if isinstance(value, str) else None


def to_domain(row: FieldBaseRow) -> FieldBase:
    """A stored base for the merge. Orange Logic edit times have whole seconds, so the sync time is taken
    back to the start of its second: a write made in the same second still counts as after the sync."""
    sides: tuple[tuple[Side, str | None], ...] = (
        ("orangelogic", row.orangelogic_fingerprint),
        ("iconik", row.iconik_fingerprint),
    )
    written = tuple(side for side, fp in sides if fp is not None and fp == row.base_fingerprint)
    synced = row.synced_at.astimezone(UTC).replace(microsecond=0) - timedelta(microseconds=1)
    return FieldBase(restored(row.base_value), row.base_fingerprint, synced, written)


def load_bases(db: Database, link_id: int) -> dict[str, FieldBase]:
    with db.session() as session:
        rows = UnitOfWork(session).field_base.get_all(link_id)
        return {name: to_domain(row) for name, row in rows.items()}


def record_plan(
    db: Database,
    link_id: int,
    plan: SyncPlan,
    *,
    event_id: str | None = None,
    now: datetime | None = None,
    cursor: CursorMove | None = None,
    stamps: Stamps = (None, None),
) -> None:
    """After the plan's writes succeeded: new bases, written fingerprints, audit rows and open conflicts,
    the change cursor that produced this pair moved up to it, and the stamps of the versions read (only
    for a clean plan: a pair with an error or an open conflict is never skipped) — one unit of work."""
    with db.unit_of_work() as uow:
        move_cursor(uow, cursor)
        clean = not plan.errors and not any(d.action in ("conflict", "error") for d in plan.decisions)
        ol_stamp, iconik_stamp = stamps if clean else (None, None)
        uow.links.set_stamps(link_id, orangelogic=ol_stamp, iconik=iconik_stamp)
        for decision in plan.decisions:
            name = decision.field
            writes = [w for w in plan.writes if w.field == name]
            base = plan.bases.get(name)
            if base is not None:
                written = {w.side: base.fingerprint for w in writes}
                uow.field_base.save(
                    link_id,
                    name,
                    stored(base.value),
                    base.fingerprint,
                    orangelogic_fingerprint=written.get("orangelogic"),
                    iconik_fingerprint=written.get("iconik"),
                    at=now,
                )
            for write in writes:
                before = decision.orangelogic if write.side == "orangelogic" else decision.iconik
                uow.audit.record(
                    actions.WRITE,
                    link_id=link_id,
                    system=write.side,
                    field=name,
                    before=plain(before),
                    after=plain(write.value),
                    reason=str(decision.reason),
                    event_id=event_id,
                    flow=FLOW,
                    at=now,
                )
            if decision.reason == Reason.ECHO:
                row = uow.field_base.get(link_id, name)
                if row is not None:
                    uow.field_base.save(
                        link_id,
                        name,
                        row.base_value,
                        row.base_fingerprint,
                        orangelogic_fingerprint=None,
                        iconik_fingerprint=None,
                        at=now,
                    )
                uow.audit.record(
                    ECHO,
                    link_id=link_id,
                    system=decision.echo,
                    field=name,
                    after=plain(decision.value if decision.value is not None else decision.orangelogic),
                    reason=str(decision.reason),
                    event_id=event_id,
                    flow=FLOW,
                    at=now,
                )
            elif decision.action == "conflict":
                conflict = uow.conflicts.open(
                    link_id,
                    name,
                    orangelogic_value=stored(decision.orangelogic),
                    iconik_value=stored(decision.iconik),
                    base_value=stored(decision.base),
                    policy="manual",
                    event_id=event_id,
                    at=now,
                )
                uow.audit.record(
                    actions.CONFLICT_RECORDED,
                    link_id=link_id,
                    field=name,
                    before=plain(decision.base),
                    reason=str(decision.reason),
                    event_id=event_id,
                    flow=FLOW,
                    details={
                        "conflict_id": conflict.id,
                        "orangelogic": plain(decision.orangelogic),
                        "iconik": plain(decision.iconik),
                    },
                    at=now,
                )
            elif decision.action == "error":
                uow.audit.record(
                    actions.REJECTED,
                    link_id=link_id,
                    field=name,
                    reason=decision.error or str(decision.reason),
                    event_id=event_id,
                    flow=FLOW,
                    at=now,
                )


def record_failure(
    db: Database,
    link_id: int | None,
    record_id: str,
    error: BaseException,
    *,
    event_id: str | None = None,
    cursor: CursorMove | None = None,
) -> None:
    """A pair that could not be synced: an audit row and a dead letter (replayable once fixed)."""
    with db.unit_of_work() as uow:
        move_cursor(uow, cursor)
        uow.audit.record(
            actions.REJECTED,
            link_id=link_id,
            reason=f"{type(error).__name__}: {error}",
            event_id=event_id,
            flow=FLOW,
            details={"record_id": record_id},
        )
        uow.dead_letters.add(
            "sync_pair", f"{FLOW}:{record_id}", {"record_id": record_id, "link_id": link_id}, error
        )


def link_pair(
    db: Database,
    record_id: str,
    system_identifier: str,
    asset_id: str,
    *,
    created: bool,
    title: str | None,
) -> int:
    """Store the crosswalk row (and audit the create and the link) in one unit of work."""
    with db.unit_of_work() as uow:
        link = uow.links.link(record_id, asset_id, system_identifier=system_identifier, flow=FLOW)
        if created:
            uow.audit.record(
                actions.CREATE,
                link_id=link.id,
                system="iconik",
                after={"asset_id": asset_id, "external_id": record_id, "title": title},
                reason="first sync: no iconik asset with this external_id",
                flow=FLOW,
            )
        uow.audit.record(
            actions.LINK,
            link_id=link.id,
            after={"record_id": record_id, "system_identifier": system_identifier, "asset_id": asset_id},
            reason="created with external_id = RecordID" if created else "matched by external_id",
            flow=FLOW,
        )
        uow.lineage.record("linked", flow=FLOW, link=link, details={"created": created})
        return link.id


def record_crosswalk(db: Database, link_id: int, field: str, asset_id: str, before: str | None) -> None:
    with db.unit_of_work() as uow:
        uow.audit.record(
            actions.WRITE,
            link_id=link_id,
            system="orangelogic",
            field=field,
            before=before,
            after=asset_id,
            reason="crosswalk: iconik asset id mirrored in Orange Logic",
            flow=FLOW,
        )


def find_link(db: Database, *, record_id: str | None = None, asset_id: str | None = None) -> Link | None:
    """The live link (detached row) by record id or asset id, or None."""
    with db.session() as session:
        uow = UnitOfWork(session)
        if record_id is not None:
            return uow.links.get_by_record_id(record_id)
        if asset_id is not None:
            return uow.links.get_by_asset_id(asset_id)
        return None


def tombstone_link(db: Database, link_id: int, reason: str) -> None:
    """Retire a link whose iconik asset is gone (kept for history; the record may be paired again)."""
    with db.unit_of_work() as uow:
        uow.links.tombstone(link_id, reason)
        uow.audit.record(actions.TOMBSTONE, link_id=link_id, reason=reason, flow=FLOW)

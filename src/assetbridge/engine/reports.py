"""Read-only views of the state for ``status``, ``history`` and ``conflicts list`` (plain data)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from assetbridge.engine.records import plain, restored
from assetbridge.state import Database
from assetbridge.state.uow import UnitOfWork


def status(db: Database, *, now: datetime | None = None) -> dict[str, Any]:
    """Cursors with their lag, links, open conflicts, pending dead letters, inbox counts."""
    now = now or datetime.now(UTC)
    with db.session() as session:
        uow = UnitOfWork(session)
        cursors = [
            {
                "system": c.system,
                "stream": c.stream,
                "position": c.position_time.isoformat() if c.position_time else None,
                "lag_seconds": round((now - c.position_time).total_seconds(), 1) if c.position_time else None,
                "advanced_at": c.updated_at.isoformat() if c.updated_at else None,
            }
            for c in uow.cursors.all()
        ]
        return {
            "cursors": cursors,
            "links": uow.links.count_live(),
            "conflicts_open": uow.conflicts.count_open(),
            "dead_letters": uow.dead_letters.count_pending(),
            "inbox": uow.inbox.counts(),
        }


def history(db: Database, identifier: str) -> list[dict[str, Any]]:
    with db.session() as session:
        uow = UnitOfWork(session)
        return [
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "system": e.system,
                "field": e.field,
                "before": e.before,
                "after": e.after,
                "reason": e.reason,
                "event_id": e.event_id,
            }
            for e in uow.audit.history(identifier)
        ]


def open_conflicts(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        uow = UnitOfWork(session)
        out: list[dict[str, Any]] = []
        for c in uow.conflicts.list(status="open", limit=1000):
            link = uow.links.get(c.link_id)
            out.append(
                {
                    "id": c.id,
                    "field": c.field,
                    "record_id": link.record_id if link else None,
                    "asset_id": link.asset_id if link else None,
                    "orangelogic": plain(restored(c.orangelogic_value)),
                    "iconik": plain(restored(c.iconik_value)),
                    "base": plain(restored(c.base_value)),
                    "opened_at": c.opened_at.isoformat(),
                }
            )
        return out

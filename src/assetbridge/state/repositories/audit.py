"""The audit log: append-only by construction (no update or delete here, and triggers refuse both)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models import AuditEntry, Link
from assetbridge.state.types import clean_json, clean_text, utcnow
from assetbridge.transport.redaction import redact_text

# Actions the engine records; free text is allowed too, these are the common ones.
WRITE = "write"
CREATE = "create"
LINK = "link"
TOMBSTONE = "tombstone"
ECHO_SUPPRESSED = "echo_suppressed"
CONFLICT_RECORDED = "conflict_recorded"
CONFLICT_RESOLVED = "conflict_resolved"
REJECTED = "rejected"


class AuditRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        action: str,
        *,
        link_id: int | None = None,
        system: str | None = None,
        field: str | None = None,
        before: Any = None,
        after: Any = None,
        reason: str = "",
        event_id: str | None = None,
        flow: str | None = None,
        dry_run: bool = False,
        details: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> AuditEntry:
        """Append one entry: what (``action``, ``field``, ``before``/``after``), where, why, which event."""
        entry = AuditEntry(
            at=at or utcnow(),
            link_id=link_id,
            system=system,
            action=action,
            field=field,
            before=clean_json(before),
            after=clean_json(after),
            reason=clean_text(redact_text(reason)),
            event_id=event_id,
            flow=flow,
            dry_run=dry_run,
            details=clean_json(dict(details)) if details is not None else None,
        )
        self.session.add(entry)
        self.session.flush()
        return entry

    def for_link(self, link_id: int, *, limit: int = 1000) -> Sequence[AuditEntry]:
        query = sa.select(AuditEntry).where(AuditEntry.link_id == link_id)
        return list(self.session.scalars(query.order_by(AuditEntry.at, AuditEntry.id).limit(limit)))

    def history(self, identifier: str, *, limit: int = 1000) -> Sequence[AuditEntry]:
        """Every entry of every link (tombstoned included) of an OL record id / identifier or iconik asset."""
        links = sa.select(Link.id).where(
            sa.or_(
                Link.record_id == identifier,
                Link.system_identifier == identifier,
                Link.asset_id == identifier,
            )
        )
        query = sa.select(AuditEntry).where(AuditEntry.link_id.in_(links))
        return list(self.session.scalars(query.order_by(AuditEntry.at, AuditEntry.id).limit(limit)))

    def recent(self, *, action: str | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        query = sa.select(AuditEntry)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        return list(self.session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))

    def count(self, *, action: str | None = None, dry_run: bool | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(AuditEntry)
        if action is not None:
            query = query.where(AuditEntry.action == action)
        if dry_run is not None:
            query = query.where(AuditEntry.dry_run == dry_run)
        return self.session.scalar(query) or 0

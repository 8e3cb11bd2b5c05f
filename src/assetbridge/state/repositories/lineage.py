"""Lineage events: appended by the flows, read in pages (web, export) through the ``lineage`` view."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models import Link
from assetbridge.state.models_lineage import LINEAGE_EVENTS, LineageEvent
from assetbridge.state.types import UTCDateTime, clean_json, utcnow

# The columns of the ``lineage`` view (migration 0006), in export order.
VIEW_COLUMNS = (
    "event_id",
    "occurred_at",
    "event",
    "flow",
    "orangelogic_record_id",
    "orangelogic_system_identifier",
    "iconik_asset_id",
    "iconik_version_id",
    "related_kind",
    "related_id",
    "event_ref",
    "link_id",
    "link_state",
    "details",
)
_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "event_id": sa.Integer(),
    "occurred_at": UTCDateTime(),
    "link_id": sa.Integer(),
    "details": sa.JSON(),
}
_VIEW = sa.table("lineage", *(sa.column(name, _TYPES.get(name, sa.String())) for name in VIEW_COLUMNS))


class LineageRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        event: str,
        *,
        flow: str,
        link: Link | None = None,
        record_id: str | None = None,
        system_identifier: str | None = None,
        asset_id: str | None = None,
        version_id: str | None = None,
        related_kind: str | None = None,
        related_id: str | None = None,
        event_ref: str | None = None,
        details: Mapping[str, Any] | None = None,
        at: datetime | None = None,
    ) -> LineageEvent:
        """Append one event; ids not given are taken from ``link`` (the crosswalk row it concerns)."""
        if event not in LINEAGE_EVENTS:
            raise ValueError(f"unknown lineage event {event!r}; allowed: {', '.join(LINEAGE_EVENTS)}")
        row = LineageEvent(
            at=at or utcnow(),
            event=event,
            flow=flow,
            link_id=link.id if link is not None else None,
            record_id=record_id or (link.record_id if link is not None else None),
            system_identifier=system_identifier or (link.system_identifier if link is not None else None),
            asset_id=asset_id or (link.asset_id if link is not None else None),
            version_id=version_id,
            related_kind=related_kind,
            related_id=related_id,
            event_ref=event_ref,
            details=clean_json(dict(details)) if details is not None else None,
        )
        self.session.add(row)
        self.session.flush()
        return row

    def page(
        self, *, after: int = 0, limit: int = 100, since: datetime | None = None
    ) -> list[dict[str, Any]]:
        """Rows of the ``lineage`` view with ``event_id > after`` (oldest first), at most ``limit``."""
        query = sa.select(_VIEW).where(_VIEW.c.event_id > after)
        if since is not None:
            query = query.where(
                _VIEW.c.event_id.in_(sa.select(LineageEvent.id).where(LineageEvent.at >= since))
            )
        rows = self.session.execute(query.order_by(_VIEW.c.event_id).limit(limit)).mappings()
        return [{name: row[name] for name in VIEW_COLUMNS} for row in rows]

"""Review hand-offs (``ReviewRepo(uow.session)``): one row per approved iconik asset version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models_review import HANDOFF_STATUSES, ReviewHandoff
from assetbridge.state.types import clean_json, clean_text, utcnow


class ReviewRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, asset_id: str, version_id: str) -> ReviewHandoff | None:
        query = sa.select(ReviewHandoff).where(
            ReviewHandoff.asset_id == asset_id, ReviewHandoff.version_id == version_id
        )
        return self.session.scalars(query).first()

    def by_id(self, handoff_id: int) -> ReviewHandoff | None:
        return self.session.get(ReviewHandoff, handoff_id)

    def start(self, asset_id: str, version_id: str, *, event_id: str | None) -> ReviewHandoff:
        """The version's row in ``handing_off``: created, or re-opened for a new round."""
        row = self.get(asset_id, version_id)
        if row is None:
            row = ReviewHandoff(asset_id=asset_id, version_id=version_id, round=1, status="handing_off")
            self.session.add(row)
        elif row.status in ("approved", "rejected", "superseded"):
            row.round += 1
        row.status = "handing_off"
        row.error = None
        row.event_id = event_id
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def set_status(self, row: ReviewHandoff, status: str, **values: Any) -> ReviewHandoff:
        if status not in HANDOFF_STATUSES:
            raise ValueError(f"unknown hand-off status {status!r}")
        row.status = status
        for name, value in values.items():
            if not hasattr(ReviewHandoff, name):
                raise AttributeError(f"review_handoffs has no column {name!r}")
            if isinstance(value, str) and name in ("error", "comment"):
                value = clean_text(value)
            if name == "details" and value is not None:
                value = clean_json(dict(value))
            setattr(row, name, value)
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def mark(
        self, asset_id: str, version_id: str, status: str, *, event_id: str | None = None, **values: Any
    ) -> ReviewHandoff:
        """Create or update the version's row with ``status`` (an exclusion or failure before a start)."""
        row = self.get(asset_id, version_id)
        if row is None:
            row = ReviewHandoff(asset_id=asset_id, version_id=version_id, round=1, status=status)
            self.session.add(row)
        row.event_id = event_id or row.event_id
        return self.set_status(row, status, **values)

    def pending_for_record(self, record_id: str) -> Sequence[ReviewHandoff]:
        query = sa.select(ReviewHandoff).where(
            ReviewHandoff.record_id == record_id, ReviewHandoff.status == "pending_review"
        )
        return list(self.session.scalars(query.order_by(ReviewHandoff.id)))

    def pending_record_of(self, *, record_id: str | None, system_identifier: str | None) -> str | None:
        """The Orange Logic record, named by either id, when it has a hand-off in review."""
        column = ReviewHandoff.record_id if record_id else ReviewHandoff.system_identifier
        query = sa.select(ReviewHandoff.record_id).where(
            column == (record_id or system_identifier), ReviewHandoff.status == "pending_review"
        )
        found = self.session.scalars(query.limit(1)).first()
        return str(found) if found is not None else None

    def pending_records(self, *, limit: int = 10000) -> list[str]:
        query = (
            sa.select(ReviewHandoff.record_id)
            .where(ReviewHandoff.status == "pending_review", ReviewHandoff.record_id.is_not(None))
            .distinct()
            .limit(limit)
        )
        return [str(r) for r in self.session.scalars(query)]

    def all(self, *, status: str | None = None, limit: int = 1000) -> Sequence[ReviewHandoff]:
        query = sa.select(ReviewHandoff)
        if status is not None:
            query = query.where(ReviewHandoff.status == status)
        return list(self.session.scalars(query.order_by(ReviewHandoff.id.desc()).limit(limit)))

    def counts(self) -> dict[str, int]:
        query = sa.select(ReviewHandoff.status, sa.func.count()).group_by(ReviewHandoff.status)
        return {str(status): int(n) for status, n in self.session.execute(query)}

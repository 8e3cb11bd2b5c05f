"""The access state of each asset under the rights flow (``RightsRepo(uow.session)``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models_rights import RightsState
from assetbridge.state.types import clean_json, clean_text, utcnow


class RightsRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, record_id: str) -> RightsState | None:
        return self.session.scalars(sa.select(RightsState).where(RightsState.record_id == record_id)).first()

    def save(
        self,
        record_id: str,
        *,
        asset_id: str | None,
        access: str,
        reason: str,
        doubtful: bool,
        action: str | None,
        values: Mapping[str, Any],
        removed: Mapping[str, Any],
        next_change_at: datetime | None,
        at: datetime | None = None,
    ) -> RightsState:
        """Insert or update the record's row; ``since`` moves only when ``access`` changes."""
        now = at or utcnow()
        row = self.get(record_id)
        if row is None:
            row = RightsState(record_id=record_id, access=access, since=now)
            self.session.add(row)
        elif row.access != access:
            row.since = now
        row.asset_id = asset_id
        row.access = access
        row.reason = clean_text(reason)
        row.doubtful = doubtful
        row.action = action
        row.rights_values = clean_json(dict(values))
        row.removed = clean_json(dict(removed))
        row.next_change_at = next_change_at
        row.evaluated_at = now
        self.session.flush()
        return row

    def upcoming(self, *, after: datetime | None = None, limit: int | None = 1000) -> Sequence[RightsState]:
        """Rows with a next change time (after ``after`` when given), soonest first."""
        query = sa.select(RightsState).where(RightsState.next_change_at.is_not(None))
        if after is not None:
            query = query.where(RightsState.next_change_at > after)
        query = query.order_by(RightsState.next_change_at, RightsState.id)
        return list(self.session.scalars(query if limit is None else query.limit(limit)))

    def record_ids(self) -> set[str]:
        return set(self.session.scalars(sa.select(RightsState.record_id)))

    def all(self, *, limit: int = 10000) -> Sequence[RightsState]:
        return list(self.session.scalars(sa.select(RightsState).order_by(RightsState.id).limit(limit)))

"""True conflicts awaiting (or settled by) a policy or a person; one open conflict per link and field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.state.models import Conflict
from assetbridge.state.types import clean_json, utcnow


class ConflictRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, conflict_id: int) -> Conflict | None:
        return self.session.get(Conflict, conflict_id)

    def get_open(self, link_id: int, field: str) -> Conflict | None:
        query = sa.select(Conflict).where(
            Conflict.link_id == link_id, Conflict.field == field, Conflict.status == "open"
        )
        return self.session.scalars(query).first()

    def open(
        self,
        link_id: int,
        field: str,
        *,
        orangelogic_value: Any,
        iconik_value: Any,
        base_value: Any,
        policy: str,
        event_id: str | None = None,
        at: datetime | None = None,
    ) -> Conflict:
        """Record a conflict; if one is already open for this field, it is updated with the new values."""
        now = at or utcnow()
        conflict = self.get_open(link_id, field)
        if conflict is None:
            conflict = Conflict(link_id=link_id, field=field, status="open", opened_at=now)
            self._fill(conflict, orangelogic_value, iconik_value, base_value, policy, event_id, now)
            try:
                with self.session.begin_nested():
                    self.session.add(conflict)
                return conflict
            except IntegrityError:
                conflict = self.get_open(link_id, field)
                if conflict is None:
                    raise
        self._fill(conflict, orangelogic_value, iconik_value, base_value, policy, event_id, now)
        self.session.flush()
        return conflict

    @staticmethod
    def _fill(
        conflict: Conflict,
        orangelogic_value: Any,
        iconik_value: Any,
        base_value: Any,
        policy: str,
        event_id: str | None,
        now: datetime,
    ) -> None:
        conflict.orangelogic_value = clean_json(orangelogic_value)
        conflict.iconik_value = clean_json(iconik_value)
        conflict.base_value = clean_json(base_value)
        conflict.policy = policy
        conflict.event_id = event_id
        conflict.updated_at = now

    def resolve(
        self,
        conflict_id: int,
        resolution: str,
        value: Any,
        *,
        by: str | None = None,
        at: datetime | None = None,
    ) -> Conflict:
        """Close a conflict with the value that won (``resolution`` says why: a side, a policy, a person).

        Resolving an already resolved conflict raises ``ValueError`` and changes nothing.
        """
        conflict = self.get(conflict_id)
        if conflict is None:
            raise KeyError(f"no conflict {conflict_id}")
        if conflict.status != "open":
            raise ValueError(f"conflict {conflict_id} is already resolved ({conflict.resolution})")
        now = at or utcnow()
        conflict.status = "resolved"
        conflict.resolution = resolution
        conflict.resolved_value = clean_json(value)
        conflict.resolved_by = by
        conflict.resolved_at = now
        conflict.updated_at = now
        self.session.flush()
        return conflict

    def list(
        self, *, status: str | None = "open", link_id: int | None = None, limit: int = 100, after_id: int = 0
    ) -> Sequence[Conflict]:
        query = sa.select(Conflict).where(Conflict.id > after_id)
        if status is not None:
            query = query.where(Conflict.status == status)
        if link_id is not None:
            query = query.where(Conflict.link_id == link_id)
        return list(self.session.scalars(query.order_by(Conflict.id).limit(limit)))

    def count_open(self) -> int:
        query = sa.select(sa.func.count()).select_from(Conflict).where(Conflict.status == "open")
        return self.session.scalar(query) or 0

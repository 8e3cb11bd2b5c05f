"""Change-capture cursors: a (time, id) high-water mark per system and stream, only ever moved forward."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.state.models import Cursor
from assetbridge.state.types import utcnow


@dataclass(frozen=True, order=True)
class Position:
    """Where a stream has been read up to; ``id`` breaks ties between equal modification times."""

    time: datetime
    id: str = ""


class CursorRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, system: str, stream: str) -> Position | None:
        row = self.session.get(Cursor, (system, stream))
        if row is None or row.position_time is None:
            return None
        return Position(row.position_time, row.position_id or "")

    def all(self) -> list[Cursor]:
        return list(self.session.scalars(sa.select(Cursor).order_by(Cursor.system, Cursor.stream)))

    def advance(
        self, system: str, stream: str, time: datetime, id: str = "", *, at: datetime | None = None
    ) -> bool:
        """Move the cursor to (time, id) if that is ahead of where it is; False when it is not.

        The row is locked (``FOR UPDATE`` on PostgreSQL) so two pollers cannot move it backwards.
        """
        target = Position(time, id)
        row = self._locked_or_created(system, stream, target, at)
        if row is None:
            return True
        if row.position_time is not None and target <= Position(row.position_time, row.position_id or ""):
            return False
        self._fill(row, target, at)
        self.session.flush()
        return True

    def reset(
        self, system: str, stream: str, position: Position | None, *, at: datetime | None = None
    ) -> None:
        """Put the cursor anywhere, backwards included (a backfill or a re-read window)."""
        row = self._locked_or_created(system, stream, position, at)
        if row is not None:
            self._fill(row, position, at)
            self.session.flush()

    def _locked_or_created(
        self, system: str, stream: str, position: Position | None, at: datetime | None
    ) -> Cursor | None:
        """The existing row, locked; or None after inserting a new one at ``position``."""
        row = self._locked(system, stream)
        if row is not None:
            return row
        try:
            with self.session.begin_nested():
                new = Cursor(system=system, stream=stream)
                self._fill(new, position, at)
                self.session.add(new)
            return None
        except IntegrityError:
            # Another poller created it first; work on theirs.
            row = self._locked(system, stream)
            if row is None:
                raise
            return row

    def _locked(self, system: str, stream: str) -> Cursor | None:
        query = sa.select(Cursor).where(Cursor.system == system, Cursor.stream == stream).with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    @staticmethod
    def _fill(row: Cursor, position: Position | None, at: datetime | None) -> None:
        row.position_time = position.time if position else None
        row.position_id = position.id if position else None
        row.updated_at = at or utcnow()

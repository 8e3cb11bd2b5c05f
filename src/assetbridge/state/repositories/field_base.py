"""Per link and canonical field: the last-synced base value and what we last wrote to each side."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.domain.fieldmap import Side
from assetbridge.state.models import FieldBase
from assetbridge.state.types import clean_json, utcnow

Keep = Literal["keep"]


class FieldBaseRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, link_id: int, field: str) -> FieldBase | None:
        return self.session.get(FieldBase, (link_id, field))

    def get_all(self, link_id: int) -> dict[str, FieldBase]:
        """Every field's base for one link, by canonical field name."""
        rows = self.session.scalars(sa.select(FieldBase).where(FieldBase.link_id == link_id))
        return {row.field: row for row in rows}

    def get_many(self, link_ids: list[int]) -> dict[int, dict[str, FieldBase]]:
        """Bases for a page of links in one query (reconciliation reads thousands of links)."""
        result: dict[int, dict[str, FieldBase]] = {link_id: {} for link_id in link_ids}
        if link_ids:
            rows = self.session.scalars(sa.select(FieldBase).where(FieldBase.link_id.in_(link_ids)))
            for row in rows:
                result[row.link_id][row.field] = row
        return result

    def save(
        self,
        link_id: int,
        field: str,
        value: Any,
        fingerprint: str,
        *,
        orangelogic_fingerprint: str | Keep | None = "keep",
        iconik_fingerprint: str | Keep | None = "keep",
        at: datetime | None = None,
    ) -> FieldBase:
        """Store the new merge base; a side's written fingerprint changes only when given."""
        row = self.get(link_id, field)
        now = at or utcnow()
        if row is None:
            row = FieldBase(link_id=link_id, field=field)
            row.orangelogic_fingerprint = None
            row.iconik_fingerprint = None
            self.session.add(row)
        row.base_value = clean_json(value)
        row.base_fingerprint = fingerprint
        if orangelogic_fingerprint != "keep":
            row.orangelogic_fingerprint = orangelogic_fingerprint
        if iconik_fingerprint != "keep":
            row.iconik_fingerprint = iconik_fingerprint
        row.synced_at = now
        self.session.flush()
        return row

    def mark_written(
        self, link_id: int, field: str, side: Side, fingerprint: str, *, at: datetime | None = None
    ) -> FieldBase:
        """Remember the fingerprint just written to ``side`` so its echo is recognized later."""
        row = self.get(link_id, field)
        if row is None:
            raise KeyError(f"no base for link {link_id} field {field!r}: save() it first")
        if side == "orangelogic":
            row.orangelogic_fingerprint = fingerprint
        else:
            row.iconik_fingerprint = fingerprint
        row.synced_at = at or utcnow()
        self.session.flush()
        return row

    def delete(self, link_id: int, field: str) -> bool:
        """Forget one field's base (the field left the field map); True when there was one."""
        result = self.session.execute(
            sa.delete(FieldBase).where(FieldBase.link_id == link_id, FieldBase.field == field)
        )
        return bool(getattr(result, "rowcount", 0))

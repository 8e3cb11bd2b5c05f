"""Tables of rights-aware sharing (the access state of each published asset).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

ACCESS_STATES = ("granted", "revoked")


class RightsState(Base):
    """Per Orange Logic record: whether its iconik asset has access now, since when, what a revoke removed
    (so a re-grant can undo it), the values the last decision was based on and when it flips next."""

    __tablename__ = "rights_state"
    __table_args__ = (
        sa.CheckConstraint(f"access IN {ACCESS_STATES}", name="access"),
        sa.Index("ix_rights_state_next_change_at", "next_change_at"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(sa.String(128), unique=True)
    asset_id: Mapped[str | None] = mapped_column(sa.String(64))
    access: Mapped[str] = mapped_column(sa.String(16))
    since: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text(), default="")
    doubtful: Mapped[bool] = mapped_column(default=False)
    action: Mapped[str | None] = mapped_column(sa.String(32))
    rights_values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    removed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_change_at: Mapped[datetime | None]
    evaluated_at: Mapped[datetime] = mapped_column(default=utcnow)

"""Tables of the review hand-off and its approval bridge.

Imported by ``assetbridge.state.models`` so every table shares its ``Base``.

``review_handoffs``: one row per iconik asset version that reached APPROVED. ``status`` says where it is:
``excluded`` (the rule left it out; ``error`` names the value at fault), ``failed`` (a per-asset error),
``handing_off`` (media being sent), ``pending_review`` (in Orange Logic review), ``approved`` /
``rejected`` (the decision reached iconik), ``superseded`` (a later hand-off of the same Orange Logic
record replaced it). ``written_status`` is the approval status AssetBridge itself set on the version:
an approval event that finds it there is our own write coming back, never a new trigger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

HANDOFF_STATUSES = (
    "excluded",
    "failed",
    "handing_off",
    "pending_review",
    "approved",
    "rejected",
    "superseded",
)


class ReviewHandoff(Base):
    __tablename__ = "review_handoffs"
    __table_args__ = (
        sa.UniqueConstraint("asset_id", "version_id"),
        sa.CheckConstraint(f"status IN {HANDOFF_STATUSES}", name="status"),
        sa.Index("ix_review_handoffs_record_id_status", "record_id", "status"),
        sa.Index("ix_review_handoffs_status", "status"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    version_id: Mapped[str] = mapped_column(sa.String(64))
    round: Mapped[int] = mapped_column(default=1)  # hand-offs of this version (re-approved after a rejection)
    status: Mapped[str] = mapped_column(sa.String(16))
    link_id: Mapped[int | None] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    record_id: Mapped[str | None] = mapped_column(sa.String(128))
    system_identifier: Mapped[str | None] = mapped_column(sa.String(255))
    new_asset: Mapped[bool | None] = mapped_column()
    file_id: Mapped[str | None] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.Text())
    size: Mapped[int | None] = mapped_column(sa.BigInteger())
    md5: Mapped[str | None] = mapped_column(sa.String(64))
    multipart: Mapped[bool | None] = mapped_column()
    ol_status: Mapped[str | None] = mapped_column(sa.Text())
    comment: Mapped[str | None] = mapped_column(sa.Text())
    written_status: Mapped[str | None] = mapped_column(sa.String(16))
    error: Mapped[str | None] = mapped_column(sa.Text())
    event_id: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    handed_off_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))

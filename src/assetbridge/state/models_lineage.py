"""The lineage event table: what happened to each governed asset, with both systems' ids (append-only).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``. The ``lineage`` SQL view (created
by migration 0006, documented in docs/lineage.md) joins these events to the crosswalk for BI tools.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

# What a lineage event can say; the flows record these (see docs/lineage.md for who records which).
LINEAGE_EVENTS = (
    "linked",  # an Orange Logic record and an iconik asset were paired (match or create)
    "published",  # an Orange Logic asset became an iconik asset by a publish rule
    "version_added",  # a new version on one side became a version on the other
    "media_added",  # an original, proxy or keyframe was transferred
    "shared",  # access granted in iconik (collection membership, share)
    "revoked",  # access removed in iconik (rights window ended or rights withdrawn)
    "unpublished",  # the iconik asset was removed because its source left the rule
    "derived",  # an iconik asset made from a governed one (localized / derived version)
    "handed_off",  # iconik media and metadata handed to Orange Logic for review
    "approved",  # a review decision (either system)
    "rejected",
    "archived",  # a completed iconik project's asset archived into Orange Logic
)


class LineageEvent(Base):
    """One thing that happened to a governed asset. Rows are never updated or deleted (DB triggers)."""

    __tablename__ = "lineage_events"
    __table_args__ = (
        sa.CheckConstraint(f"event IN {LINEAGE_EVENTS}", name="event"),
        sa.Index("ix_lineage_events_at", "at"),
        sa.Index("ix_lineage_events_record_id", "record_id"),
        sa.Index("ix_lineage_events_asset_id", "asset_id"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    event: Mapped[str] = mapped_column(sa.String(32))
    flow: Mapped[str] = mapped_column(sa.String(128), default="")
    link_id: Mapped[int | None] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    record_id: Mapped[str | None] = mapped_column(sa.String(128))  # Orange Logic RecordID
    system_identifier: Mapped[str | None] = mapped_column(sa.String(255))  # Orange Logic SystemIdentifier
    asset_id: Mapped[str | None] = mapped_column(sa.String(64))  # iconik asset id
    version_id: Mapped[str | None] = mapped_column(sa.String(64))  # iconik version id
    related_kind: Mapped[str | None] = mapped_column(sa.String(32))  # collection, share, proxy, file, ...
    related_id: Mapped[str | None] = mapped_column(sa.String(255))
    event_ref: Mapped[str | None] = mapped_column(sa.String(255))  # the triggering webhook/job id
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))

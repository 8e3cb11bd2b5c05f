"""Tables of the Orange Logic → iconik publish and campaign flows.

Imported by ``assetbridge.state.models`` so every table shares its ``Base``.

- ``publications``: what was published for each Orange Logic version of a linked asset (the iconik
  version it became, the media sent, the rule that selected it). One row per (link, Orange Logic
  version); a re-run that finds the row ``published`` sends nothing again.
- ``campaign_collections``: the iconik collection made for each campaign (created once; a crash
  between the create and this row is repaired by looking the title up).
- ``derived_assets``: iconik assets made from a published asset (a localized cut in its campaign
  collection), recorded as derived from the source link.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

PUBLICATION_STATUSES = ("versioning", "media", "published", "unpublished")


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = (
        sa.UniqueConstraint("link_id", "ol_version"),
        sa.CheckConstraint(f"status IN {PUBLICATION_STATUSES}", name="status"),
        sa.Index("ix_publications_rule_status", "rule", "status"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    link_id: Mapped[int] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    record_id: Mapped[str] = mapped_column(sa.String(128))
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    rule: Mapped[str] = mapped_column(sa.String(64))
    ol_version: Mapped[int] = mapped_column()
    iconik_version_id: Mapped[str | None] = mapped_column(sa.String(64))
    # iconik version ids known before a version create was sent (to adopt it after a crash)
    known_version_ids: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(sa.String(16), default="versioning")
    media_mode: Mapped[str] = mapped_column(sa.String(16))
    rendition: Mapped[str | None] = mapped_column(sa.String(64))
    media_id: Mapped[str | None] = mapped_column(sa.String(64))  # iconik proxy or file id
    media_size: Mapped[int | None] = mapped_column(sa.BigInteger())
    media_md5: Mapped[str | None] = mapped_column(sa.String(64))
    keyframes_job_id: Mapped[str | None] = mapped_column(sa.String(64))
    collection_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    unpublished_at: Mapped[datetime | None]
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))


class CampaignCollection(Base):
    __tablename__ = "campaign_collections"
    __table_args__ = (sa.UniqueConstraint("campaign"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    campaign: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.String(512))
    collection_id: Mapped[str] = mapped_column(sa.String(64))
    parent_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DerivedAsset(Base):
    __tablename__ = "derived_assets"
    __table_args__ = (sa.UniqueConstraint("asset_id", "source_link_id"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    source_link_id: Mapped[int] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    source_asset_id: Mapped[str] = mapped_column(sa.String(64))
    source_record_id: Mapped[str] = mapped_column(sa.String(128))
    relation_type: Mapped[str] = mapped_column(sa.String(128))
    collection_id: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str | None] = mapped_column(sa.Text())
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)

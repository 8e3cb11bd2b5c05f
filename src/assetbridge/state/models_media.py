"""Tables of the transfer engine (resumable OL → iconik media copies).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

TRANSFER_STATUSES = ("pending", "uploading", "done", "failed")


class Transfer(Base):
    """One media copy into iconik, named by its caller's ``key``: where it goes and what is stored.

    ``session_url`` (GCS) or ``upload_id`` + ``parts`` (S3: part number → md5 hex, cut at
    ``part_size``) let a later run continue an interrupted upload; ``offset`` is the last committed
    byte count seen (GCS, informational)."""

    __tablename__ = "transfers"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {TRANSFER_STATUSES}", name="status"),
        sa.Index("ix_transfers_asset_id", "asset_id"),
    )

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    version_id: Mapped[str | None] = mapped_column(sa.String(64))
    source: Mapped[str] = mapped_column(sa.String(512))
    file_name: Mapped[str] = mapped_column(sa.Text())
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    method: Mapped[str | None] = mapped_column(sa.String(8))
    size: Mapped[int | None] = mapped_column(sa.BigInteger())
    part_size: Mapped[int | None] = mapped_column(sa.BigInteger())
    session_url: Mapped[str | None] = mapped_column(sa.Text())
    upload_id: Mapped[str | None] = mapped_column(sa.Text())
    parts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    offset: Mapped[int] = mapped_column(sa.BigInteger(), default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    md5: Mapped[str | None] = mapped_column(sa.String(64))
    error: Mapped[str | None] = mapped_column(sa.Text())
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


REQUEST_STATUSES = ("new", "queued", "done", "failed")


class OriginalRequest(Base):
    """A click on the "Request original" custom action for one iconik asset, stored before any work.

    ``dedupe_key`` makes a re-delivered click one row; ``payload`` is iconik's body without its
    ``auth_token`` (a user token, never stored)."""

    __tablename__ = "original_requests"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key"),
        sa.CheckConstraint(f"status IN {REQUEST_STATUSES}", name="status"),
        sa.Index("ix_original_requests_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(sa.String(255))
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    action_id: Mapped[str | None] = mapped_column(sa.String(64))
    user_id: Mapped[str | None] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="new")
    outcome: Mapped[str | None] = mapped_column(sa.Text())
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

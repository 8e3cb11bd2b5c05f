"""Tables of the archive flow (iconik project → Orange Logic, with checksum attestations).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``.

``ol_transfers``: one iconik → Orange Logic media copy per caller ``key`` (``engine/media_to_ol.py``):
where it goes, the multi-part upload item and how many chunks Orange Logic confirmed (a resumed run
skips them), and once ``done`` the asset written with the hashes of the bytes streamed.

``archive_projects``: one row per iconik collection (project) the archive flow took up, with its Orange
Logic folder. ``archive_items``: one row per archived iconik asset (and the project's manifest,
``kind="manifest"``), holding the attestation: the checksum iconik recorded, the hashes of the bytes
streamed and of what Orange Logic served back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from assetbridge.state.models import Base
from assetbridge.state.types import big_id, utcnow

OL_TRANSFER_STATUSES = ("pending", "uploading", "done", "failed")
ARCHIVE_PROJECT_STATUSES = ("running", "done", "failed")
ARCHIVE_ITEM_STATUSES = ("pending", "done", "failed")
ARCHIVE_ITEM_KINDS = ("asset", "manifest")


class OlTransfer(Base):
    __tablename__ = "ol_transfers"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {OL_TRANSFER_STATUSES}", name="status"),
        sa.Index("ix_ol_transfers_asset_id", "asset_id"),
    )

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    file_id: Mapped[str] = mapped_column(sa.String(64))
    file_name: Mapped[str] = mapped_column(sa.Text())
    target: Mapped[str] = mapped_column(sa.String(160))  # "folder:<id>" or "record:<RecordID>"
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    size: Mapped[int | None] = mapped_column(sa.BigInteger())
    multipart: Mapped[bool] = mapped_column(default=False)
    transaction_id: Mapped[str | None] = mapped_column(sa.String(128))
    item_id: Mapped[str | None] = mapped_column(sa.String(128))
    item_record_id: Mapped[str | None] = mapped_column(sa.String(128))
    item_system_identifier: Mapped[str | None] = mapped_column(sa.String(255))
    chunk_size: Mapped[int | None] = mapped_column(sa.BigInteger())
    chunks_done: Mapped[int] = mapped_column(default=0)  # leading chunks Orange Logic confirmed
    started_at: Mapped[datetime | None]
    record_id: Mapped[str | None] = mapped_column(sa.String(128))
    system_identifier: Mapped[str | None] = mapped_column(sa.String(255))
    new_asset: Mapped[bool | None] = mapped_column()
    md5: Mapped[str | None] = mapped_column(sa.String(64))
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    iconik_checksum: Mapped[str | None] = mapped_column(sa.String(255))
    error: Mapped[str | None] = mapped_column(sa.Text())
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArchiveProject(Base):
    __tablename__ = "archive_projects"
    __table_args__ = (sa.CheckConstraint(f"status IN {ARCHIVE_PROJECT_STATUSES}", name="status"),)

    collection_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(sa.String(255))
    title: Mapped[str] = mapped_column(sa.Text())
    status: Mapped[str] = mapped_column(sa.String(16), default="running")
    folder_record_id: Mapped[str | None] = mapped_column(sa.String(128))
    folder_title: Mapped[str | None] = mapped_column(sa.Text())
    archived: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(sa.Text())
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ArchiveItem(Base):
    __tablename__ = "archive_items"
    __table_args__ = (
        sa.UniqueConstraint("collection_id", "asset_id"),
        sa.CheckConstraint(f"status IN {ARCHIVE_ITEM_STATUSES}", name="status"),
        sa.CheckConstraint(f"kind IN {ARCHIVE_ITEM_KINDS}", name="kind"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    collection_id: Mapped[str] = mapped_column(sa.String(64), sa.ForeignKey("archive_projects.collection_id"))
    asset_id: Mapped[str] = mapped_column(sa.String(64))  # "manifest" for the project manifest
    kind: Mapped[str] = mapped_column(sa.String(16), default="asset")
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    file_id: Mapped[str | None] = mapped_column(sa.String(64))
    file_name: Mapped[str | None] = mapped_column(sa.Text())
    record_id: Mapped[str | None] = mapped_column(sa.String(128))
    system_identifier: Mapped[str | None] = mapped_column(sa.String(255))
    size: Mapped[int | None] = mapped_column(sa.BigInteger())
    served_size: Mapped[int | None] = mapped_column(sa.BigInteger())
    algorithm: Mapped[str | None] = mapped_column(sa.String(16))
    iconik_checksum: Mapped[str | None] = mapped_column(sa.String(255))
    streamed_md5: Mapped[str | None] = mapped_column(sa.String(64))
    streamed_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    served_md5: Mapped[str | None] = mapped_column(sa.String(64))
    served_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    attested_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text())
    attempts: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))

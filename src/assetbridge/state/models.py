"""The state tables. ``migrations/versions`` creates exactly these (a test compares them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assetbridge.state.types import UTCDateTime, big_id, utcnow

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

INBOX_STATUSES = ("new", "processing", "done", "quarantined")
CONFLICT_STATUSES = ("open", "resolved")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: sa.JSON(), list[str]: sa.JSON()}


class Link(Base):
    """The crosswalk: one Orange Logic record ↔ one iconik asset. Tombstoned rows are kept forever."""

    __tablename__ = "links"
    __table_args__ = (
        sa.Index(
            "uq_links_live_record_id",
            "record_id",
            unique=True,
            sqlite_where=sa.text("tombstoned_at IS NULL"),
            postgresql_where=sa.text("tombstoned_at IS NULL"),
        ),
        sa.Index(
            "uq_links_live_asset_id",
            "asset_id",
            unique=True,
            sqlite_where=sa.text("tombstoned_at IS NULL"),
            postgresql_where=sa.text("tombstoned_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    record_id: Mapped[str] = mapped_column(sa.String(128))
    system_identifier: Mapped[str | None] = mapped_column(sa.String(255))
    asset_id: Mapped[str] = mapped_column(sa.String(64))
    version_ids: Mapped[list[str]] = mapped_column(default=list)
    flow: Mapped[str] = mapped_column(sa.String(128), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    tombstoned_at: Mapped[datetime | None]
    tombstone_reason: Mapped[str | None] = mapped_column(sa.Text())
    # The change stamp (modification time | id) of each side's version last synced; None = unknown.
    orangelogic_stamp: Mapped[str | None] = mapped_column(sa.Text())
    iconik_stamp: Mapped[str | None] = mapped_column(sa.Text())

    @property
    def live(self) -> bool:
        return self.tombstoned_at is None


class FieldBase(Base):
    """Per link and canonical field: the three-way merge base and the echo memory of each side."""

    __tablename__ = "field_base"

    link_id: Mapped[int] = mapped_column(
        big_id(), sa.ForeignKey("links.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    base_value: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    base_fingerprint: Mapped[str] = mapped_column(sa.String(128))
    orangelogic_fingerprint: Mapped[str | None] = mapped_column(sa.String(128))
    iconik_fingerprint: Mapped[str | None] = mapped_column(sa.String(128))
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cursor(Base):
    """A change-capture high-water mark: (time, id) so that equal modification times never lose rows."""

    __tablename__ = "cursors"

    system: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    stream: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    position_time: Mapped[datetime | None]
    position_id: Mapped[str | None] = mapped_column(sa.String(255))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxItem(Base):
    """A received webhook, stored raw before anything is decided; duplicates only bump ``duplicates``."""

    __tablename__ = "webhook_inbox"
    __table_args__ = (
        sa.UniqueConstraint("system", "event_id"),
        sa.CheckConstraint(f"status IN {INBOX_STATUSES}", name="status"),
        sa.Index("ix_webhook_inbox_claimable", "status", "id"),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    system: Mapped[str] = mapped_column(sa.String(32))
    event_id: Mapped[str] = mapped_column(sa.String(255))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    body: Mapped[bytes] = mapped_column(sa.LargeBinary())
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="new")
    error: Mapped[str | None] = mapped_column(sa.Text())
    attempts: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    claim_token: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    claimed_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Append-only (the database refuses UPDATE and DELETE): every write and every explained non-write."""

    __tablename__ = "audit"
    __table_args__ = (sa.Index("ix_audit_link_id_at", "link_id", "at"),)

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    link_id: Mapped[int | None] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    system: Mapped[str | None] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(64))
    field: Mapped[str | None] = mapped_column(sa.String(128))
    before: Mapped[Any] = mapped_column(sa.JSON(none_as_null=True), nullable=True)
    after: Mapped[Any] = mapped_column(sa.JSON(none_as_null=True), nullable=True)
    reason: Mapped[str] = mapped_column(sa.Text(), default="")
    event_id: Mapped[str | None] = mapped_column(sa.String(255))
    flow: Mapped[str | None] = mapped_column(sa.String(128))
    dry_run: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))


class Conflict(Base):
    """A true conflict (both sides changed a field differently); at most one open per link and field."""

    __tablename__ = "conflicts"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {CONFLICT_STATUSES}", name="status"),
        sa.Index(
            "uq_conflicts_open_link_id_field",
            "link_id",
            "field",
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    link_id: Mapped[int] = mapped_column(big_id(), sa.ForeignKey("links.id"))
    field: Mapped[str] = mapped_column(sa.String(128))
    orangelogic_value: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    iconik_value: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    base_value: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    policy: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(sa.String(64))
    resolved_value: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(sa.String(128))
    event_id: Mapped[str | None] = mapped_column(sa.String(255))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class DeadLetter(Base):
    """A job that failed permanently; at most one un-replayed letter per (kind, key)."""

    __tablename__ = "dead_letters"
    __table_args__ = (
        sa.Index(
            "uq_dead_letters_pending_kind_key",
            "kind",
            "key",
            unique=True,
            sqlite_where=sa.text("replayed_at IS NULL"),
            postgresql_where=sa.text("replayed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(big_id(), primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(sa.String(128))
    key: Mapped[str] = mapped_column(sa.String(255))
    payload: Mapped[Any] = mapped_column(sa.JSON(none_as_null=False), nullable=True)
    error_class: Mapped[str] = mapped_column(sa.String(255))
    error_message: Mapped[str] = mapped_column(sa.Text())
    attempts: Mapped[int] = mapped_column(default=1)
    first_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    replayed_at: Mapped[datetime | None]


# Tables owned by the flows, kept in their own modules; imported last so they register on Base.
from assetbridge.state import (  # noqa: E402, F401
    models_archive,
    models_lineage,
    models_media,
    models_publish,
    models_review,
    models_rights,
)

"""archive flow: iconik → Orange Logic transfers, archived projects and their attested assets.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.models_archive import (
    ARCHIVE_ITEM_KINDS,
    ARCHIVE_ITEM_STATUSES,
    ARCHIVE_PROJECT_STATUSES,
    OL_TRANSFER_STATUSES,
)
from assetbridge.state.types import UTCDateTime, big_id

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ol_transfers",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("target", sa.String(160), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("multipart", sa.Boolean(), nullable=False),
        sa.Column("transaction_id", sa.String(128), nullable=True),
        sa.Column("item_id", sa.String(128), nullable=True),
        sa.Column("item_record_id", sa.String(128), nullable=True),
        sa.Column("item_system_identifier", sa.String(255), nullable=True),
        sa.Column("chunk_size", sa.BigInteger(), nullable=True),
        sa.Column("chunks_done", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("record_id", sa.String(128), nullable=True),
        sa.Column("system_identifier", sa.String(255), nullable=True),
        sa.Column("new_asset", sa.Boolean(), nullable=True),
        sa.Column("md5", sa.String(64), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("iconik_checksum", sa.String(255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"status IN {OL_TRANSFER_STATUSES}", name="ck_ol_transfers_status"),
        sa.PrimaryKeyConstraint("key", name="pk_ol_transfers"),
    )
    op.create_index("ix_ol_transfers_asset_id", "ol_transfers", ["asset_id"])
    op.create_table(
        "archive_projects",
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("folder_record_id", sa.String(128), nullable=True),
        sa.Column("folder_title", sa.Text(), nullable=True),
        sa.Column("archived", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(f"status IN {ARCHIVE_PROJECT_STATUSES}", name="ck_archive_projects_status"),
        sa.PrimaryKeyConstraint("collection_id", name="pk_archive_projects"),
    )
    op.create_table(
        "archive_items",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("file_id", sa.String(64), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("record_id", sa.String(128), nullable=True),
        sa.Column("system_identifier", sa.String(255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("served_size", sa.BigInteger(), nullable=True),
        sa.Column("algorithm", sa.String(16), nullable=True),
        sa.Column("iconik_checksum", sa.String(255), nullable=True),
        sa.Column("streamed_md5", sa.String(64), nullable=True),
        sa.Column("streamed_sha256", sa.String(64), nullable=True),
        sa.Column("served_md5", sa.String(64), nullable=True),
        sa.Column("served_sha256", sa.String(64), nullable=True),
        sa.Column("attested_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.CheckConstraint(f"status IN {ARCHIVE_ITEM_STATUSES}", name="ck_archive_items_status"),
        sa.CheckConstraint(f"kind IN {ARCHIVE_ITEM_KINDS}", name="ck_archive_items_kind"),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["archive_projects.collection_id"],
            name="fk_archive_items_collection_id_archive_projects",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_archive_items"),
        sa.UniqueConstraint("collection_id", "asset_id", name="uq_archive_items_collection_id_asset_id"),
    )


def downgrade() -> None:
    op.drop_table("archive_items")
    op.drop_table("archive_projects")
    op.drop_index("ix_ol_transfers_asset_id", table_name="ol_transfers")
    op.drop_table("ol_transfers")

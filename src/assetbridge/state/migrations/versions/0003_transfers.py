"""transfers: resumable media copies (parts already stored); original_requests: custom action clicks.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.types import UTCDateTime, big_id

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfers",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("version_id", sa.String(64), nullable=True),
        sa.Column("source", sa.String(512), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=True),
        sa.Column("method", sa.String(8), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("part_size", sa.BigInteger(), nullable=True),
        sa.Column("session_url", sa.Text(), nullable=True),
        sa.Column("upload_id", sa.Text(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("md5", sa.String(64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'uploading', 'done', 'failed')", name="ck_transfers_status"
        ),
        sa.PrimaryKeyConstraint("key", name="pk_transfers"),
    )
    op.create_index("ix_transfers_asset_id", "transfers", ["asset_id"])
    op.create_table(
        "original_requests",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("dedupe_key", sa.String(255), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("action_id", sa.String(64), nullable=True),
        sa.Column("user_id", sa.String(64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('new', 'queued', 'done', 'failed')", name="ck_original_requests_status"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_original_requests"),
        sa.UniqueConstraint("dedupe_key", name="uq_original_requests_dedupe_key"),
    )
    op.create_index("ix_original_requests_status_id", "original_requests", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_original_requests_status_id", table_name="original_requests")
    op.drop_table("original_requests")
    op.drop_index("ix_transfers_asset_id", table_name="transfers")
    op.drop_table("transfers")

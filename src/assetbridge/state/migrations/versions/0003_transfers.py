"""transfers: resumable media copies (parts already stored).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.types import UTCDateTime

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


def downgrade() -> None:
    op.drop_index("ix_transfers_asset_id", table_name="transfers")
    op.drop_table("transfers")

"""review hand-off and approval bridge.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.models_review import HANDOFF_STATUSES
from assetbridge.state.types import UTCDateTime, big_id

revision = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_handoffs",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("version_id", sa.String(64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("link_id", big_id(), nullable=True),
        sa.Column("record_id", sa.String(128), nullable=True),
        sa.Column("system_identifier", sa.String(255), nullable=True),
        sa.Column("new_asset", sa.Boolean(), nullable=True),
        sa.Column("file_id", sa.String(64), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("md5", sa.String(64), nullable=True),
        sa.Column("multipart", sa.Boolean(), nullable=True),
        sa.Column("ol_status", sa.Text(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("written_status", sa.String(16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("event_id", sa.String(255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("handed_off_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.CheckConstraint(f"status IN {HANDOFF_STATUSES}", name="ck_review_handoffs_status"),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_review_handoffs_link_id_links"),
        sa.PrimaryKeyConstraint("id", name="pk_review_handoffs"),
        sa.UniqueConstraint("asset_id", "version_id", name="uq_review_handoffs_asset_id_version_id"),
    )
    op.create_index("ix_review_handoffs_record_id_status", "review_handoffs", ["record_id", "status"])
    op.create_index("ix_review_handoffs_status", "review_handoffs", ["status"])


def downgrade() -> None:
    op.drop_index("ix_review_handoffs_status", table_name="review_handoffs")
    op.drop_index("ix_review_handoffs_record_id_status", table_name="review_handoffs")
    op.drop_table("review_handoffs")

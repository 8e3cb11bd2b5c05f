"""rights-aware sharing: the access state of each published asset.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.types import UTCDateTime, big_id

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rights_state",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=True),
        sa.Column("access", sa.String(16), nullable=False),
        sa.Column("since", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("doubtful", sa.Boolean(), nullable=False),
        sa.Column("action", sa.String(32), nullable=True),
        sa.Column("rights_values", sa.JSON(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("next_change_at", UTCDateTime(), nullable=True),
        sa.Column("evaluated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("access IN ('granted', 'revoked')", name="ck_rights_state_access"),
        sa.PrimaryKeyConstraint("id", name="pk_rights_state"),
        sa.UniqueConstraint("record_id", name="uq_rights_state_record_id"),
    )
    op.create_index("ix_rights_state_next_change_at", "rights_state", ["next_change_at"])


def downgrade() -> None:
    op.drop_index("ix_rights_state_next_change_at", table_name="rights_state")
    op.drop_table("rights_state")

"""links: the change stamp of each side's version last synced (lets a quiet pass skip it).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("links", sa.Column("orangelogic_stamp", sa.Text(), nullable=True))
    op.add_column("links", sa.Column("iconik_stamp", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_column("iconik_stamp")
        batch.drop_column("orangelogic_stamp")

"""publish and campaign flows: publications, campaign_collections, derived_assets.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.types import UTCDateTime, big_id

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("link_id", big_id(), nullable=False),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("ol_version", sa.Integer(), nullable=False),
        sa.Column("iconik_version_id", sa.String(64), nullable=True),
        sa.Column("known_version_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("media_mode", sa.String(16), nullable=False),
        sa.Column("rendition", sa.String(64), nullable=True),
        sa.Column("media_id", sa.String(64), nullable=True),
        sa.Column("media_size", sa.BigInteger(), nullable=True),
        sa.Column("media_md5", sa.String(64), nullable=True),
        sa.Column("keyframes_job_id", sa.String(64), nullable=True),
        sa.Column("collection_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.Column("unpublished_at", UTCDateTime(), nullable=True),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_publications_link_id_links"),
        sa.PrimaryKeyConstraint("id", name="pk_publications"),
        sa.UniqueConstraint("link_id", "ol_version", name="uq_publications_link_id_ol_version"),
        sa.CheckConstraint(
            "status IN ('versioning', 'media', 'published', 'unpublished')", name="ck_publications_status"
        ),
    )
    op.create_index("ix_publications_rule_status", "publications", ["rule", "status"])
    op.create_table(
        "campaign_collections",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("campaign", sa.String(255), nullable=False),
        sa.Column("title", sa.String(512), nullable=False),
        sa.Column("collection_id", sa.String(64), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaign_collections"),
        sa.UniqueConstraint("campaign", name="uq_campaign_collections_campaign"),
    )
    op.create_table(
        "derived_assets",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("source_link_id", big_id(), nullable=False),
        sa.Column("source_asset_id", sa.String(64), nullable=False),
        sa.Column("source_record_id", sa.String(128), nullable=False),
        sa.Column("relation_type", sa.String(128), nullable=False),
        sa.Column("collection_id", sa.String(64), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("detected_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_link_id"], ["links.id"], name="fk_derived_assets_source_link_id_links"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_derived_assets"),
        sa.UniqueConstraint("asset_id", "source_link_id", name="uq_derived_assets_asset_id_source_link_id"),
    )


def downgrade() -> None:
    op.drop_table("derived_assets")
    op.drop_table("campaign_collections")
    op.drop_index("ix_publications_rule_status", table_name="publications")
    op.drop_table("publications")

"""lineage: an append-only event table and the ``lineage`` view for BI tools.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.models_lineage import LINEAGE_EVENTS
from assetbridge.state.types import UTCDateTime, big_id

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None

# The documented read model (docs/lineage.md): one row per event with both systems' ids.
VIEW = """
CREATE VIEW lineage AS
SELECT e.id AS event_id,
       e.at AS occurred_at,
       e.event AS event,
       e.flow AS flow,
       COALESCE(e.record_id, l.record_id) AS orangelogic_record_id,
       COALESCE(e.system_identifier, l.system_identifier) AS orangelogic_system_identifier,
       COALESCE(e.asset_id, l.asset_id) AS iconik_asset_id,
       e.version_id AS iconik_version_id,
       e.related_kind AS related_kind,
       e.related_id AS related_id,
       e.event_ref AS event_ref,
       e.link_id AS link_id,
       CASE WHEN l.id IS NULL THEN NULL WHEN l.tombstoned_at IS NULL THEN 'live' ELSE 'tombstoned' END
           AS link_state,
       e.details AS details
FROM lineage_events e LEFT JOIN links l ON l.id = e.link_id
"""


def upgrade() -> None:
    op.create_table(
        "lineage_events",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("flow", sa.String(128), nullable=False),
        sa.Column("link_id", big_id(), nullable=True),
        sa.Column("record_id", sa.String(128), nullable=True),
        sa.Column("system_identifier", sa.String(255), nullable=True),
        sa.Column("asset_id", sa.String(64), nullable=True),
        sa.Column("version_id", sa.String(64), nullable=True),
        sa.Column("related_kind", sa.String(32), nullable=True),
        sa.Column("related_id", sa.String(255), nullable=True),
        sa.Column("event_ref", sa.String(255), nullable=True),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.CheckConstraint(f"event IN {LINEAGE_EVENTS}", name="ck_lineage_events_event"),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_lineage_events_link_id_links"),
        sa.PrimaryKeyConstraint("id", name="pk_lineage_events"),
    )
    op.create_index("ix_lineage_events_at", "lineage_events", ["at"])
    op.create_index("ix_lineage_events_record_id", "lineage_events", ["record_id"])
    op.create_index("ix_lineage_events_asset_id", "lineage_events", ["asset_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION assetbridge_lineage_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'lineage_events is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER lineage_append_only BEFORE UPDATE OR DELETE ON lineage_events "
            "FOR EACH ROW EXECUTE FUNCTION assetbridge_lineage_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER lineage_no_{operation.lower()} BEFORE {operation} ON lineage_events "
                "BEGIN SELECT RAISE(ABORT, 'lineage_events is append-only'); END"
            )
    op.execute(VIEW)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS lineage")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS lineage_append_only ON lineage_events")
        op.execute("DROP FUNCTION IF EXISTS assetbridge_lineage_append_only()")
    op.drop_table("lineage_events")

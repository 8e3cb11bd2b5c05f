"""Initial state schema: links, field_base, cursors, webhook_inbox, audit, conflicts, dead_letters.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assetbridge.state.types import UTCDateTime, big_id

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

LIVE = "tombstoned_at IS NULL"


def _unique_where(name: str, table: str, columns: list[str], condition: str) -> None:
    """A partial unique index (both databases support ``WHERE`` on an index)."""
    where = sa.text(condition)
    op.create_index(name, table, columns, unique=True, sqlite_where=where, postgresql_where=where)


def upgrade() -> None:
    op.create_table(
        "links",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.String(128), nullable=False),
        sa.Column("system_identifier", sa.String(255), nullable=True),
        sa.Column("asset_id", sa.String(64), nullable=False),
        sa.Column("version_ids", sa.JSON(), nullable=False),
        sa.Column("flow", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("tombstoned_at", UTCDateTime(), nullable=True),
        sa.Column("tombstone_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_links"),
    )
    _unique_where("uq_links_live_record_id", "links", ["record_id"], LIVE)
    _unique_where("uq_links_live_asset_id", "links", ["asset_id"], LIVE)

    op.create_table(
        "field_base",
        sa.Column("link_id", big_id(), nullable=False),
        sa.Column("field", sa.String(128), nullable=False),
        sa.Column("base_value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("base_fingerprint", sa.String(128), nullable=False),
        sa.Column("orangelogic_fingerprint", sa.String(128), nullable=True),
        sa.Column("iconik_fingerprint", sa.String(128), nullable=True),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"], ["links.id"], name="fk_field_base_link_id_links", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("link_id", "field", name="pk_field_base"),
    )

    op.create_table(
        "cursors",
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("stream", sa.String(128), nullable=False),
        sa.Column("position_time", UTCDateTime(), nullable=True),
        sa.Column("position_id", sa.String(255), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("system", "stream", name="pk_cursors"),
    )

    op.create_table(
        "webhook_inbox",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_inbox"),
        sa.UniqueConstraint("system", "event_id", name="uq_webhook_inbox_system_event_id"),
        sa.CheckConstraint(
            "status IN ('new', 'processing', 'done', 'quarantined')", name="ck_webhook_inbox_status"
        ),
    )
    op.create_index("ix_webhook_inbox_claimable", "webhook_inbox", ["status", "id"])

    op.create_table(
        "audit",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("link_id", big_id(), nullable=True),
        sa.Column("system", sa.String(32), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("field", sa.String(128), nullable=True),
        sa.Column("before", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("after", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=True),
        sa.Column("flow", sa.String(128), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("details", sa.JSON(none_as_null=True), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_audit_link_id_links"),
        sa.PrimaryKeyConstraint("id", name="pk_audit"),
    )
    op.create_index("ix_audit_link_id_at", "audit", ["link_id", "at"])
    _forbid_audit_changes()

    op.create_table(
        "conflicts",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("link_id", big_id(), nullable=False),
        sa.Column("field", sa.String(128), nullable=False),
        sa.Column("orangelogic_value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("iconik_value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("base_value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("policy", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resolution", sa.String(64), nullable=True),
        sa.Column("resolved_value", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("resolved_by", sa.String(128), nullable=True),
        sa.Column("event_id", sa.String(255), nullable=True),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name="fk_conflicts_link_id_links"),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_conflicts_status"),
    )
    _unique_where("uq_conflicts_open_link_id_field", "conflicts", ["link_id", "field"], "status = 'open'")

    op.create_table(
        "dead_letters",
        sa.Column("id", big_id(), primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(128), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("payload", sa.JSON(none_as_null=False), nullable=True),
        sa.Column("error_class", sa.String(255), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", UTCDateTime(), nullable=False),
        sa.Column("last_failed_at", UTCDateTime(), nullable=False),
        sa.Column("replayed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_dead_letters"),
    )
    _unique_where("uq_dead_letters_pending_kind_key", "dead_letters", ["kind", "key"], "replayed_at IS NULL")


def _forbid_audit_changes() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION assetbridge_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
            "FOR EACH ROW EXECUTE FUNCTION assetbridge_audit_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_no_{operation.lower()} BEFORE {operation} ON audit "
            "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_append_only ON audit")
        op.execute("DROP FUNCTION IF EXISTS assetbridge_audit_append_only()")
    for table in ("dead_letters", "conflicts", "audit", "webhook_inbox", "cursors", "field_base", "links"):
        op.drop_table(table)

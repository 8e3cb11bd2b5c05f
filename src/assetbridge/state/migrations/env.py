"""Alembic environment: always online, on the connection ``assetbridge.state.migrate`` hands over."""

from __future__ import annotations

from alembic import context

from assetbridge.state.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through assetbridge.state.Database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=config.attributes["version_table"],
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

"""Alembic, driven from code: the migration scripts ship inside the package (``state/migrations``)."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine

from assetbridge.state.db import SQLITE_BEGIN

VERSION_TABLE = "assetbridge_schema_version"
SCRIPT_LOCATION = "assetbridge.state:migrations"
# Any constant works; it only has to be the same for every AssetBridge process on one database.
_PG_LOCK_KEY = 0x41535342
# Alembic keeps its running environment in module globals: one migration at a time per process.
_LOCAL_LOCK = threading.Lock()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    config.attributes["version_table"] = VERSION_TABLE
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe to call from several processes starting at once.

    PostgreSQL: a session advisory lock serializes the migrators. SQLite: the migration transaction
    starts with ``BEGIN IMMEDIATE``, so the second process waits and then finds the schema current.
    """
    _run(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Step the schema back to ``revision`` (``"base"`` drops every AssetBridge table)."""
    _run(engine, command.downgrade, revision)


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An OS lock beside a SQLite file, held for the whole upgrade: processes starting together migrate one
    after the other even if a migration step ends SQLite's transaction early."""
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(engine: Engine, step: Callable[[Config, str], None], revision: str) -> None:
    with (
        _LOCAL_LOCK,
        _sqlite_file_lock(engine),
        engine.connect().execution_options(**{SQLITE_BEGIN: "IMMEDIATE"}) as connection,
    ):
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_PG_LOCK_KEY})")
            connection.commit()
        try:
            step(alembic_config(connection), revision)
            connection.commit()
        finally:
            connection.rollback()
            if postgres:
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_PG_LOCK_KEY})")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()

"""Migrations on an empty database, idempotence, schema == models, SQLite pragmas, UTC times."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from assetbridge.errors import ConfigError
from assetbridge.state import Database, normalize_url
from assetbridge.state.migrate import VERSION_TABLE, downgrade
from assetbridge.state.models import Base, Link

TABLES = {"links", "field_base", "cursors", "webhook_inbox", "audit", "conflicts", "dead_letters"}


def test_upgrade_creates_every_table_and_is_idempotent(db_url: str) -> None:
    database = Database(db_url)
    try:
        assert database.current_revision() is None
        database.upgrade()
        head = database.current_revision()
        assert head is not None
        database.upgrade()
        assert database.current_revision() == head
        names = set(sa.inspect(database.engine).get_table_names())
        assert names >= TABLES | {VERSION_TABLE}
    finally:
        database.dispose()


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, Base.metadata) == []


def test_two_processes_upgrading_at_once_both_succeed(db_url: str) -> None:
    script = "import sys; from assetbridge.state import Database; Database(sys.argv[1]).upgrade()"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, db_url], stderr=subprocess.PIPE) for _ in range(2)
    ]
    results = [(p.wait(60), p.stderr.read().decode() if p.stderr else "") for p in processes]
    assert results == [(0, ""), (0, "")]
    database = Database(db_url)
    try:
        assert database.current_revision() is not None
        assert set(sa.inspect(database.engine).get_table_names()) >= TABLES
    finally:
        database.dispose()


def test_upgrades_from_threads_of_one_process_are_serialized(db_url: str) -> None:
    errors: list[BaseException] = []
    databases = [Database(db_url), Database(db_url)]

    def run(database: Database) -> None:
        try:
            database.upgrade()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    try:
        assert errors == []
        assert databases[0].current_revision() == databases[1].current_revision() is not None
    finally:
        for database in databases:
            database.dispose()


def test_sqlite_runs_in_wal_mode_with_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/nested/dir/state.db", busy_timeout_s=7)
    try:
        database.upgrade()
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_foreign_keys_are_enforced(db: Database) -> None:
    with pytest.raises(sa.exc.IntegrityError), db.unit_of_work() as uow:
        uow.field_base.save(link_id=999, field="title", value="x", fingerprint="f")


def test_times_are_stored_and_returned_as_aware_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=2))
    at = datetime(2026, 3, 29, 3, 30, 15, 123456, tzinfo=paris)
    with db.unit_of_work() as uow:
        link_id = uow.links.link("R1", "A1", at=at).id
    with db.session() as session:
        link = session.get(Link, link_id)
        assert link is not None
        assert link.created_at == at
        assert link.created_at.tzinfo is not None and link.created_at.utcoffset() == timedelta(0)
        assert link.created_at == datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)


def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(sa.exc.StatementError, match="timezone-aware"), db.unit_of_work() as uow:
        uow.links.link("R1", "A1", at=datetime(2026, 1, 1))
    with db.session() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM links")) == 0


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://u@h/db", "postgresql+psycopg"),
        ("postgresql://u@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_urls_are_normalized(url: str, driver: str) -> None:
    assert normalize_url(url).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_urls_name_the_key(url: str) -> None:
    with pytest.raises(ConfigError, match=r"state\.url"):
        normalize_url(url)


def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(db: Database) -> None:
    downgrade(db.engine, "base")
    assert set(sa.inspect(db.engine).get_table_names()) & TABLES == set()
    db.upgrade()
    with db.unit_of_work() as uow:
        uow.audit.record("write", reason="after re-upgrade")
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.unit_of_work() as uow:
        uow.session.execute(sa.text("DELETE FROM audit"))

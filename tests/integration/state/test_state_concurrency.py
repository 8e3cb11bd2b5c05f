"""Several workers (threads with their own connections) on one database: no errors, no duplicates."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from assetbridge.state import Database, InboxItem, Link, UnitOfWork

WORKERS = 4


def _run_workers(db_url: str, job: Callable[[UnitOfWork, int], None], rounds: int) -> None:
    """Every worker runs ``job(uow, n)`` for n in range(rounds), each in its own unit of work."""
    databases = [Database(db_url, busy_timeout_s=20) for _ in range(WORKERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(database: Database) -> None:
        try:
            start.wait()
            for n in range(rounds):
                with database.unit_of_work() as uow:
                    job(uow, n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(d,)) for d in databases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for database in databases:
        database.dispose()
    assert errors == []


def test_workers_linking_the_same_pairs_make_one_link_each(db_url: str, db: Database) -> None:
    def job(uow: UnitOfWork, n: int) -> None:
        uow.links.link(f"R{n}", f"A{n}", version_ids=[f"v{n}"])

    _run_workers(db_url, job, rounds=15)
    with db.session() as session:
        rows = session.execute(sa.select(Link.record_id, Link.asset_id)).all()
    assert sorted(rows) == sorted((f"R{n}", f"A{n}") for n in range(15))


def test_workers_receiving_the_same_events_store_each_once_and_count_the_rest(
    db_url: str, db: Database
) -> None:
    def job(uow: UnitOfWork, n: int) -> None:
        uow.inbox.add("orangelogic", f"evt-{n}", b"{}", {})

    _run_workers(db_url, job, rounds=15)
    with db.session() as session:
        rows = session.execute(sa.select(InboxItem.event_id, InboxItem.duplicates)).all()
    assert sorted(rows) == sorted((f"evt-{n}", WORKERS - 1) for n in range(15))


def test_workers_advancing_one_cursor_leave_the_furthest_position(db_url: str, db: Database) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)

    def job(uow: UnitOfWork, n: int) -> None:
        uow.cursors.advance("iconik", "assets", t0 + timedelta(seconds=n), f"id-{n:02d}")

    _run_workers(db_url, job, rounds=12)
    with db.unit_of_work() as uow:
        position = uow.cursors.get("iconik", "assets")
    assert position is not None and (position.time, position.id) == (t0 + timedelta(seconds=11), "id-11")


def test_sqlite_unit_of_work_takes_the_write_lock_at_begin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    db, other = Database(url), Database(url, busy_timeout_s=0.2)
    db.upgrade()
    try:
        with db.unit_of_work() as uow:
            uow.links.get(1)  # a read only; BEGIN IMMEDIATE already holds the write lock
            with pytest.raises(sa.exc.OperationalError, match="locked"), other.unit_of_work() as blocked:
                blocked.links.get(1)
        with db.session() as reader, other.unit_of_work() as writer:
            reader.get(Link, 1)  # plain sessions are deferred readers and do not block writers
            writer.links.link("R1", "A1")
    finally:
        db.dispose()
        other.dispose()

"""Engine factory and the ``Database`` facade: migrations, sessions and units of work.

SQLite (the default) runs in WAL mode with a busy timeout and foreign keys on. pysqlite's own
transaction handling starts a transaction only before a write, so a read-then-write sequence would not
be atomic: the driver's handling is switched off and SQLAlchemy emits ``BEGIN`` itself (the recipe in
SQLAlchemy's SQLite dialect docs, "Serializable isolation / Savepoints / Transactional DDL"). Units of
work start with ``BEGIN IMMEDIATE``, taking the single write lock up front, so two writers queue on the
busy timeout instead of failing on a lock upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from assetbridge.errors import ConfigError
from assetbridge.state.uow import UnitOfWork

DEFAULT_URL = "sqlite:///assetbridge.db"
# Execution option read by the SQLite "begin" hook: "IMMEDIATE" takes the write lock at BEGIN.
SQLITE_BEGIN = "assetbridge_sqlite_begin"


def normalize_url(url: str | URL) -> URL:
    """Accept ``postgres://`` and ``postgresql://`` (psycopg 3 is the driver) and SQLite URLs."""
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigError(f"not a database URL: {exc}", key="state.url") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend != "sqlite":
        raise ConfigError(
            f"unsupported database {backend!r}: use sqlite:///path.db or postgresql://...", key="state.url"
        )
    return parsed


def create_engine(url: str | URL, *, busy_timeout_s: float = 30.0, echo: bool = False) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "postgresql":
        return sa.create_engine(parsed, pool_pre_ping=True, echo=echo)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(parsed, echo=echo, connect_args={"timeout": busy_timeout_s})
    timeout_ms = int(busy_timeout_s * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if parsed.database and parsed.database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={timeout_ms}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Database:
    """One state database. ``upgrade()`` once at start, then ``unit_of_work()`` for every change."""

    def __init__(self, url: str | URL = DEFAULT_URL, *, busy_timeout_s: float = 30.0, echo: bool = False):
        self.url = normalize_url(url)
        self.engine = create_engine(self.url, busy_timeout_s=busy_timeout_s, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        writer = self.engine.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
        self._writers = sessionmaker(writer, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self, revision: str = "head") -> None:
        from assetbridge.state.migrate import upgrade

        upgrade(self.engine, revision)

    def current_revision(self) -> str | None:
        from assetbridge.state.migrate import current_revision

        return current_revision(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A plain session for reads; nothing is committed unless the caller commits."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back (nothing persists) if it raises."""
        with self._writers() as session, session.begin():
            yield UnitOfWork(session)

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"

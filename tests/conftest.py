"""Shared fixtures: a whole sandbox on free loopback ports, and clients pointed at it."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.config import SandboxConfig
from assetbridge_sandbox.server import SandboxServer


def make_config(tmp_path: Path, **overrides: Any) -> SandboxConfig:
    """A sandbox config on port 0 everywhere, seeding nothing unless asked."""
    base: dict[str, Any] = {
        "data_dir": str(tmp_path / "sandbox"),
        "catalog_size": 0,
        "media": "synthetic",
        "iconik": {"port": 0},
        "orangelogic": {"port": 0},
        "storage": {"port": 0},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return SandboxConfig.model_validate(base)


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[Any]:
    """Start sandboxes with config overrides; all are stopped at the end of the test."""
    started: list[SandboxServer] = []

    def start(**overrides: Any) -> SandboxServer:
        server = SandboxServer(make_config(tmp_path / f"sb{len(started)}", **overrides)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def sandbox(sandbox_factory: Any) -> SandboxServer:
    """A sandbox with default limits and no seeded catalog."""
    server: SandboxServer = sandbox_factory()
    return server


def iconik_client(server: SandboxServer) -> httpx.Client:
    """A raw HTTP client authenticated against a sandbox's iconik (the caller closes it)."""
    info = server.info()["iconik"]
    return httpx.Client(
        base_url=info["base_url"],
        headers={"App-ID": info["app_id"], "Auth-Token": info["auth_token"]},
        timeout=10,
    )


@pytest.fixture
def iconik_http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A raw HTTP client authenticated against the sandbox's iconik (for emulator tests)."""
    with iconik_client(sandbox) as client:
        yield client


POSTGRES_URL = os.environ.get(
    "ASSETBRIDGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def postgres_available() -> bool:
    """True when the test PostgreSQL answers; under CI (CI=true) its absence fails the run instead."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """URL of a new, empty PostgreSQL database, dropped on exit.

    Outside CI the test is skipped with a message when PostgreSQL is not running; under CI=true it fails.
    """
    if not postgres_available():
        message = "PostgreSQL is not reachable on 127.0.0.1:5432 (start it: bash scripts/services.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    import sqlalchemy as sa

    name = f"ab_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test (see ``fresh_postgres_database``)."""
    with fresh_postgres_database() as url:
        yield url

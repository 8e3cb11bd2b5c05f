"""Shared fixtures: a whole sandbox on free loopback ports, and clients pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
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


@pytest.fixture
def iconik_http(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A raw HTTP client authenticated against the sandbox's iconik (for emulator tests)."""
    info = sandbox.info()["iconik"]
    with httpx.Client(
        base_url=info["base_url"],
        headers={"App-ID": info["app_id"], "Auth-Token": info["auth_token"]},
        timeout=10,
    ) as client:
        yield client

"""Where the iconik contract suite runs: the sandbox (default) or a live tenant.

A live tenant is used when ASSETBRIDGE_LIVE_ICONIK_URL, ASSETBRIDGE_LIVE_ICONIK_APP_ID and
ASSETBRIDGE_LIVE_ICONIK_AUTH_TOKEN are set. On a live tenant the suite only writes assets it creates
(and deletes them at the end); tests that must create other objects (fields, views, collections,
webhooks, custom actions, jobs, shares) run on the sandbox only. A metadata round trip on a live tenant
needs an existing view and field: ASSETBRIDGE_LIVE_ICONIK_VIEW_ID and ASSETBRIDGE_LIVE_ICONIK_FIELD.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assetbridge.connectors.iconik import IconikClient, IconikConfig
from assetbridge.errors import NotFoundError
from assetbridge.transport.retry import RetryPolicy
from assetbridge_sandbox.config import RateLimitConfig, SandboxConfig
from assetbridge_sandbox.server import SandboxServer

LIVE_ENV = (
    "ASSETBRIDGE_LIVE_ICONIK_URL",
    "ASSETBRIDGE_LIVE_ICONIK_APP_ID",
    "ASSETBRIDGE_LIVE_ICONIK_AUTH_TOKEN",
)
KIB = 1024

FAST_RETRY = RetryPolicy(initial_interval=0.01, maximum_interval=0.2, maximum_attempts=5)


def live_config() -> IconikConfig | None:
    if not all(os.environ.get(name) for name in LIVE_ENV):
        return None
    return IconikConfig(
        base_url=os.environ["ASSETBRIDGE_LIVE_ICONIK_URL"],
        app_id=os.environ["ASSETBRIDGE_LIVE_ICONIK_APP_ID"],
        auth_token=SecretStr(os.environ["ASSETBRIDGE_LIVE_ICONIK_AUTH_TOKEN"]),
        gcs_chunk_size=256 * KIB,
        s3_part_size=5 * 1024 * KIB,
    )


def sandbox_config(sandbox: SandboxServer, **overrides: Any) -> IconikConfig:
    info = sandbox.info()["iconik"]
    values: dict[str, Any] = {
        "base_url": info["base_url"],
        "app_id": info["app_id"],
        "auth_token": SecretStr(info["auth_token"]),
        "retry": FAST_RETRY,
        "storage_retry": FAST_RETRY,
        "gcs_chunk_size": 256 * KIB,
        "s3_part_size": 256 * KIB,
        "upload_concurrency": 3,
        "download_chunk_size": 64 * KIB,
        "multipart_url_page": 100,
        "job_poll_interval": 0.05,
        "external_id_lookup_delay": 0,
    }
    values.update(overrides)
    return IconikConfig(**values)


@dataclass
class IconikTarget:
    config: IconikConfig
    sandbox: SandboxServer | None
    created_assets: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.sandbox is None

    def require_sandbox(self, why: str) -> SandboxServer:
        if self.sandbox is None:
            pytest.skip(f"sandbox only: {why}")
        return self.sandbox

    def control(self, system: str = "iconik") -> httpx.Client:
        sandbox = self.require_sandbox("control API")
        return httpx.Client(base_url=sandbox.urls[system] + "/_sandbox", timeout=10)

    def faults(self, rules: list[dict[str, Any]], system: str = "iconik") -> None:
        with self.control(system) as control:
            response = control.put("/faults", json={"rules": rules})
            assert response.status_code == 200, response.text


@pytest.fixture(scope="module")
def iconik_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer | None]:
    """One sandbox per test module (starting one costs ~0.5 s); ``iconik_target`` resets its faults."""
    if live_config() is not None:
        yield None
        return
    base = {"port": 0}
    config = SandboxConfig(
        data_dir=tmp_path_factory.mktemp("iconik-contract"),
        catalog_size=0,
        media="synthetic",
        iconik=base,
        orangelogic=base,
        storage={**base, "s3_min_part_size": 64 * KIB},
    )
    server = SandboxServer(config).start()
    yield server
    server.stop()


@pytest.fixture
def iconik_target(iconik_sandbox: SandboxServer | None) -> Iterator[IconikTarget]:
    live = live_config()
    if live is not None or iconik_sandbox is None:
        assert live is not None
        yield IconikTarget(live, None)
        return
    target = IconikTarget(sandbox_config(iconik_sandbox), iconik_sandbox)
    yield target
    with httpx.Client(timeout=10) as control:
        for system in ("iconik", "storage"):
            control.delete(f"{iconik_sandbox.urls[system]}/_sandbox/faults")
        control.put(
            f"{iconik_sandbox.urls['iconik']}/_sandbox/iconik/rate_limit", json=RateLimitConfig().model_dump()
        )


@pytest.fixture
async def iconik(iconik_target: IconikTarget) -> AsyncIterator[IconikClient]:
    async with IconikClient(iconik_target.config) as client:
        yield client
        if not iconik_target.live:
            return  # the sandbox is thrown away with its module
        for asset_id in iconik_target.created_assets:
            with contextlib.suppress(NotFoundError):
                await client.delete_asset(asset_id)

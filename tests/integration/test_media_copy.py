"""The transfer engine against both sandboxes over HTTP: Orange Logic original/rendition → iconik storage.

Part uploads are counted on the storage emulator itself: a zero-latency fault rule on the part/chunk
``PUT`` path fires once per request that reached it (``GET /_sandbox/faults`` reports how often).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from assetbridge.config import LoadedConfig, load_config
from assetbridge.connectors.iconik.requests import AssetCreate
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.engine.media_copy import (
    TransferMismatchError,
    copy_to_iconik,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
MIB = 1024 * 1024
PART_MIB = 1
SIZE = 6 * MIB + 12345  # 7 parts of 1 MiB (the last short)
PARTS = 7


class Crash(Exception):
    """Stands in for the process dying after some parts were stored."""


def make_loaded(tmp_path: Path, server: Any, **media: Any) -> LoadedConfig:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document.setdefault("flows", {})["media"] = {
        "part_size_mb": PART_MIB,
        "parallel_parts": 3,
        "source_window_mb": 1,
        **media,
    }
    path = tmp_path / "assetbridge.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env = {
        "ASSETBRIDGE_ICONIK_URL": server.urls["iconik"],
        "ASSETBRIDGE_OL_URL": server.urls["orangelogic"],
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
        "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
        "ASSETBRIDGE_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
    }
    return load_config(path, env)


class Stage:
    """A sandbox with one large Orange Logic asset and one empty iconik asset to copy it into."""

    def __init__(self, tmp_path: Path, server: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.tmp_path = tmp_path
        self.server = server
        self.loaded = make_loaded(tmp_path, server)
        info = server.info()
        self.storage = httpx.Client(base_url=info["storage"]["control_url"], timeout=10)
        self.control = httpx.Client(base_url=info["orangelogic"]["control_url"], timeout=10)

    @asynccontextmanager
    async def context(self) -> AsyncIterator[SyncContext]:
        async with open_context(self.loaded) as ctx:
            yield ctx

    async def ol_asset(self, ctx: SyncContext, name: str, size: int) -> tuple[str, str]:
        """Upload ``size`` random bytes as a new Orange Logic asset; its SystemIdentifier and md5."""
        path = self.tmp_path / name
        data = os.urandom(size)
        path.write_bytes(data)
        folder = await ctx.ol.create_folder(f"transfers {name}")
        result = await ctx.ol.uploads.upload(path, folder.record_id)
        path.unlink()
        assert result.system_identifier
        return result.system_identifier, hashlib.md5(data, usedforsecurity=False).hexdigest()

    async def iconik_asset(self, ctx: SyncContext, title: str) -> str:
        return (await ctx.iconik.create_asset(AssetCreate(title=title))).id

    def count_puts(self, path_regex: str) -> None:
        rule = {"kind": "latency", "path": path_regex, "method": "PUT", "latency_ms": 0}
        self.storage.put("/faults", json={"rules": [rule]}).raise_for_status()

    def puts(self) -> int:
        return int(self.storage.get("/faults").json()["fired"][0])

    def advance(self, seconds: float) -> None:
        self.control.post("/clock/advance", json={"seconds": seconds}).raise_for_status()

    def close(self) -> None:
        self.storage.close()
        self.control.close()


@pytest.fixture
def stage_factory(tmp_path: Path, sandbox_factory: Any) -> AsyncIterator[Any]:
    stages: list[Stage] = []

    def make(method: str = "GCS", **overrides: Any) -> Stage:
        server = sandbox_factory(
            iconik={"default_storage_method": method}, storage={"s3_min_part_size": MIB}, **overrides
        )
        stage = Stage(tmp_path / f"stage{len(stages)}", server)
        stages.append(stage)
        return stage

    yield make  # type: ignore[misc]
    for stage in stages:
        stage.close()


async def _file(ctx: SyncContext, asset_id: str, file_id: str) -> dict[str, Any]:
    file = await ctx.iconik.get_file(asset_id, file_id)
    return {"status": file.status, "size": file.size, "checksum": file.checksum}


@pytest.mark.parametrize("method", ["GCS", "S3"])
async def test_original_is_copied_with_its_checksum_and_a_rerun_sends_nothing(
    stage_factory: Any, method: str
) -> None:
    stage = stage_factory(method)
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "master.mov", SIZE)
        asset_id = await stage.iconik_asset(ctx, "master")
        args: dict[str, Any] = {
            "system_identifier": ident,
            "rendition": "original",
            "asset_id": asset_id,
            "role": "original",
            "file_name": "master.mov",
            "content_type": "video/quicktime",
            "key": f"original:{ident}",
        }
        result = await copy_to_iconik(ctx, **args)
        assert (result.size, result.md5, result.parts_resumed) == (SIZE, md5, 0)
        assert result.parts_sent == PARTS
        assert await _file(ctx, asset_id, result.iconik_id) == {
            "status": "CLOSED",
            "size": SIZE,
            "checksum": md5,
        }
        back = stage.tmp_path / "back.bin"
        digests = await ctx.iconik.download_file(asset_id, result.iconik_id, back)
        assert digests.md5 == md5

        again = await copy_to_iconik(ctx, **args)
        assert (again.iconik_id, again.md5, again.parts_sent) == (result.iconik_id, md5, 0)
        files = [f async for f in ctx.iconik.iter_files(asset_id)]
        assert [f.id for f in files] == [result.iconik_id]

        with pytest.raises(TransferMismatchError, match="was used for"):
            await copy_to_iconik(ctx, **{**args, "role": "proxy"})

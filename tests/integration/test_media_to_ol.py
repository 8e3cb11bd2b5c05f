"""iconik → Orange Logic transfers against both sandboxes over HTTP.

Orange Logic upload calls are counted on the emulator itself: a zero-latency fault rule on the upload
path fires once per request that reached it (``GET /_sandbox/faults`` reports how often).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.test_sync_engine import make_loaded as make_sync_loaded

from assetbridge.config import LoadedConfig
from assetbridge.connectors.iconik.requests import AssetCreate, FileCreate
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.engine.media_to_ol import (
    EmptyFileError,
    FieldRejectedError,
    MissingFileError,
    TargetMissingError,
    TransferMismatchError,
    copy_to_orangelogic,
    hash_stream,
)

MIB = 1024 * 1024
CHUNK = 1024 * 1024
THRESHOLD = 2 * MIB


class Crash(Exception):
    """Stands in for the process dying after some chunks were confirmed."""


def make_loaded(tmp_path: Path, server: Any) -> LoadedConfig:
    return make_sync_loaded(tmp_path, server, f"sqlite:///{tmp_path / 'state.db'}")


class Stage:
    def __init__(self, tmp_path: Path, server: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.tmp_path = tmp_path
        self.loaded = make_loaded(tmp_path, server)
        info = server.info()
        self.ol_control = httpx.Client(base_url=info["orangelogic"]["control_url"], timeout=10)
        self.ic_control = httpx.Client(base_url=info["iconik"]["control_url"], timeout=10)

    @asynccontextmanager
    async def context(self) -> AsyncIterator[SyncContext]:
        async with open_context(self.loaded) as ctx:
            yield ctx

    async def iconik_file(self, ctx: SyncContext, name: str, size: int) -> tuple[str, str, str]:
        """A new iconik asset whose original holds ``size`` random bytes: (asset id, file id, md5)."""
        data = os.urandom(size)
        path = self.tmp_path / name
        path.write_bytes(data)
        asset = await ctx.iconik.create_asset(AssetCreate(title=name))
        uploaded = await ctx.iconik.upload_original(asset.id, path, file_name=name, size=size)
        path.unlink()
        return asset.id, uploaded.file.id, hashlib.md5(data, usedforsecurity=False).hexdigest()

    def count(self, path_regex: str) -> None:
        rule = {"kind": "latency", "path": path_regex, "method": "POST", "latency_ms": 0}
        self.ol_control.put("/faults", json={"rules": [rule]}).raise_for_status()

    def counted(self) -> int:
        return int(self.ol_control.get("/faults").json()["fired"][0])

    def ol_asset(self, record_id: str) -> dict[str, Any]:
        response = self.ol_control.get(f"/orangelogic/assets/{record_id}")
        response.raise_for_status()
        return dict(response.json())

    def close(self) -> None:
        self.ol_control.close()
        self.ic_control.close()


@pytest.fixture
def stage(tmp_path: Path, sandbox_factory: Any) -> Iterator[Stage]:
    server = sandbox_factory(orangelogic={"multipart_threshold_bytes": THRESHOLD})
    made = Stage(tmp_path / "stage", server)
    yield made
    made.close()


async def served(ctx: SyncContext, record_id: str) -> tuple[int, str, str]:
    return await hash_stream(ctx.ol.original_reader(record_id).chunks())


async def test_a_file_becomes_a_new_asset_with_fields_then_a_new_version(stage: Stage) -> None:
    async with stage.context() as ctx:
        asset_id, file_id, md5 = await stage.iconik_file(ctx, "cut.mov", 300_000)
        folder = await ctx.ol.create_folder("Reviews")
        stage.count(r"UploadNew(Media|Version)")
        result = await copy_to_orangelogic(
            ctx,
            asset_id=asset_id,
            file_id=file_id,
            file_name="cut.mov",
            folder=folder.record_id,
            fields={"AB.Campaign": "Spring Launch", "AB.Iconik-id": asset_id},
            key="t1",
            multipart_threshold=THRESHOLD,
        )
        assert result.new_asset and not result.multipart
        assert (result.size, result.md5, result.iconik_checksum) == (300_000, md5, md5)
        assert await served(ctx, result.record_id) == (300_000, md5, result.sha256)
        stored = stage.ol_asset(result.record_id)
        assert stored["Fields"]["AB.Campaign"] == "Spring Launch"
        assert stored["Path"] == "Root/Reviews"

        again = await copy_to_orangelogic(
            ctx,
            asset_id=asset_id,
            file_id=file_id,
            file_name="cut.mov",
            folder=folder.record_id,
            key="t1",
        )
        assert again == result
        assert stage.counted() == 1  # the re-run sent nothing

        asset2, file2, md5_2 = await stage.iconik_file(ctx, "cut-v2.mov", 200_000)
        version = await copy_to_orangelogic(
            ctx,
            asset_id=asset2,
            file_id=file2,
            file_name="cut-v2.mov",
            record_id=result.record_id,
            fields={"AB.Campaign": "Summer"},
            key="t2",
        )
        assert not version.new_asset
        assert (version.record_id, version.md5) == (result.record_id, md5_2)
        assert stage.ol_asset(result.record_id)["Version"] == 2
        assert await served(ctx, result.record_id) == (200_000, md5_2, version.sha256)

        with pytest.raises(TransferMismatchError, match="t2"):
            await copy_to_orangelogic(
                ctx, asset_id=asset_id, file_id=file_id, file_name="x", folder=folder.record_id, key="t2"
            )


async def test_above_the_threshold_the_multipart_flow_resumes_after_a_crash(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 5 * MIB + 4321  # 6 chunks of 1 MiB, the last short
    async with stage.context() as ctx:
        asset_id, file_id, md5 = await stage.iconik_file(ctx, "master.mxf", size)
        folder = await ctx.ol.create_folder("Masters")
        args: dict[str, Any] = {
            "asset_id": asset_id,
            "file_id": file_id,
            "file_name": "master.mxf",
            "folder": folder.record_id,
            "fields": {"AB.Campaign": "Archive"},
            "key": "big",
            "multipart_threshold": THRESHOLD,
            "chunk_size": CHUNK,
        }
        real_send = ctx.ol.uploads.send_chunk
        sent: list[int] = []

        async def crash_after_two(item_id: str, data: bytes, start: int, total: int, name: str) -> None:
            if len(sent) == 2:
                raise Crash
            sent.append(start)
            await real_send(item_id, data, start, total, name)

        monkeypatch.setattr(ctx.ol.uploads, "send_chunk", crash_after_two)
        with pytest.raises(Crash):
            await copy_to_orangelogic(ctx, **args)
    # A new process: the same key continues the same upload item, sending only the missing chunks.
    stage.count(r"/upload/item/")
    async with stage.context() as ctx:
        result = await copy_to_orangelogic(ctx, **args)
        assert result.multipart and result.new_asset
        assert (result.size, result.md5) == (size, md5)
        assert stage.counted() == 4
        assert await served(ctx, result.record_id) == (size, md5, result.sha256)
        assert stage.ol_asset(result.record_id)["Fields"]["AB.Campaign"] == "Archive"


async def test_a_corrupted_chunk_is_sent_again(stage: Stage) -> None:
    size = 3 * MIB
    async with stage.context() as ctx:
        asset_id, file_id, md5 = await stage.iconik_file(ctx, "flip.mxf", size)
        folder = await ctx.ol.create_folder("Flip")
        rule = {"kind": "corrupt", "path": "/upload/item/", "method": "POST", "count": 1}
        stage.ol_control.put("/faults", json={"rules": [rule]}).raise_for_status()
        result = await copy_to_orangelogic(
            ctx,
            asset_id=asset_id,
            file_id=file_id,
            file_name="flip.mxf",
            folder=folder.record_id,
            key="flip",
            multipart_threshold=THRESHOLD,
            chunk_size=CHUNK,
        )
        assert stage.ol_control.get("/faults").json()["fired"] == [1]
        assert await served(ctx, result.record_id) == (size, md5, result.sha256)


async def test_orange_logic_imports_from_the_signed_url(stage: Stage) -> None:
    async with stage.context() as ctx:
        asset_id, file_id, md5 = await stage.iconik_file(ctx, "pull.mov", 150_000)
        folder = await ctx.ol.create_folder("Pulled")
        result = await copy_to_orangelogic(
            ctx,
            asset_id=asset_id,
            file_id=file_id,
            file_name="pull.mov",
            folder=folder.record_id,
            fields={"AB.Campaign": "Pulled"},
            key="url",
            via_url=True,
        )
        assert (result.size, result.md5, result.new_asset) == (150_000, md5, True)
        assert stage.ol_asset(result.record_id)["Fields"]["AB.Campaign"] == "Pulled"


async def test_bad_input_names_the_asset_the_file_and_the_value(stage: Stage) -> None:
    async with stage.context() as ctx:
        folder = await ctx.ol.create_folder("Bad")
        asset_id, file_id, _ = await stage.iconik_file(ctx, "fields.mov", 10_000)

        with pytest.raises(FieldRejectedError) as rejected:
            await copy_to_orangelogic(
                ctx,
                asset_id=asset_id,
                file_id=file_id,
                file_name="fields.mov",
                folder=folder.record_id,
                fields={"AB.Campaign": "ok", "AB.No-such-field": "v1"},
                key="unknown-field",
            )
        assert rejected.value.field == "AB.No-such-field" and rejected.value.value == "v1"
        assert asset_id in str(rejected.value) and file_id in str(rejected.value)
        with pytest.raises(FieldRejectedError, match=re.escape("AB.Language = 'xx'")):
            await copy_to_orangelogic(
                ctx,
                asset_id=asset_id,
                file_id=file_id,
                file_name="fields.mov",
                folder=folder.record_id,
                fields={"AB.Language": "xx"},
                key="bad-value",
            )

        with pytest.raises(TargetMissingError, match="NOPE"):
            await copy_to_orangelogic(
                ctx, asset_id=asset_id, file_id=file_id, file_name="f", folder="NOPE", key="no-folder"
            )

        empty = await ctx.iconik.create_asset(AssetCreate(title="empty"))
        zero = await ctx.iconik.create_file(
            empty.id, FileCreate(original_name="zero.mov", size=0, status="CLOSED")
        )
        with pytest.raises(EmptyFileError, match=zero.id):
            await copy_to_orangelogic(
                ctx,
                asset_id=empty.id,
                file_id=zero.id,
                file_name="zero.mov",
                folder=folder.record_id,
                key="zero",
            )

        await ctx.iconik.delete_file(asset_id, file_id)
        with pytest.raises(MissingFileError, match=f"iconik asset {asset_id} file {file_id}"):
            await copy_to_orangelogic(
                ctx,
                asset_id=asset_id,
                file_id=file_id,
                file_name="fields.mov",
                folder=folder.record_id,
                key="deleted",
            )

        gone_asset, gone_file, _ = await stage.iconik_file(ctx, "gone.mov", 1000)
        await ctx.iconik.delete_asset(gone_asset)
        with pytest.raises(MissingFileError, match=gone_asset):
            await copy_to_orangelogic(
                ctx,
                asset_id=gone_asset,
                file_id=gone_file,
                file_name="gone.mov",
                folder=folder.record_id,
                key="purged",
            )

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
from tests.integration.test_sync_engine import make_loaded as make_sync_loaded

from assetbridge.config import LoadedConfig
from assetbridge.connectors.iconik.requests import AssetCreate
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.engine.media_copy import (
    EmptyMediaError,
    MissingMediaError,
    TransferMismatchError,
    TransferProgress,
    copy_to_iconik,
)
from assetbridge.errors import ChecksumError
from assetbridge.state.repositories.transfers import TransfersRepo

MIB = 1024 * 1024
PART_MIB = 1
SIZE = 4 * MIB + 12345  # 5 parts of 1 MiB (the last short)
PARTS = 5
BIG = 8 * MIB + 12345  # 9 parts: a crash after 3 (up to 3 more in flight) always leaves some to send
BIG_PARTS = 9


class Crash(Exception):
    """Stands in for the process dying after some parts were stored."""


def make_loaded(tmp_path: Path, server: Any, **media: Any) -> LoadedConfig:
    def change(document: dict[str, Any]) -> None:
        document["flows"]["media"] = {
            "part_size_mb": PART_MIB,
            "parallel_parts": 3,
            "source_window_mb": 1,
            **media,
        }

    return make_sync_loaded(tmp_path, server, f"sqlite:///{tmp_path / 'state.db'}", change)


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


PART_PUTS = {"GCS": r"^/gcs/", "S3": r"^/s3/"}


@pytest.mark.parametrize("method", ["GCS", "S3"])
async def test_a_crash_mid_transfer_resumes_and_sends_only_the_missing_parts(
    stage_factory: Any, method: str
) -> None:
    stage = stage_factory(method)
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "big.mxf", BIG)
        asset_id = await stage.iconik_asset(ctx, "big")
        args: dict[str, Any] = {
            "system_identifier": ident,
            "rendition": "original",
            "asset_id": asset_id,
            "role": "original",
            "file_name": "big.mxf",
            "content_type": "application/mxf",
            "key": "crash-me",
        }

        async def crash_after_three(progress: TransferProgress) -> None:
            if progress.parts_sent >= 3:
                raise Crash

        with pytest.raises(Crash):
            await copy_to_iconik(ctx, **args, progress=crash_after_three)
        row = await ctx.db_call(_row, ctx, "crash-me")
        stored_before = len(row["parts"]) if method == "S3" else None
        assert row["status"] == "uploading" and row["target_id"]

        stage.count_puts(PART_PUTS[method])
        result = await copy_to_iconik(ctx, **args)
        assert (result.md5, result.size, result.iconik_id) == (md5, BIG, row["target_id"])
        assert result.parts_resumed >= 3 and result.parts_sent >= 1
        assert result.parts_sent + result.parts_resumed == BIG_PARTS
        if method == "S3":  # the storage may hold a part whose row update the crash cut short
            assert stored_before is not None and result.parts_resumed >= stored_before
            assert stage.puts() == result.parts_sent
        else:
            assert result.parts_resumed == 3
            assert stage.puts() == result.parts_sent + 1  # + the one "how much do you hold?" query
        assert await _file(ctx, asset_id, result.iconik_id) == {
            "status": "CLOSED",
            "size": BIG,
            "checksum": md5,
        }
        assert [f.id async for f in ctx.iconik.iter_files(asset_id)] == [result.iconik_id]


def _row(ctx: SyncContext, key: str) -> dict[str, Any]:
    with ctx.db.session() as session:
        row = TransfersRepo(session).get(key)
        assert row is not None
        return {
            "status": row.status,
            "target_id": row.target_id,
            "parts": dict(row.parts),
            "error": row.error,
        }


@pytest.mark.parametrize(("method", "advance"), [("GCS", 700), ("S3", 3700)])
async def test_urls_that_expire_mid_transfer_are_renewed(
    stage_factory: Any, method: str, advance: int
) -> None:
    """Rendition URLs live 600 s; 3700 s also ages out the storage part URLs and the OL token."""
    stage = stage_factory(method, orangelogic={"renditions": "copy"})
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "clip.mp4", 2 * SIZE)
        asset_id = await stage.iconik_asset(ctx, "clip")
        advanced: list[int] = []

        async def age_every_url(progress: TransferProgress) -> None:
            if not advanced and progress.parts_sent:
                advanced.append(progress.parts_sent)
                stage.advance(advance)

        result = await copy_to_iconik(
            ctx,
            system_identifier=ident,
            rendition="Path_WebHigh",
            asset_id=asset_id,
            role="proxy",
            file_name="clip.mp4",
            content_type="video/mp4",
            key="proxy:clip",
            progress=age_every_url,
        )
        assert advanced == [1]
        assert (result.md5, result.size, result.role) == (md5, 2 * SIZE, "proxy")
        assert result.url_refreshes >= (1 if method == "GCS" else 2)
        proxy = await ctx.iconik.get_proxy(asset_id, result.iconik_id)
        assert (proxy.status, proxy.size) == ("CLOSED", 2 * SIZE)
        digests = await ctx.iconik.download_proxy(asset_id, result.iconik_id, stage.tmp_path / "p.mp4")
        assert digests.md5 == md5


async def test_missing_and_empty_media_are_clear_per_asset_errors(stage_factory: Any) -> None:
    stage = stage_factory()
    async with stage.context() as ctx:
        ident, _ = await stage.ol_asset(ctx, "notes.bin", 1000)
        empty, _ = await stage.ol_asset(ctx, "empty.mov", 0)
        asset_id = await stage.iconik_asset(ctx, "target")
        common: dict[str, Any] = {"asset_id": asset_id, "file_name": "x", "content_type": "image/jpeg"}

        with pytest.raises(
            MissingMediaError, match=rf"{ident} \(Path_TR7\) → iconik asset {asset_id}: not available"
        ):
            await copy_to_iconik(
                ctx, system_identifier=ident, rendition="Path_TR7", role="proxy", key="k1", **common
            )
        with pytest.raises(MissingMediaError, match=r"ABR-NOSUCH.*no such Orange Logic asset"):
            await copy_to_iconik(
                ctx, system_identifier="ABR-NOSUCH", rendition="original", role="original", key="k2", **common
            )
        with pytest.raises(EmptyMediaError, match=rf"{empty} \(original\).*0 bytes"):
            await copy_to_iconik(
                ctx, system_identifier=empty, rendition="original", role="original", key="k3", **common
            )
        row = await ctx.db_call(_row, ctx, "k3")
        assert row["status"] == "failed" and "0 bytes" in row["error"]
        assert [f async for f in ctx.iconik.iter_files(asset_id)] == []
        assert [p async for p in ctx.iconik.iter_proxies(asset_id)] == []


async def test_an_upload_the_storage_forgot_is_sent_again_and_a_closed_file_is_not(
    stage_factory: Any,
) -> None:
    stage = stage_factory("S3")
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "gone.mov", SIZE)
        asset_id = await stage.iconik_asset(ctx, "gone")
        args: dict[str, Any] = {
            "system_identifier": ident,
            "rendition": "original",
            "asset_id": asset_id,
            "role": "original",
            "file_name": "gone.mov",
            "content_type": "video/quicktime",
            "key": "forgotten",
        }

        async def crash(progress: TransferProgress) -> None:
            if progress.parts_sent >= 2:
                raise Crash

        with pytest.raises(Crash):
            await copy_to_iconik(ctx, **args, progress=crash)
        with ctx.db.session() as session:
            row = TransfersRepo(session).get("forgotten")
            assert row is not None and row.upload_id and row.target_id
            file_id, upload_id = row.target_id, row.upload_id
        abort_url = await ctx.iconik.multipart_url(asset_id, file_id, upload_id, "abort_url")
        assert httpx.delete(abort_url).status_code == 204

        result = await copy_to_iconik(ctx, **args)
        assert (result.md5, result.parts_sent, result.parts_resumed) == (md5, PARTS, 0)

        # A crash after iconik closed the file but before the state said so: the rerun only checks.
        await ctx.db_call(_reopen, ctx, "forgotten")
        stage.count_puts(".")
        again = await copy_to_iconik(ctx, **args)
        assert (again.iconik_id, again.md5, again.parts_sent, again.parts_resumed) == (
            result.iconik_id,
            md5,
            0,
            PARTS,
        )
        assert stage.puts() == 0
        assert [f.id async for f in ctx.iconik.iter_files(asset_id)] == [result.iconik_id]


def _reopen(ctx: SyncContext, key: str) -> None:
    with ctx.db.unit_of_work() as uow:
        row = TransfersRepo(uow.session).get(key)
        assert row is not None
        row.status = "uploading"


@pytest.mark.parametrize("method", ["GCS", "S3"])
async def test_bytes_damaged_on_the_way_to_storage_are_caught(stage_factory: Any, method: str) -> None:
    """A bit flipped in one upload request: S3 refuses the part (Content-MD5) and it is sent again;
    GCS keeps it, the object's md5 gives it away, and the next run uploads afresh."""
    stage = stage_factory(method)
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "damaged.mov", SIZE)
        asset_id = await stage.iconik_asset(ctx, "damaged")
        rule = {"kind": "corrupt", "path": PART_PUTS[method], "method": "PUT", "count": 1}
        stage.storage.put("/faults", json={"rules": [rule]}).raise_for_status()
        args: dict[str, Any] = {
            "system_identifier": ident,
            "rendition": "original",
            "asset_id": asset_id,
            "role": "original",
            "file_name": "damaged.mov",
            "content_type": "video/quicktime",
            "key": "damaged",
        }
        if method == "GCS":
            with pytest.raises(ChecksumError, match=f"md5 mismatch: expected {md5}"):
                await copy_to_iconik(ctx, **args)
            assert (await ctx.db_call(_row, ctx, "damaged"))["status"] == "failed"
        result = await copy_to_iconik(ctx, **args)
        assert stage.storage.get("/faults").json()["fired"] == [1]
        assert result.md5 == md5
        assert await _file(ctx, asset_id, result.iconik_id) == {
            "status": "CLOSED",
            "size": SIZE,
            "checksum": md5,
        }


async def test_an_upload_cut_with_another_part_size_is_aborted_and_started_again(stage_factory: Any) -> None:
    stage = stage_factory("S3")
    async with stage.context() as ctx:
        ident, md5 = await stage.ol_asset(ctx, "resized.mov", BIG)
        asset_id = await stage.iconik_asset(ctx, "resized")
    args: dict[str, Any] = {
        "system_identifier": ident,
        "rendition": "original",
        "asset_id": asset_id,
        "role": "original",
        "file_name": "resized.mov",
        "content_type": "video/quicktime",
        "key": "resized",
    }

    async def crash(progress: TransferProgress) -> None:
        if progress.parts_sent >= 2:
            raise Crash

    async with stage.context() as ctx:
        with pytest.raises(Crash):
            await copy_to_iconik(ctx, **args, progress=crash)
    assert len(stage.storage.get("/storage/uploads").json()["s3_multipart"]) == 1

    stage.loaded = make_loaded(stage.tmp_path, stage.server, part_size_mb=2)
    async with stage.context() as ctx:
        result = await copy_to_iconik(ctx, **args)
    assert (result.md5, result.parts_resumed, result.parts_sent) == (md5, 0, 5)  # 8 MiB + 12345 in 2 MiB
    assert stage.storage.get("/storage/uploads").json()["s3_multipart"] == []

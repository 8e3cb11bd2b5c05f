"""The archive (job 7) against both sandboxes over HTTP: a completed iconik project into Orange Logic,
with each file's checksums compared (iconik recorded, streamed, served back) and verified later."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import yaml
from pydantic import ValidationError as PydanticValidationError

from assetbridge.config import LoadedConfig, load_config
from assetbridge.config.flows_archive import ArchiveFlow
from assetbridge.connectors.iconik.requests import AssetCreate, CollectionCreate, MetadataWrite
from assetbridge.engine.archive import (
    MANIFEST,
    NotCompletedError,
    archive_project,
    collection_from_event,
    compare,
    find_completed,
    verify_project,
)
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.state.models import AuditEntry
from assetbridge.state.models_archive import ArchiveItem
from assetbridge.state.models_lineage import LineageEvent
from assetbridge.state.repositories.archives import Attestation
from assetbridge.state.types import utcnow

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
PROJECT_VIEW = "AssetBridge Project"


class Crash(Exception):
    """Stands in for the process dying mid-archive."""


class Stage:
    def __init__(self, tmp_path: Path, server: Any) -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.tmp_path = tmp_path
        self.server = server
        info = server.info()
        self.ol_control = httpx.Client(base_url=info["orangelogic"]["control_url"], timeout=10)
        self.loaded = self.load({})
        self.md5: dict[str, str] = {}

    def load(self, archive: dict[str, Any]) -> LoadedConfig:
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        if archive:
            document.setdefault("flows", {})["archive"] = archive
        path = self.tmp_path / "assetbridge.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        self.config_path = path
        return load_config(path, self.env)

    @property
    def env(self) -> dict[str, str]:
        return {
            "ASSETBRIDGE_ICONIK_URL": self.server.urls["iconik"],
            "ASSETBRIDGE_OL_URL": self.server.urls["orangelogic"],
            "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
            "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
            "ASSETBRIDGE_STATE_URL": f"sqlite:///{self.tmp_path / 'state.db'}",
        }

    @asynccontextmanager
    async def context(self) -> AsyncIterator[SyncContext]:
        async with open_context(self.loaded) as ctx:
            yield ctx

    async def setup(self, **archive: Any) -> None:
        """An Orange Logic root folder, then the archive flow configured under it."""
        async with self.context() as ctx:
            root = await ctx.ol.create_folder("Archive")
        self.loaded = self.load({"enabled": True, "root_folder": root.record_id, **archive})

    async def view_id(self, ctx: SyncContext, name: str) -> str:
        return next(v.id for v in await ctx.iconik.list_views() if v.name == name)

    async def project(self, ctx: SyncContext, title: str, values: dict[str, str]) -> str:
        collection = await ctx.iconik.create_collection(CollectionCreate(title=title))
        if values:
            write = MetadataWrite.of({k: [v] for k, v in values.items()})
            await ctx.iconik.put_metadata(
                "collections", collection.id, await self.view_id(ctx, PROJECT_VIEW), write
            )
        return collection.id

    async def asset(self, ctx: SyncContext, collection_id: str, name: str, size: int, keyword: str) -> str:
        data = os.urandom(size)
        path = self.tmp_path / name
        path.write_bytes(data)
        asset = await ctx.iconik.create_asset(AssetCreate(title=name))
        await ctx.iconik.upload_original(asset.id, path, file_name=name, size=size)
        path.unlink()
        write = MetadataWrite.of({"keywords": [keyword]})
        await ctx.iconik.put_metadata("assets", asset.id, await self.view_id(ctx, "AssetBridge"), write)
        await ctx.iconik.add_to_collection(collection_id, asset.id)
        self.md5[asset.id] = hashlib.md5(data, usedforsecurity=False).hexdigest()
        return asset.id

    def count_uploads(self) -> None:
        rule = {"kind": "latency", "path": "UploadNewMedia", "method": "POST", "latency_ms": 0}
        self.ol_control.put("/faults", json={"rules": [rule]}).raise_for_status()

    def uploads(self) -> int:
        return int(self.ol_control.get("/faults").json()["fired"][0])

    def ol_asset(self, record_id: str) -> dict[str, Any]:
        response = self.ol_control.get(f"/orangelogic/assets/{record_id}")
        response.raise_for_status()
        return dict(response.json())

    def ol_file(self, record_id: str) -> bytes:
        stored = self.ol_asset(record_id)
        files = Path(self.server.info()["data_dir"]) / "orangelogic" / "files" / stored["RecordID"]
        return next(files.rglob(stored["FileName"])).read_bytes()

    def close(self) -> None:
        self.ol_control.close()


@pytest.fixture
def stage(tmp_path: Path, sandbox_factory: Any) -> Iterator[Stage]:
    made = Stage(tmp_path / "stage", sandbox_factory(catalog_size=5))
    yield made
    made.close()


SELECT = {"select": {"field": "keywords", "values": ["master", "deliverable"]}}
COMPLETED = {"project_status": "Completed", "project_id": "PRJ-77", "retention_period": "3 years"}


def rows(ctx: SyncContext, model: Any) -> list[Any]:
    with ctx.db.session() as session:
        return list(session.scalars(sa.select(model)))


async def test_a_completed_project_is_archived_attested_and_verified(stage: Stage) -> None:
    await stage.setup(**SELECT)
    async with stage.context() as ctx:
        cid = await stage.project(ctx, "Spring film", COMPLETED)
        master = await stage.asset(ctx, cid, "master.mov", 400_000, "master")
        deliverable = await stage.asset(ctx, cid, "deliverable.mp4", 150_000, "deliverable")
        rushes = await stage.asset(ctx, cid, "rushes.mov", 50_000, "rushes")

        assert [p.collection_id for p in await find_completed(ctx)] == [cid]
        report = await archive_project(ctx, cid)
        outcomes = {o.asset_id: o for o in report.outcomes}
        assert {k: o.outcome for k, o in outcomes.items()} == {
            master: "archived",
            deliverable: "archived",
            rushes: "excluded",
            MANIFEST: "archived",
        }
        assert "keywords is 'rushes'" in (outcomes[rushes].error or "")
        for asset_id in (master, deliverable):
            attestation = outcomes[asset_id].attestation
            assert attestation is not None
            md5 = stage.md5[asset_id]
            assert (attestation.iconik_checksum, attestation.streamed_md5, attestation.served_md5) == (
                md5,
            ) * 3
            assert attestation.streamed_sha256 == attestation.served_sha256
            stored = stage.ol_asset(outcomes[asset_id].record_id or "")
            assert stored["Path"] == "Root/Archive/PRJ-77 Spring film"
            assert stored["Fields"]["AB.Project-id"] == "PRJ-77"
            assert stored["Fields"]["AB.Retention-period"] == "3 years"
            assert stored["Fields"]["AB.Iconik-id"] == asset_id
            assert stored["Fields"]["AB.Archive-date"]
        manifest = stage.ol_asset(outcomes[MANIFEST].record_id or "")
        assert manifest["FileName"] == "PRJ-77-manifest.json"

        audits = [a for a in rows(ctx, AuditEntry) if a.action == "archive_attested"]
        assert {a.details["asset_id"] for a in audits} == {master, deliverable, MANIFEST}
        attested = next(a.details for a in audits if a.details["asset_id"] == master)
        assert attested["iconik_checksum"] == attested["served_md5"] == stage.md5[master]
        assert attested["algorithm"] == "md5+sha256" and attested["size"] == 400_000
        assert attested["iconik_md5_compared"] is True
        lineage = [e for e in rows(ctx, LineageEvent) if e.event == "archived"]
        assert {e.asset_id for e in lineage} == {master, deliverable, None}

        assert await find_completed(ctx) == []  # done: polling leaves it alone
        stage.count_uploads()
        again = await archive_project(ctx, cid)
        assert {o.outcome for o in again.outcomes if o.asset_id != rushes} == {"already_archived"}
        assert stage.uploads() == 0

        project, checks = await verify_project(ctx, "PRJ-77")
        assert project.collection_id == cid and len(checks) == 3 and all(c.ok for c in checks)

        # Someone replaces the archived master in Orange Logic: verify names it.
        changed = stage.tmp_path / "changed.mov"
        changed.write_bytes(os.urandom(1000))
        await ctx.ol.uploads.upload_version(changed, outcomes[master].record_id or "")
        _, checks = await verify_project(ctx, cid)
        bad = [c for c in checks if not c.ok]
        assert [c.asset_id for c in bad] == [master]
        assert "size: attested 400000, now 1000" in (bad[0].problem or "")


async def test_a_byte_corrupted_in_transit_fails_that_asset_only(stage: Stage) -> None:
    await stage.setup()
    async with stage.context() as ctx:
        cid = await stage.project(ctx, "Flip", COMPLETED)
        first = await stage.asset(ctx, cid, "a.mov", 100_000, "master")
        second = await stage.asset(ctx, cid, "b.mov", 100_000, "master")
        rotten = await stage.asset(ctx, cid, "c.mov", 100_000, "master")
        # One byte of c.mov rots in iconik's storage (iconik's recorded md5 stays): caught while streaming.
        with httpx.Client(base_url=stage.server.info()["storage"]["control_url"], timeout=10) as storage:
            listed = storage.get("/storage/objects").json()["objects"]
            key = next(o["key"] for o in listed if rotten in o["key"])
            storage.post(f"/storage/objects/{key}/corrupt", params={"offset": 5000}).raise_for_status()
        rule = {"kind": "corrupt", "path": "UploadNewMedia", "method": "POST", "count": 1}
        stage.ol_control.put("/faults", json={"rules": [rule]}).raise_for_status()
        report = await archive_project(ctx, cid)
        outcomes = {o.asset_id: o for o in report.outcomes}
        assert outcomes[second].outcome == "archived"
        assert outcomes[first].outcome == "failed"
        assert f"checksum mismatch for iconik asset {first}" in (outcomes[first].error or "")
        assert outcomes[rotten].outcome == "failed"
        assert "iconik served other bytes than it recorded" in (outcomes[rotten].error or "")
        assert MANIFEST not in outcomes  # the project is not complete: no manifest yet
        item = next(i for i in rows(ctx, ArchiveItem) if i.asset_id == first)
        assert item.status == "failed" and item.streamed_md5 == stage.md5[first] != item.served_md5
        assert [a.details["asset_id"] for a in rows(ctx, AuditEntry) if a.action == "archive_mismatch"] == [
            first
        ]
        assert {e.asset_id for e in rows(ctx, LineageEvent) if e.event == "archived"} == {second}

        # The next run sends the mismatched one again (a new copy); the rotten source still fails.
        retried = await archive_project(ctx, cid)
        assert {o.asset_id: o.outcome for o in retried.outcomes} == {
            first: "archived",
            second: "already_archived",
            rotten: "failed",
        }
        _, checks = await verify_project(ctx, cid)
        assert [c.asset_id for c in checks if not c.ok] == [rotten]


async def test_a_crash_mid_archive_resumes_without_resending_finished_assets(
    stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await stage.setup()
    async with stage.context() as ctx:
        cid = await stage.project(ctx, "Crash", COMPLETED)
        assets = [await stage.asset(ctx, cid, f"r{i}.mov", 20_000, "master") for i in range(4)]
        real = ctx.ol.uploads.upload_stream
        calls: list[str] = []

        async def crash_on_third(*args: Any, **kwargs: Any) -> Any:
            if len(calls) == 2:
                raise Crash
            calls.append(kwargs["file_name"])
            return await real(*args, **kwargs)

        monkeypatch.setattr(ctx.ol.uploads, "upload_stream", crash_on_third)
        with pytest.raises(Crash):
            await archive_project(ctx, cid)
    stage.count_uploads()
    async with stage.context() as ctx:
        real = ctx.ol.uploads.upload_stream

        async def crash_after_manifest(*args: Any, **kwargs: Any) -> Any:
            result = await real(*args, **kwargs)
            if kwargs["file_name"].endswith("manifest.json"):
                raise Crash  # uploaded, not yet attested
            return result

        monkeypatch.setattr(ctx.ol.uploads, "upload_stream", crash_after_manifest)
        with pytest.raises(Crash):
            await archive_project(ctx, cid)
        assert stage.uploads() == 3  # the two assets left and the manifest; nothing sent twice
    async with stage.context() as ctx:
        report = await archive_project(ctx, cid)
        outcomes = {o.asset_id: o.outcome for o in report.outcomes}
        assert [outcomes[a] for a in assets] == ["already_archived"] * 4
        assert outcomes[MANIFEST] == "archived"  # found in Orange Logic and attested, not sent again
        assert stage.uploads() == 3
        _, checks = await verify_project(ctx, cid)
        assert len(checks) == 5 and all(c.ok for c in checks)
        manifest = next(i for i in rows(ctx, ArchiveItem) if i.asset_id == MANIFEST)
        document = json.loads(stage.ol_file(manifest.record_id or ""))
        assert sorted(a["iconik_asset_id"] for a in document["assets"]) == sorted(assets)
        assert document["project"]["project_id"] == "PRJ-77"


async def test_bad_input_is_a_visible_error(stage: Stage) -> None:
    await stage.setup()
    async with stage.context() as ctx:
        blank = await stage.project(ctx, "No status", {"project_id": "PRJ-1"})
        with pytest.raises(NotCompletedError, match="has no project_status value"):
            await archive_project(ctx, blank)
        active = await stage.project(ctx, "Running", {"project_status": "Active"})
        with pytest.raises(NotCompletedError, match="project_status is 'Active', not one of 'Completed'"):
            await archive_project(ctx, active)
        assert await find_completed(ctx) == []

        cid = await stage.project(ctx, "Deleted file", COMPLETED)
        kept = await stage.asset(ctx, cid, "kept.mov", 10_000, "master")
        gone = await stage.asset(ctx, cid, "gone.mov", 10_000, "master")
        async for file in ctx.iconik.iter_files(gone):
            await ctx.iconik.delete_file(gone, file.id)
        report = await archive_project(ctx, cid)
        outcomes = {o.asset_id: o for o in report.outcomes}
        assert outcomes[kept].outcome == "archived"
        assert outcomes[gone].outcome == "failed"
        assert "no uploaded original file" in (outcomes[gone].error or "")
        _, checks = await verify_project(ctx, cid)
        assert [c.asset_id for c in checks if not c.ok] == [gone]


def test_collection_metadata_events_name_the_collection() -> None:
    event = {"event_type": "collections", "realm": "metadata", "operation": "update", "object_id": "c1"}
    assert collection_from_event(event) == "c1"
    assert collection_from_event({**event, "event_type": "assets"}) is None
    assert collection_from_event({**event, "realm": "contents"}) is None


def test_the_attestation_lists_every_disagreement() -> None:
    good = Attestation("md5+sha256", 10, 10, "a" * 32, "a" * 32, "b" * 64, "a" * 32, "b" * 64, utcnow())
    assert compare(good) == []
    assert compare(replace(good, iconik_checksum="sha1:" + "c" * 40)) == []  # not an md5: not compared
    bad = replace(good, served_size=9, served_md5="d" * 32, iconik_checksum="e" * 32)
    assert compare(bad) == [
        "size: streamed 10 bytes, Orange Logic serves 9",
        f"md5: iconik recorded {'e' * 32}, streamed {'a' * 32}",
        f"md5: streamed {'a' * 32}, Orange Logic serves {'d' * 32}",
    ]


def test_the_archive_config_names_what_is_wrong() -> None:
    with pytest.raises(PydanticValidationError, match="root_folder is required"):
        ArchiveFlow(enabled=True)
    with pytest.raises(PydanticValidationError, match=r"unknown placeholder 'name'.*\{title\}"):
        ArchiveFlow(root_folder="F1", folder_template="{name}")
    flow = ArchiveFlow(enabled=True, root_folder="F1", multipart_threshold_mb=2, chunk_size_mb=1)
    assert (flow.multipart_threshold, flow.chunk_size) == (2 * 1024 * 1024, 1024 * 1024)

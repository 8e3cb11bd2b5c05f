"""The publish flow end to end against both sandboxes over HTTP: proxy-only and original media, idempotent
re-runs, a new Orange Logic version, on_leave, and metadata sync leaving creation to publish."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_sync_engine import Bench, make_loaded

from assetbridge.config import LoadedConfig
from assetbridge.engine.context import open_context
from assetbridge.engine.publish import run_publish
from assetbridge.engine.publish_report import PublishReport
from assetbridge.state import Database
from assetbridge.state.repositories.publications import PublicationRepo

VIDEO_RULE = {"name": "videos", "query": "DocType:Video AND CoreField.Purpose:Public", "media": "proxy"}
IMAGE_RULE = {"name": "images", "query": "DocType:Image", "media": "original"}


def publish_config(*rules: dict[str, Any], **flow: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["flows"]["publish"] = {"enabled": True, "rules": list(rules), **flow}

    return change


class PublishBench(Bench):
    def publish(self, **kwargs: Any) -> PublishReport:
        return publish(self.loaded, **kwargs)

    def asset_by_external(self) -> dict[str, dict[str, Any]]:
        return {a["external_id"]: a for a in self.iconik_assets() if a.get("external_id")}

    def get(self, path: str) -> Any:
        response = self.iconik.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    def proxies(self, asset_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/API/files/v1/assets/{asset_id}/proxies/")["objects"])

    def files(self, asset_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/API/files/v1/assets/{asset_id}/files/")["objects"])

    def keyframes(self, asset_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"/API/files/v1/assets/{asset_id}/keyframes/")["objects"])

    def ol_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        return {r: a for r, a in self.ol_snapshot().items() if a["DocType"] == kind}

    def settled_mark(self) -> int:
        """The event count once iconik's background keyframe jobs are done (no event for 0.3 s)."""
        count = self.mark()
        while True:
            time.sleep(0.3)
            now = self.mark()
            if now == count:
                return now
            count = now

    def writes_since(self, mark: int) -> list[dict[str, Any]]:
        """Every create/update/delete on the iconik event bus since ``mark`` (reads emit nothing)."""
        return [e for e in self.events(mark) if e["operation"] in ("create", "update", "delete")]


def publish(loaded: LoadedConfig, **kwargs: Any) -> PublishReport:
    async def go() -> PublishReport:
        async with open_context(loaded) as ctx:
            return await run_publish(ctx, **kwargs)

    return asyncio.run(go())


def publications(loaded: LoadedConfig) -> list[tuple[str, int, str, str | None]]:
    db = Database(loaded.state_url)
    try:
        with db.session() as session:
            repo = PublicationRepo(session)
            from assetbridge.state.models_publish import Publication

            rows = session.query(Publication).order_by(Publication.id).all()
            assert repo.count() == len(rows)
            return [(r.record_id, r.ol_version, r.status, r.media_id) for r in rows]
    finally:
        db.dispose()


@pytest.fixture
def make_bench(sandbox_factory: Any, tmp_path: Path) -> Any:
    made: list[PublishBench] = []

    def make(change: Any, *, state_url: str | None = None, **sandbox: Any) -> PublishBench:
        # the test's own checks would share the engine's request budget: no rate limit here (bench/ has it)
        sandbox.setdefault("iconik", {"rate_limit": {"enabled": False}})
        server = sandbox_factory(catalog_size=8, media="synthetic", **sandbox)
        url = state_url or f"sqlite:///{tmp_path / f'state{len(made)}.db'}"
        bench = PublishBench(server, make_loaded(tmp_path, server, url, change))
        made.append(bench)
        return bench

    yield make
    for bench in made:
        bench.close()


def wait_for(check: Any, timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_proxy_and_original_publish_once_and_a_rerun_writes_nothing(
    make_bench: Any, request: Any, db: str
) -> None:
    url = request.getfixturevalue("postgres_url") if db == "postgresql" else None
    bench = make_bench(publish_config(VIDEO_RULE, IMAGE_RULE), state_url=url)
    videos, images = bench.ol_kind("Video"), bench.ol_kind("Image")
    assert videos and images
    report = bench.publish()
    assert report.ok, report.to_dict()
    assert report.summary["publish"] == report.summary["created"] == len(videos) + len(images)
    by_external = bench.asset_by_external()
    assert set(by_external) == set(videos) | set(images)
    for record_id, record in videos.items():
        asset = by_external[record_id]
        assert asset["title"] == record["Fields"]["CoreField.Title"]
        assert bench.metadata(asset["id"])["campaign"] == [record["Fields"]["AB.Campaign"]]
        proxies = bench.proxies(asset["id"])
        assert [p["status"] for p in proxies] == ["CLOSED"]
        assert proxies[0]["size"] > 0
        assert bench.files(asset["id"]) == []  # proxy-only: the master stays in Orange Logic
        kinds = wait_for(lambda a=asset: {k["type"] for k in bench.keyframes(a["id"])})
        assert {"KEYFRAME", "POSTER"} <= kinds
    for record_id, record in images.items():
        files = bench.files(by_external[record_id]["id"])
        assert [(f["status"], f["size"]) for f in files] == [("CLOSED", record["FileSize"])]
        assert bench.proxies(by_external[record_id]["id"]) == []
    rows = publications(bench.loaded)
    assert {(r, s) for r, _, s, _ in rows} == {(r, "published") for r in by_external}

    mark = bench.settled_mark()
    for full in (False, True):
        again = bench.publish(full=full)
        assert again.ok
        assert again.summary["up_to_date"] == len(by_external)
        assert again.summary["publish"] == again.summary["created"] == 0
    assert bench.writes_since(mark) == []
    assert publications(bench.loaded) == rows
    assert len(bench.asset_by_external()) == len(by_external)
    history = bench.audit(next(iter(videos)))
    assert [h["action"] for h in history].count("publish") == 1


def test_a_new_orange_logic_version_becomes_a_new_iconik_version_once(
    make_bench: Any, tmp_path: Path
) -> None:
    bench = make_bench(publish_config(VIDEO_RULE))
    assert bench.publish().ok
    record_id, record = next(iter(bench.ol_kind("Video").items()))
    asset_id = bench.asset_by_external()[record_id]["id"]
    first = bench.get(f"/API/assets/v1/assets/{asset_id}/")["versions"]
    assert len(first) == 1

    new_file = tmp_path / "v2.mp4"
    new_file.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"new cut " * 4000)

    async def upload() -> None:
        async with open_context(bench.loaded) as ctx:
            await ctx.ol.uploads.upload_version(new_file, record_id, file_name="v2.mp4")

    asyncio.run(upload())
    assert bench.ol_snapshot()[record_id]["Version"] == 2

    report = bench.publish()
    assert report.ok, report.to_dict()
    outcome = next(o for o in report.outcomes if o.record_id == record_id)
    assert (outcome.action, outcome.ol_version, outcome.created) == ("new_version", 2, False)
    versions = bench.get(f"/API/assets/v1/assets/{asset_id}/")["versions"]
    assert len(versions) == 2
    assert outcome.iconik_version_id in {v["id"] for v in versions} - {v["id"] for v in first}
    proxies = bench.proxies(asset_id)
    assert {p["version_id"] for p in proxies} == {first[0]["id"], outcome.iconik_version_id}
    assert len(bench.asset_by_external()) == len(bench.ol_kind("Video"))

    mark = bench.settled_mark()
    rerun = bench.publish(full=True)
    assert rerun.ok and rerun.summary["new_version"] == 0
    assert [(e["realm"], e["operation"]) for e in bench.writes_since(mark)] == []
    assert len(bench.get(f"/API/assets/v1/assets/{asset_id}/")["versions"]) == 2
    assert [(v, s) for r, v, s, _ in publications(bench.loaded) if r == record_id] == [
        (1, "published"),
        (2, "published"),
    ]
    assert record["Version"] == 1


def test_an_asset_leaving_the_rule_is_unpublished_or_left_by_policy(make_bench: Any) -> None:
    unpublish = {**VIDEO_RULE, "on_leave": "unpublish"}
    leave = {**IMAGE_RULE, "query": "DocType:Image AND CoreField.Purpose:Public", "on_leave": "leave"}
    bench = make_bench(publish_config(unpublish, leave))
    assert bench.publish().ok
    video_id = next(iter(bench.ol_kind("Video")))
    image_id = next(iter(bench.ol_kind("Image")))
    by_external = bench.asset_by_external()
    for record_id in (video_id, image_id):
        identifier = bench.ol_snapshot()[record_id]["SystemIdentifier"]
        bench.ol_update(identifier, "CoreField.Purpose", "Internal")

    incremental = bench.publish()
    assert incremental.summary["unpublish"] == 0  # leaving is noticed by a full pass only
    report = bench.publish(full=True)
    assert report.ok, report.to_dict()
    actions = {o.record_id: o.action for o in report.outcomes}
    assert actions[video_id] == "unpublish"
    assert actions[image_id] == "left"
    gone = bench.iconik.get(f"/API/assets/v1/assets/{by_external[video_id]['id']}/").json()
    assert gone.get("status") == "DELETED" or "errors" in gone
    assert (
        bench.iconik.get(f"/API/assets/v1/assets/{by_external[image_id]['id']}/").json()["status"] == "ACTIVE"
    )
    history = bench.audit(video_id)
    assert [h["action"] for h in history][-1] == "unpublish"
    again = bench.publish(full=True)
    assert again.summary["unpublish"] == 0


def test_with_publish_enabled_the_metadata_sync_creates_nothing(make_bench: Any) -> None:
    bench = make_bench(publish_config(VIDEO_RULE))
    report = bench.sync()
    assert report.ok
    assert report.summary["created"] == 0
    assert bench.asset_by_external() == {}
    assert bench.publish().summary["created"] == len(bench.ol_kind("Video"))
    record_id = next(iter(bench.ol_kind("Video")))
    identifier = bench.ol_snapshot()[record_id]["SystemIdentifier"]
    bench.ol_update(identifier, "AB.Campaign", "Night Run")
    synced = bench.sync()
    assert synced.ok and synced.summary["created"] == 0
    assert bench.metadata(bench.asset_by_external()[record_id]["id"])["campaign"] == ["Night Run"]


def test_a_version_created_before_a_crash_is_adopted_not_created_again(
    make_bench: Any, tmp_path: Path
) -> None:
    bench = make_bench(publish_config(VIDEO_RULE))
    assert bench.publish().ok
    record_id = next(iter(bench.ol_kind("Video")))
    asset_id = bench.asset_by_external()[record_id]["id"]
    first = [v["id"] for v in bench.get(f"/API/assets/v1/assets/{asset_id}/")["versions"]]
    new_file = tmp_path / "v2.mp4"
    new_file.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"second cut " * 3000)

    async def upload() -> None:
        async with open_context(bench.loaded) as ctx:
            await ctx.ol.uploads.upload_version(new_file, record_id, file_name="v2.mp4")

    asyncio.run(upload())
    # the crash: the publication row was written and iconik made the version, but its id was never recorded
    db = Database(bench.loaded.state_url)
    try:
        with db.unit_of_work() as uow:
            link = uow.links.get_by_record_id(record_id)
            assert link is not None
            PublicationRepo(uow.session).start(
                link_id=link.id,
                record_id=record_id,
                asset_id=asset_id,
                rule="videos",
                ol_version=2,
                media_mode="proxy",
                rendition="Path_WebHigh",
                iconik_version_id=None,
                known_version_ids=first,
                needs_version=True,
            )
    finally:
        db.dispose()
    made = bench.iconik.post(f"/API/assets/v1/assets/{asset_id}/versions/", json={})
    assert made.status_code == 200, made.text

    report = bench.publish()
    assert report.ok, report.to_dict()
    outcome = next(o for o in report.outcomes if o.record_id == record_id)
    versions = [v["id"] for v in bench.get(f"/API/assets/v1/assets/{asset_id}/")["versions"]]
    assert len(versions) == 2
    assert outcome.iconik_version_id in set(versions) - set(first)
    assert {p["version_id"] for p in bench.proxies(asset_id)} == {first[0], outcome.iconik_version_id}

"""The metadata sync use-case against both sandboxes over HTTP, on SQLite and PostgreSQL.

Writes are counted on the wire: iconik's event bus (``GET /_sandbox/iconik/events``: metadata, asset and
create events) and Orange Logic's edit dates (``/_sandbox/assets``).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from tests.conftest import iconik_client

from assetbridge.config import LoadedConfig, load_config
from assetbridge.engine.capture import SETTLE
from assetbridge.engine.context import open_context
from assetbridge.engine.sync_pass import PassReport, run_pass
from assetbridge.state import Database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"


class Bench:
    """A seeded sandbox, a config pointing at it, and helpers to act on either side like a user would."""

    def __init__(self, server: Any, loaded: LoadedConfig) -> None:
        self.server = server
        self.loaded = loaded
        info = server.info()
        self.iconik = iconik_client(server)
        self.ol_control = httpx.Client(
            base_url=info["orangelogic"]["control_url"] + "/orangelogic", timeout=10
        )

    def sync(self, *, dry_run: bool = False) -> PassReport:
        async def go() -> PassReport:
            async with open_context(self.loaded) as ctx:
                return await run_pass(ctx, dry_run=dry_run)

        return asyncio.run(go())

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        body = self.iconik.get("/_sandbox/iconik/events", params={"since": since}).json()
        return list(body["objects"])

    def iconik_writes(self, since: int) -> list[dict[str, Any]]:
        """Asset creates, asset updates and metadata writes on the iconik event bus since ``since``."""
        return [
            e
            for e in self.events(since)
            if e["realm"] in ("entity", "metadata") or e["operation"] in ("create", "update")
        ]

    def mark(self) -> int:
        return len(self.events())

    def view_id(self) -> str:
        views = self.iconik.get("/API/metadata/v1/views/").json()["objects"]
        return str(next(v["id"] for v in views if v["name"] == "AssetBridge"))

    def metadata(self, asset_id: str) -> dict[str, list[Any]]:
        body = self.iconik.get(f"/API/metadata/v1/assets/{asset_id}/views/{self.view_id()}/").json()
        return {k: [x["value"] for x in v["field_values"]] for k, v in body["metadata_values"].items()}

    def put_metadata(self, asset_id: str, field: str, values: list[Any]) -> None:
        body = {"metadata_values": {field: {"field_values": [{"value": v} for v in values]}}}
        response = self.iconik.put(f"/API/metadata/v1/assets/{asset_id}/views/{self.view_id()}/", json=body)
        assert response.status_code == 200, response.text

    def patch_asset(self, asset_id: str, **changes: Any) -> None:
        response = self.iconik.patch(f"/API/assets/v1/assets/{asset_id}/", json=changes)
        assert response.status_code == 200, response.text

    def ol_snapshot(self) -> dict[str, dict[str, Any]]:
        return {a["RecordID"]: a for a in self.ol_control.get("/assets").json()["assets"]}

    def ol_update(self, identifier: str, field: str, value: str) -> None:
        from assetbridge.connectors.orangelogic.datatable import set_value
        from assetbridge.engine.context import OL_MODEL

        async def go() -> None:
            async with open_context(self.loaded) as ctx:
                await ctx.ol.datatable.update(
                    OL_MODEL, {"CoreField.Identifier": identifier}, [set_value(field, value)]
                )

        asyncio.run(go())

    def advance(self, seconds: float) -> None:
        self.iconik.post("/_sandbox/clock/advance", json={"seconds": seconds}).raise_for_status()

    def audit(self, identifier: str) -> list[Any]:
        db = Database(self.loaded.state_url)
        try:
            from assetbridge.engine.reports import history

            return history(db, identifier)
        finally:
            db.dispose()

    def iconik_assets(self) -> list[dict[str, Any]]:
        return list(self.iconik.get("/API/assets/v1/assets/", params={"per_page": 500}).json()["objects"])

    def ol_assets(self) -> list[dict[str, Any]]:
        return list(self.ol_control.get("/assets").json()["assets"])

    def close(self) -> None:
        self.iconik.close()
        self.ol_control.close()


def make_loaded(tmp_path: Path, server: Any, state_url: str, change: Any = None) -> LoadedConfig:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    if change is not None:
        change(document)
    path = tmp_path / "assetbridge.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env = {
        "ASSETBRIDGE_ICONIK_URL": server.urls["iconik"],
        "ASSETBRIDGE_OL_URL": server.urls["orangelogic"],
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
        "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
        "ASSETBRIDGE_STATE_URL": state_url,
    }
    mp = pytest.MonkeyPatch()
    for key, value in env.items():
        mp.setenv(key, value)
    try:
        return load_config(path)
    finally:
        mp.undo()


@pytest.fixture(params=["sqlite", "postgresql"])
def state_url(request: Any, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def bench(sandbox_factory: Any, tmp_path: Path, state_url: str) -> Any:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    b = Bench(server, make_loaded(tmp_path, server, state_url))
    yield b
    b.close()


def media_assets(bench: Bench) -> dict[str, dict[str, Any]]:
    """Orange Logic assets in scope (not folders), by RecordID."""
    return {r: a for r, a in bench.ol_snapshot().items() if a["DocType"] not in ("Folder", "Album")}


def linked(bench: Bench, report: PassReport) -> dict[str, str]:
    return {o.record_id: o.asset_id for o in report.outcomes if o.asset_id}


def test_first_sync_creates_exactly_one_asset_per_record_and_a_second_pass_is_quiet(bench: Bench) -> None:
    records = media_assets(bench)
    assert len(records) == 8
    report = bench.sync()
    assert report.ok, report.to_dict()
    assert report.summary["created"] == 8
    by_external = {a["external_id"]: a for a in bench.iconik_assets() if a.get("external_id")}
    assert set(by_external) == set(records)
    record_id, record = next(iter(records.items()))
    asset = by_external[record_id]
    assert asset["title"] == record["Fields"]["CoreField.Title"]
    metadata = bench.metadata(asset["id"])
    assert metadata["campaign"] == [record["Fields"]["AB.Campaign"]]
    assert sorted(metadata["channels"]) == sorted(record["Fields"]["AB.Channels"])
    # the crosswalk is mirrored on the Orange Logic side
    after = bench.ol_snapshot()
    assert {r: after[r]["Fields"]["AB.Iconik-id"] for r in records} == {
        r: by_external[r]["id"] for r in records
    }

    mark, ol_before = bench.mark(), bench.ol_snapshot()
    again = bench.sync()
    assert again.ok
    assert again.summary["created"] == 0
    assert again.summary["writes_iconik"] == again.summary["writes_orangelogic"] == 0
    assert bench.iconik_writes(mark) == []
    assert bench.ol_snapshot() == ol_before
    assert len(bench.iconik_assets()) == 8 + 1  # the seeded production edit is left alone


def test_crash_between_create_and_link_is_recovered_by_search(bench: Bench) -> None:
    record_id = next(iter(media_assets(bench)))
    response = bench.iconik.post(
        "/API/assets/v1/assets/", json={"title": "made before a crash", "external_id": record_id}
    )
    assert response.status_code in (200, 201), response.text
    orphan = response.json()["id"]
    report = bench.sync()
    assert report.ok
    outcome = next(o for o in report.outcomes if o.record_id == record_id)
    assert outcome.asset_id == orphan and outcome.created is False and outcome.linked is True
    assert [a["id"] for a in bench.iconik_assets() if a.get("external_id") == record_id] == [orphan]
    assert any(row["action"] == "link" and "matched" in row["reason"] for row in bench.audit(record_id))


def test_one_sided_edits_flow_once_and_their_echo_is_suppressed(bench: Bench) -> None:
    first = bench.sync()
    pairs = linked(bench, first)
    record_id, asset_id = next(iter(pairs.items()))
    identifier = media_assets(bench)[record_id]["SystemIdentifier"]

    bench.advance(2)
    bench.ol_update(identifier, "AB.Campaign", "Autumn Relaunch")
    mark = bench.mark()
    report = bench.sync()
    assert report.ok
    assert report.summary["writes_iconik"] == 1 and report.summary["writes_orangelogic"] == 0
    assert len(bench.iconik_writes(mark)) == 1
    assert bench.metadata(asset_id)["campaign"] == ["Autumn Relaunch"]

    # the next pass sees our own write come back: nothing written, an "echo" audit row
    mark, ol_before = bench.mark(), bench.ol_snapshot()
    echo = bench.sync()
    assert echo.summary["writes_iconik"] == echo.summary["writes_orangelogic"] == 0
    assert bench.iconik_writes(mark) == [] and bench.ol_snapshot() == ol_before
    assert any(r["action"] == "echo" and r["field"] == "campaign" for r in bench.audit(record_id))

    # and the other way: an iconik edit reaches Orange Logic with one write
    bench.advance(2)
    bench.put_metadata(asset_id, "usage_restrictions", ["Broadcast only"])
    before = bench.ol_snapshot()
    mark = bench.mark()
    report = bench.sync()
    assert report.summary["writes_orangelogic"] == 1 and report.summary["writes_iconik"] == 0
    assert bench.iconik_writes(mark) == []
    after = bench.ol_snapshot()
    changed = [r for r in after if after[r]["Fields"] != before[r]["Fields"]]
    assert changed == [record_id]
    assert after[record_id]["Fields"]["AB.Restrictions"] == "Broadcast only"
    writes = [
        r for r in bench.audit(record_id) if r["action"] == "write" and r["field"] == "usage_restrictions"
    ]
    assert writes[-1]["system"] == "orangelogic" and writes[-1]["after"] == "Broadcast only"


def measured_pass(bench: Bench) -> tuple[PassReport, int, int]:
    """One pass and the HTTP calls it made (attempts, retries included) on each side."""

    async def go() -> tuple[PassReport, int, int]:
        async with open_context(bench.loaded) as ctx:
            ol0, ic0 = ctx.ol.session.attempts, ctx.iconik.api.attempts
            report = await run_pass(ctx)
            return report, ctx.ol.session.attempts - ol0, ctx.iconik.api.attempts - ic0

    return asyncio.run(go())


def wait_for_next_second() -> None:
    time.sleep(1.02 - time.time() % 1)


def test_a_quiet_pass_skips_pairs_already_synced_at_the_same_stamp(bench: Bench) -> None:
    pairs = linked(bench, bench.sync())
    bench.sync()
    records = media_assets(bench)
    edited = sorted(records)[:3]
    for record_id in edited:
        bench.ol_update(records[record_id]["SystemIdentifier"], "AB.Campaign", f"Quiet {record_id}")
    assert bench.sync().summary["writes_iconik"] == 3
    time.sleep(SETTLE.total_seconds() + 0.1)
    settle = bench.sync()  # the echoes of our writes (and the edits, now settled) are read once more
    assert settle.ok and settle.summary["writes_iconik"] == settle.summary["writes_orangelogic"] == 0

    for _ in range(2):
        mark, ol_before = bench.mark(), bench.ol_snapshot()
        report, ol_calls, iconik_calls = measured_pass(bench)
        assert report.ok and report.outcomes == []
        assert (ol_calls, iconik_calls) == (3, 3)
        assert bench.iconik_writes(mark) == [] and bench.ol_snapshot() == ol_before

    # an edit landing in the same second as the read of the version before it is not skipped
    identifier = records[edited[0]]["SystemIdentifier"]
    wait_for_next_second()
    bench.ol_update(identifier, "AB.Campaign", "Same second 1")
    assert bench.sync().summary["writes_iconik"] == 1
    bench.ol_update(identifier, "AB.Campaign", "Same second 2")
    report = bench.sync()
    assert report.ok and report.summary["writes_iconik"] == 1
    assert bench.metadata(pairs[edited[0]])["campaign"] == ["Same second 2"]


def test_a_pair_found_by_the_iconik_feed_is_synced_from_its_search_hit(bench: Bench) -> None:
    """The search hit is the iconik asset as read: one metadata GET more than a quiet pass, no asset GET."""
    pairs = linked(bench, bench.sync())
    time.sleep(SETTLE.total_seconds() + 0.1)
    bench.sync()
    quiet, _, quiet_iconik = measured_pass(bench)
    assert quiet.outcomes == []
    record_id, asset_id = next(iter(pairs.items()))

    bench.advance(2)
    bench.patch_asset(asset_id, title="Retitled in iconik")
    bench.put_metadata(asset_id, "usage_restrictions", ["Web only"])
    report, _, iconik_calls = measured_pass(bench)
    assert report.ok and [o.record_id for o in report.outcomes] == [record_id]
    assert report.summary["writes_orangelogic"] == 2 and report.summary["writes_iconik"] == 0
    assert iconik_calls == quiet_iconik + 1
    fields = bench.ol_snapshot()[record_id]["Fields"]
    assert fields["CoreField.Title"] == "Retitled in iconik" and fields["AB.Restrictions"] == "Web only"


def test_an_edit_later_in_the_cursors_second_is_not_lost_without_lookback(bench: Bench) -> None:
    """Orange Logic edit times have whole seconds: a record with a lower identifier edited later in the
    second the cursor stopped at sorts before the cursor, so the feed must re-read that whole second."""

    def sync_without_lookback() -> PassReport:
        async def go() -> PassReport:
            async with open_context(bench.loaded) as ctx:
                ctx.lookback_seconds = 0
                return await run_pass(ctx)

        return asyncio.run(go())

    pairs = linked(bench, sync_without_lookback())
    records = media_assets(bench)
    low, high = sorted(records, key=lambda r: records[r]["SystemIdentifier"])[:2]
    bench.ol_update(records[high]["SystemIdentifier"], "AB.Campaign", "High")
    assert sync_without_lookback().summary["writes_iconik"] == 1
    bench.ol_update(records[low]["SystemIdentifier"], "AB.Campaign", "Low")
    ol_state = bench.server.orangelogic
    edited = ol_state.records[high].edited
    ol_state.records[low].edited = edited  # the second edit landed in the same second as the first
    report = sync_without_lookback()
    assert report.ok and bench.metadata(pairs[low])["campaign"] == ["Low"]
    assert report.summary["writes_iconik"] == 1

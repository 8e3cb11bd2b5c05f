"""Cursor boundaries and injected faults: nothing lost, nothing duplicated, converged in the end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_sync_engine import Bench, linked, make_loaded, media_assets

from assetbridge.engine.reports import status
from assetbridge.state import Database


@pytest.fixture
def bench(sandbox_factory: Any, tmp_path: Path) -> Any:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    b = Bench(server, make_loaded(tmp_path, server, f"sqlite:///{tmp_path / 'state.db'}"))
    yield b
    b.close()


def faults(bench: Bench, base: str, rules: list[dict[str, Any]]) -> None:
    client = bench.iconik if base == "iconik" else bench.ol_control
    url = (
        "/_sandbox/faults"
        if base == "iconik"
        else str(client.base_url).rsplit("/orangelogic", 1)[0] + "/faults"
    )
    client.put(url, json={"rules": rules}).raise_for_status()


def test_edits_in_the_same_second_as_the_cursor_are_not_lost(bench: Bench) -> None:
    pairs = linked(bench, bench.sync())
    records = media_assets(bench)
    ids = sorted(records, key=lambda r: records[r]["SystemIdentifier"], reverse=True)
    bench.advance(2)
    # the last asset in (time, id) order is edited first and synced: the cursor sits on it...
    bench.ol_update(records[ids[0]]["SystemIdentifier"], "AB.Campaign", "Edit 0")
    assert bench.sync().summary["writes_iconik"] == 1
    # ...then assets sorting *before* it are edited within the same second or the next
    for n, record_id in enumerate(ids[1:4], start=1):
        bench.ol_update(records[record_id]["SystemIdentifier"], "AB.Campaign", f"Edit {n}")
    report = bench.sync()
    assert report.ok and report.summary["writes_iconik"] == 3
    for n, record_id in enumerate(ids[:4]):
        assert bench.metadata(pairs[record_id])["campaign"] == [f"Edit {n}"]


def test_transient_faults_are_retried_and_a_persistent_one_holds_the_cursor(bench: Bench) -> None:
    pairs = linked(bench, bench.sync())
    record_id = next(iter(pairs))
    identifier = media_assets(bench)[record_id]["SystemIdentifier"]
    bench.advance(2)
    bench.ol_update(identifier, "AB.Campaign", "Through the storm")
    faults(
        bench,
        "iconik",
        [{"kind": "status", "path": "/API/metadata/", "method": "PUT", "status": 503, "count": 2}],
    )
    mark = bench.mark()
    report = bench.sync()
    assert report.ok and report.summary["writes_iconik"] == 1
    assert len(bench.iconik_writes(mark)) == 1  # retried, applied once
    assert bench.metadata(pairs[record_id])["campaign"] == ["Through the storm"]

    bench.advance(2)
    bench.ol_update(identifier, "AB.Campaign", "After the outage")
    faults(bench, "iconik", [{"kind": "status", "path": "/API/metadata/", "method": "PUT", "status": 503}])
    failed = bench.sync()
    assert not failed.ok
    [outcome] = [o for o in failed.outcomes if o.error]
    assert outcome.retryable and "503" in (outcome.error or "")
    db = Database(bench.loaded.state_url)
    try:
        assert status(db)["dead_letters"] == 1
    finally:
        db.dispose()
    faults(bench, "iconik", [])
    healed = bench.sync()
    assert healed.ok and healed.summary["writes_iconik"] == 1
    assert bench.metadata(pairs[record_id])["campaign"] == ["After the outage"]
    assert len([a for a in bench.iconik_assets() if a.get("external_id") == record_id]) == 1


def test_a_purged_iconik_asset_tombstones_its_link_and_the_record_is_paired_again(bench: Bench) -> None:
    pairs = linked(bench, bench.sync())
    record_id = next(iter(pairs))
    identifier = media_assets(bench)[record_id]["SystemIdentifier"]
    assert bench.iconik.delete(f"/API/assets/v1/assets/{pairs[record_id]}/").status_code in (200, 204)
    assert bench.iconik.delete(f"/API/assets/v1/assets/{pairs[record_id]}/purge/").status_code in (200, 204)
    bench.advance(2)
    bench.ol_update(identifier, "AB.Campaign", "Orphaned")
    failed = bench.sync()
    assert not failed.ok
    assert any(r["action"] == "tombstone" for r in bench.audit(record_id))
    bench.advance(2)
    bench.ol_update(identifier, "AB.Campaign", "Paired again")
    again = bench.sync()
    assert again.ok and again.summary["created"] == 1
    [asset] = [a for a in bench.iconik_assets() if a.get("external_id") == record_id]
    assert asset["id"] != pairs[record_id]
    assert bench.metadata(asset["id"])["campaign"] == ["Paired again"]

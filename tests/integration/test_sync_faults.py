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


def test_a_storm_of_mixed_faults_on_both_sides_ends_converged_without_duplicates(bench: Bench) -> None:
    """5xx, 429 storms (with and without Retry-After), resets and truncated bodies on both systems during
    a first sync and a round of edits; after the storm, passes repeat until one is clean: every record
    has exactly one iconik asset, every edit arrived, nothing is left to write."""
    records = media_assets(bench)
    storm = [
        {"kind": "status", "status": 503, "probability": 0.08},
        {"kind": "rate_limit", "probability": 0.05, "retry_after": 1},
        {"kind": "rate_limit", "probability": 0.03},
        {"kind": "reset", "probability": 0.04},
        {"kind": "truncate", "probability": 0.04},
    ]
    faults(bench, "iconik", storm)
    faults(bench, "orangelogic", storm)
    reports = [bench.sync() for _ in range(2)]  # some pairs may fail while the storm lasts

    faults(bench, "iconik", [])
    faults(bench, "orangelogic", [])
    pairs: dict[str, str] = {}
    for report in reports:
        pairs.update(linked(bench, report))
    for _ in range(4):
        report = bench.sync()
        pairs.update(linked(bench, report))
        if report.ok and report.summary["created"] == 0:
            break
    by_external: dict[str, list[str]] = {}
    for asset in bench.iconik_assets():
        if asset.get("external_id"):
            by_external.setdefault(asset["external_id"], []).append(asset["id"])
    assert set(by_external) == set(records)
    assert all(len(ids) == 1 for ids in by_external.values()), by_external

    # a round of edits on both sides under the storm, then quiet passes until converged
    bench.advance(2)
    ol_edited = sorted(records)[:3]
    for n, record_id in enumerate(ol_edited):
        bench.ol_update(records[record_id]["SystemIdentifier"], "AB.Campaign", f"Storm OL {n}")
    iconik_edited = sorted(records)[3:6]
    for n, record_id in enumerate(iconik_edited):
        bench.put_metadata(by_external[record_id][0], "campaign", [f"Storm iconik {n}"])
    faults(bench, "iconik", storm)
    faults(bench, "orangelogic", storm)
    bench.sync()
    faults(bench, "iconik", [])
    faults(bench, "orangelogic", [])
    for _ in range(4):
        if bench.sync().ok:
            break
    final = bench.sync()
    assert final.ok and final.summary["writes_iconik"] == final.summary["writes_orangelogic"] == 0
    snapshot = bench.ol_snapshot()
    for n, record_id in enumerate(ol_edited):
        assert bench.metadata(by_external[record_id][0])["campaign"] == [f"Storm OL {n}"]
    for n, record_id in enumerate(iconik_edited):
        assert snapshot[record_id]["Fields"]["AB.Campaign"] == f"Storm iconik {n}"
    assert sum(len(ids) for ids in by_external.values()) == len(records)
    assert len([a for a in bench.iconik_assets() if a.get("external_id")]) == len(records)

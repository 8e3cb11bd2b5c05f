"""Conflicts under each policy, manual resolution, a rejected value, and dry runs, against both sandboxes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from tests.integration.test_sync_engine import Bench, linked, make_loaded, media_assets

from assetbridge.engine.context import open_context
from assetbridge.engine.reports import open_conflicts
from assetbridge.engine.resolve import resolve_conflict
from assetbridge.state import Database


def manual_campaign(document: dict[str, Any]) -> None:
    document["field_map"]["fields"]["campaign"]["policy"] = "manual"


@pytest.fixture
def make_bench(sandbox_factory: Any, tmp_path: Path) -> Any:
    benches: list[Bench] = []

    def make(change: Any = None) -> Bench:
        server = sandbox_factory(catalog_size=8, media="synthetic")
        url = f"sqlite:///{tmp_path / 'state.db'}"
        bench = Bench(server, make_loaded(tmp_path, server, url, change))
        benches.append(bench)
        return bench

    yield make
    for bench in benches:
        bench.close()


def first_pair(bench: Bench) -> tuple[str, str, str]:
    report = bench.sync()
    assert report.ok
    record_id, asset_id = next(iter(linked(bench, report).items()))
    return record_id, media_assets(bench)[record_id]["SystemIdentifier"], asset_id


def test_owner_wins_conflict_writes_the_owners_value_over_the_other(make_bench: Any) -> None:
    bench = make_bench()
    record_id, identifier, asset_id = first_pair(bench)
    bench.advance(2)
    bench.put_metadata(asset_id, "campaign", ["From iconik"])
    bench.ol_update(identifier, "AB.Campaign", "From Orange Logic")  # Orange Logic owns campaign
    report = bench.sync()
    assert report.summary["conflicts_settled"] == 1 and report.summary["writes_iconik"] == 1
    assert bench.metadata(asset_id)["campaign"] == ["From Orange Logic"]
    assert bench.ol_snapshot()[record_id]["Fields"]["AB.Campaign"] == "From Orange Logic"


def test_newest_wins_conflict_takes_the_later_edit(make_bench: Any) -> None:
    bench = make_bench()
    record_id, identifier, asset_id = first_pair(bench)
    bench.advance(2)
    bench.ol_update(identifier, "CoreField.Title", "Older title from Orange Logic")
    bench.advance(5)
    bench.patch_asset(asset_id, title="Newer title from iconik")
    report = bench.sync()
    assert report.summary["conflicts_settled"] == 1
    assert report.summary["writes_orangelogic"] == 1 and report.summary["writes_iconik"] == 0
    assert bench.ol_snapshot()[record_id]["Fields"]["CoreField.Title"] == "Newer title from iconik"
    reasons = [
        r["reason"] for r in bench.audit(record_id) if r["action"] == "write" and r["field"] == "title"
    ]
    assert reasons == ["conflict settled by newest_wins"]


def test_manual_conflict_is_recorded_then_resolved_on_both_sides(make_bench: Any) -> None:
    bench = make_bench(manual_campaign)
    record_id, identifier, asset_id = first_pair(bench)
    bench.advance(2)
    bench.put_metadata(asset_id, "campaign", ["Blue"])
    bench.ol_update(identifier, "AB.Campaign", "Red")
    mark = bench.mark()
    report = bench.sync()
    assert report.ok and report.summary["conflicts_open"] == 1
    assert report.summary["writes_iconik"] == report.summary["writes_orangelogic"] == 0
    assert bench.iconik_writes(mark) == []
    db = Database(bench.loaded.state_url)
    try:
        conflicts = open_conflicts(db)
    finally:
        db.dispose()
    assert [(c["record_id"], c["field"], c["orangelogic"], c["iconik"]) for c in conflicts] == [
        (record_id, "campaign", "Red", "Blue")
    ]

    async def resolve() -> Any:
        async with open_context(bench.loaded) as ctx:
            return await resolve_conflict(ctx, conflicts[0]["id"], "iconik")

    assert asyncio.run(resolve()) == "Blue"
    assert bench.ol_snapshot()[record_id]["Fields"]["AB.Campaign"] == "Blue"
    assert bench.metadata(asset_id)["campaign"] == ["Blue"]
    db = Database(bench.loaded.state_url)
    try:
        assert open_conflicts(db) == []
    finally:
        db.dispose()
    quiet = bench.sync()
    assert quiet.summary["writes_iconik"] == quiet.summary["writes_orangelogic"] == 0
    assert quiet.summary["conflicts_open"] == 0


def test_a_value_orange_logic_refuses_is_a_visible_per_asset_error(make_bench: Any) -> None:
    bench = make_bench()
    record_id, _, asset_id = first_pair(bench)
    field = bench.iconik.get("/API/metadata/v1/fields/language/").json()
    options = [*field["options"], {"label": "Klingon", "value": "tlh"}]
    assert (
        bench.iconik.patch("/API/metadata/v1/fields/language/", json={"options": options}).status_code == 200
    )
    bench.advance(2)
    bench.put_metadata(asset_id, "language", ["tlh"])
    bench.put_metadata(asset_id, "usage_restrictions", ["Web only"])
    report = bench.sync()
    assert not report.ok
    outcome = next(o for o in report.outcomes if o.record_id == record_id)
    assert outcome.plan is not None
    [error] = outcome.plan.errors
    assert error.field == "language" and "tlh" in str(error)
    after = bench.ol_snapshot()[record_id]["Fields"]
    assert after["AB.Restrictions"] == "Web only"  # the other field still went through
    assert after["AB.Language"] != "tlh"
    assert any(r["action"] == "rejected" and r["field"] == "language" for r in bench.audit(record_id))


def test_plan_writes_nothing_and_changes_no_state(make_bench: Any) -> None:
    bench = make_bench()
    mark, before = bench.mark(), bench.ol_snapshot()
    report = bench.sync(dry_run=True)
    assert report.dry_run and report.summary["created"] == 8
    assert report.summary["writes_iconik"] > 0
    assert bench.iconik_writes(mark) == [] and bench.ol_snapshot() == before
    db = Database(bench.loaded.state_url)
    try:
        from assetbridge.engine.reports import status

        data = status(db)
    finally:
        db.dispose()
    assert data["links"] == 0 and data["cursors"] == []
    # a real pass afterwards still does the whole first sync
    assert bench.sync().summary["created"] == 8

"""Publish and rights together: a proxy deleted by a revoke (action delete_proxy) is sent again by the next
publish pass after a renewal, and the lineage table tells the whole story."""

from __future__ import annotations

from typing import Any

from tests.integration.test_publish import VIDEO_RULE, make_bench, publish_config  # noqa: F401 (fixture)
from tests.integration.test_rights_actions import enforce, set_status

from assetbridge.engine.lineage import lineage_page
from assetbridge.state import Database


def test_a_proxy_deleted_by_a_revoke_is_published_again_after_renewal(make_bench: Any) -> None:  # noqa: F811
    def change(document: dict[str, Any]) -> None:
        publish_config(VIDEO_RULE)(document)
        document["flows"]["rights"] = {
            **document["flows"]["rights"],
            "enabled": True,
            "action": "delete_proxy",
        }

    bench = make_bench(change)
    report = bench.publish()
    assert report.ok, report.to_dict()
    outcome = next(o for o in report.outcomes if o.action == "publish")
    record_id, asset_id = outcome.record_id, outcome.asset_id
    assert asset_id is not None
    identifier = bench.ol_snapshot()[record_id]["SystemIdentifier"]
    assert [p["status"] for p in bench.proxies(asset_id)] == ["CLOSED"]

    set_status(bench, identifier, "Withdrawn")
    assert enforce(bench, record_id).outcome == "revoked"
    assert bench.proxies(asset_id) == []
    set_status(bench, identifier, "Approved")
    assert enforce(bench, record_id).outcome == "granted"

    again = bench.publish()  # the renewal is an Orange Logic change: the steady pass sees the record
    assert again.ok, again.to_dict()
    assert {o.record_id: o.action for o in again.outcomes}[record_id] == "publish"
    assert [p["status"] for p in bench.proxies(asset_id)] == ["CLOSED"]
    assert bench.publish().summary["publish"] == 0  # and only once

    db = Database(bench.loaded.state_url)
    try:
        rows = lineage_page(db, after=0, limit=1000, since=None)
    finally:
        db.dispose()
    story = [(r["event"], r["related_kind"]) for r in rows if r["orangelogic_record_id"] == record_id]
    assert story == [
        ("linked", None),
        ("published", "proxy"),
        ("revoked", None),
        ("shared", None),
        ("media_added", "proxy"),
    ]
    assert all(r["iconik_asset_id"] == asset_id for r in rows if r["orangelogic_record_id"] == record_id)

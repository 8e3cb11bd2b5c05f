"""The campaign hand-off end to end: one iconik collection per campaign (created once, recovered after a
crash instead of duplicated), published assets in it, campaign metadata on it, derived assets recorded."""

from __future__ import annotations

from typing import Any

from tests.integration.test_publish import VIDEO_RULE, PublishBench, make_bench

from assetbridge.state import Database
from assetbridge.state.repositories.publications import CampaignRepo

__all__ = ["make_bench"]  # the fixture, imported for this module's tests

COLLECTIONS = "/API/assets/v1/collections/"


def campaign_config(**campaigns: Any) -> Any:
    def change(document: dict[str, Any]) -> None:
        document["flows"]["publish"] = {"enabled": True, "rules": [VIDEO_RULE]}
        document["flows"]["campaigns"] = {"enabled": True, "parent_collection": "Campaigns", **campaigns}

    return change


def collections(bench: PublishBench) -> list[dict[str, Any]]:
    body = bench.get(COLLECTIONS + "?per_page=500")
    return [c for c in body["objects"] if c.get("status") != "DELETED"]


def contents(bench: PublishBench, collection_id: str) -> set[str]:
    body = bench.get(f"{COLLECTIONS}{collection_id}/contents/?per_page=500")
    return {o["id"] for o in body["objects"]}


def derived_rows(bench: PublishBench) -> list[tuple[str, str, str]]:
    db = Database(bench.loaded.state_url)
    try:
        with db.session() as session:
            repo = CampaignRepo(session)
            rows = [d for c in repo.all() for d in repo.derived_from_collection(c.collection_id)]
            return [(r.asset_id, r.source_record_id, r.relation_type) for r in rows]
    finally:
        db.dispose()


def test_one_collection_per_campaign_holding_its_assets_and_made_once(make_bench: Any) -> None:
    bench = make_bench(campaign_config())
    report = bench.publish()
    assert report.ok, report.to_dict()
    videos = bench.ol_kind("Video")
    campaigns = {r: a["Fields"]["AB.Campaign"] for r, a in videos.items()}
    assert len(set(campaigns.values())) < len(campaigns)  # two videos of one campaign, published at once
    titles = [c["title"] for c in collections(bench)]
    assert len(titles) == len(set(titles))  # assets of one campaign published concurrently: one collection
    by_title = {c["title"]: c for c in collections(bench)}
    parent = by_title["Campaigns"]
    external = bench.asset_by_external()
    for campaign in set(campaigns.values()):
        collection = by_title[f"Campaign: {campaign}"]
        assert parent["id"] in (collection.get("parent_id"), *(collection.get("parents") or []))
        members = {external[r]["id"] for r, c in campaigns.items() if c == campaign}
        assert contents(bench, collection["id"]) == members
        body = bench.get(f"/API/metadata/v1/collections/{collection['id']}/views/{bench.view_id()}/")
        assert [v["value"] for v in body["metadata_values"]["campaign"]["field_values"]] == [campaign]
    assert {o.campaign for o in report.outcomes} == set(campaigns.values())

    before = collections(bench)
    mark = bench.settled_mark()
    again = bench.publish(full=True)
    assert again.ok
    assert collections(bench) == before
    assert bench.writes_since(mark) == []


def test_a_collection_made_before_a_crash_is_reused_not_duplicated(make_bench: Any) -> None:
    bench = make_bench(campaign_config(parent_collection=None))
    campaign = next(iter(bench.ol_kind("Video").values()))["Fields"]["AB.Campaign"]
    made = bench.iconik.post(
        COLLECTIONS,
        json={"title": f"Campaign: {campaign}", "external_id": f"assetbridge-campaign:{campaign}"},
    )
    assert made.status_code == 201, made.text
    assert bench.publish().ok
    titles = [c["title"] for c in collections(bench)]
    assert titles.count(f"Campaign: {campaign}") == 1
    assert contents(bench, made.json()["id"])


def test_campaign_from_the_folder_and_a_derived_asset_is_recorded_once(make_bench: Any) -> None:
    bench = make_bench(campaign_config(source="folder", derived_relation_types=["DERIVED_FROM"]))
    assert bench.publish().ok
    record_id, record = next(iter(bench.ol_kind("Video").items()))
    campaign = record["Fields"]["AB.Campaign"]  # the seeded folder is Brand/<campaign>
    collection = next(c for c in collections(bench) if c["title"] == f"Campaign: {campaign}")
    source = bench.asset_by_external()[record_id]["id"]

    def localized(title: str, relation: str) -> str:
        made = bench.iconik.post("/API/assets/v1/assets/", json={"title": title})
        asset_id = str(made.json()["id"])
        added = bench.iconik.post(
            f"{COLLECTIONS}{collection['id']}/contents/",
            json={"object_id": asset_id, "object_type": "assets"},
        )
        assert added.status_code == 201, added.text
        related = bench.iconik.post(f"/API/assets/v1/assets/{asset_id}/relations/{relation}/{source}/")
        assert related.status_code == 201, related.text
        return asset_id

    french = localized("FR cut", "DERIVED_FROM")
    localized("mood board", "RELATED")  # another relation type: not a derived version

    report = bench.publish()
    assert [(d.asset_id, d.source_record_id) for d in report.derived] == [(french, record_id)]
    assert derived_rows(bench) == [(french, record_id, "DERIVED_FROM")]
    assert "derived_recorded" in [h["action"] for h in bench.audit(record_id)]
    assert bench.publish().derived == []
    assert derived_rows(bench) == [(french, record_id, "DERIVED_FROM")]

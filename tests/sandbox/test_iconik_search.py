"""The iconik emulator's search (``POST /API/search/v1/search/``) over real HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer

S = "/API/search/v1/search/"
M = "/API/metadata/v1"
BASE = datetime(2026, 1, 1, tzinfo=UTC)
COUNT = 12  # asset 11 is DELETED


def stamp(dt: datetime) -> str:
    return dt.isoformat(timespec="microseconds")


class Catalog:
    def __init__(self, assets: list[dict[str, Any]], collection: str, parent: str) -> None:
        self.assets = assets
        self.collection = collection
        self.parent = parent

    def ids(self, *indexes: int) -> set[str]:
        return {self.assets[i]["id"] for i in indexes}


@pytest.fixture
def catalog(sandbox: SandboxServer, iconik_http: httpx.Client) -> Catalog:
    for name, kind, extra in (
        ("campaign", "string", {}),
        ("rating", "integer", {}),
        ("approved", "boolean", {}),
        ("tags", "tag_cloud", {"multi": True}),
    ):
        body = {"name": name, "label": name, "field_type": kind, **extra}
        assert iconik_http.post(f"{M}/fields/", json=body).status_code == 201
    view = iconik_http.post(
        f"{M}/views/",
        json={"name": "v", "view_fields": [{"name": n} for n in ("campaign", "rating", "approved", "tags")]},
    ).json()["id"]
    assets = []
    for i in range(COUNT):
        asset = {
            "id": str(uuid.uuid1()),
            "title": f"Sunrise {i:02d}" if i % 2 == 0 else f"City lights {i:02d}",
            "status": "DELETED" if i == 11 else "ACTIVE",
            "type": "ASSET",
            "external_id": f"ol-{i}" if i < 10 else None,
            "date_created": stamp(BASE + timedelta(days=i)),
            "date_modified": stamp(BASE),
            "versions": [{"id": str(uuid.uuid1()), "version_number": 1, "status": "ACTIVE"}],
        }
        sandbox.iconik.assets[asset["id"]] = asset
        values: dict[str, Any] = {
            "campaign": [{"value": "Spring" if i % 3 == 0 else "Summer"}],
            "rating": [{"value": i}],
            "approved": [{"value": i % 2 == 0}],
        }
        if i < 4:
            values["tags"] = [{"value": "hero"}, {"value": f"t{i}"}]
        body = {"metadata_values": {k: {"field_values": v} for k, v in values.items()}}
        assert iconik_http.put(f"{M}/assets/{asset['id']}/views/{view}/", json=body).status_code == 200
        asset["date_modified"] = stamp(BASE + timedelta(hours=i))
        assets.append(asset)
    parent, child = str(uuid.uuid1()), str(uuid.uuid1())
    for cid, title, parent_id in ((parent, "Project", None), (child, "Selects", parent)):
        sandbox.iconik.collections[cid] = {
            "id": cid,
            "title": title,
            "status": "ACTIVE",
            "parent_id": parent_id,
            "date_created": stamp(BASE),
            "date_modified": stamp(BASE),
        }
    sandbox.iconik.collection_contents[child] = [
        {"object_id": assets[i]["id"], "object_type": "assets", "date_created": stamp(BASE)} for i in (0, 1)
    ]
    return Catalog(assets, child, parent)


def hits(http: httpx.Client, body: dict[str, Any], **params: Any) -> list[dict[str, Any]]:
    resp = http.post(S, json={"doc_types": ["assets"], **body}, params={"per_page": 100, **params})
    assert resp.status_code == 200, resp.text
    objects: list[dict[str, Any]] = resp.json()["objects"]
    return objects


def ids_of(http: httpx.Client, body: dict[str, Any]) -> set[str]:
    return {h["id"] for h in hits(http, body)}


def terms(*items: dict[str, Any], operator: str = "AND") -> dict[str, Any]:
    return {"filter": {"operator": operator, "terms": list(items)}}


def test_documents_carry_metadata_collections_and_sort(iconik_http: httpx.Client, catalog: Catalog) -> None:
    [doc] = hits(iconik_http, terms({"name": "id", "value": catalog.assets[0]["id"]}))
    assert doc["object_type"] == "assets" and doc["title"] == "Sunrise 00"
    assert doc["metadata"]["campaign"] == ["Spring"] and doc["metadata"]["rating"] == [0]
    assert doc["metadata"]["tags"] == ["hero", "t0"]
    assert doc["in_collections"] == [catalog.collection]
    assert set(doc["ancestor_collections"]) == {catalog.collection, catalog.parent}
    assert isinstance(doc["_sort"], list) and doc["_sort"][-1] == doc["id"]


def test_deleted_assets_only_when_filtered_by_status(iconik_http: httpx.Client, catalog: Catalog) -> None:
    everything = ids_of(iconik_http, {})
    assert everything == catalog.ids(*range(11))
    deleted = ids_of(iconik_http, terms({"name": "status", "value": "DELETED"}))
    assert deleted == catalog.ids(11)


def test_query_string_subset(iconik_http: httpx.Client, catalog: Catalog) -> None:
    assert ids_of(iconik_http, {"query": "sunrise"}) == catalog.ids(0, 2, 4, 6, 8, 10)
    assert ids_of(iconik_http, {"query": '"city lights 03"'}) == catalog.ids(3)
    assert ids_of(iconik_http, {"query": "title:sun*"}) == catalog.ids(0, 2, 4, 6, 8, 10)
    assert ids_of(iconik_http, {"query": "campaign:Spring"}) == catalog.ids(0, 3, 6, 9)
    assert ids_of(iconik_http, {"query": "metadata.campaign:Spring AND NOT sunrise"}) == catalog.ids(3, 9)
    assert ids_of(iconik_http, {"query": "rating:(1 OR 2)"}) == catalog.ids(1, 2)
    assert ids_of(iconik_http, {"query": "rating:[3 TO 5}"}) == catalog.ids(3, 4)
    assert ids_of(iconik_http, {"query": "!_exists_:external_id"}) == catalog.ids(10)
    assert ids_of(iconik_http, {"query": "hero"}) == catalog.ids(0, 1, 2, 3)
    bad = iconik_http.post(S, json={"query": "(sunrise"})
    assert bad.status_code == 400 and "query" in bad.json()["errors"]


def test_each_filter_term_kind(iconik_http: httpx.Client, catalog: Catalog) -> None:
    assert ids_of(iconik_http, terms({"name": "external_id", "value": "ol-4"})) == catalog.ids(4)
    assert ids_of(iconik_http, terms({"name": "metadata.campaign", "value_in": ["Spring"]})) == catalog.ids(
        0, 3, 6, 9
    )
    assert ids_of(iconik_http, terms({"name": "campaign", "value": "summer"})) == catalog.ids(
        1, 2, 4, 5, 7, 8, 10
    )
    assert ids_of(iconik_http, terms({"name": "rating", "range": {"min": "8"}})) == catalog.ids(8, 9, 10)
    assert ids_of(iconik_http, terms({"name": "approved", "value": "true"})) == catalog.ids(0, 2, 4, 6, 8, 10)
    assert ids_of(iconik_http, terms({"name": "tags", "exists": True})) == catalog.ids(0, 1, 2, 3)
    assert ids_of(iconik_http, terms({"name": "external_id", "missing": True})) == catalog.ids(10)
    assert ids_of(iconik_http, terms({"name": "external_id", "exists": False})) == catalog.ids(10)
    in_coll = terms({"name": "in_collections", "value": catalog.collection})
    assert ids_of(iconik_http, in_coll) == catalog.ids(0, 1)
    ancestors = terms({"name": "ancestor_collections", "value_in": [catalog.parent]})
    assert ids_of(iconik_http, ancestors) == catalog.ids(0, 1)
    either = terms({"name": "rating", "value": "1"}, {"name": "rating", "value": "5"}, operator="OR")
    assert ids_of(iconik_http, either) == catalog.ids(1, 5)
    negated = terms({"name": "campaign", "value": "Summer"}, operator="NOT")
    assert ids_of(iconik_http, negated) == catalog.ids(0, 3, 6, 9)


def test_nested_filters(iconik_http: httpx.Client, catalog: Catalog) -> None:
    body = {
        "filter": {
            "operator": "AND",
            "terms": [{"name": "campaign", "value": "Spring"}],
            "filters": [
                {
                    "operator": "OR",
                    "terms": [{"name": "rating", "value": "0"}, {"name": "rating", "value": "9"}],
                }
            ],
        }
    }
    assert ids_of(iconik_http, body) == catalog.ids(0, 9)


def test_date_modified_range(iconik_http: httpx.Client, catalog: Catalog) -> None:
    window = {"min": stamp(BASE + timedelta(hours=3)), "max": stamp(BASE + timedelta(hours=5))}
    assert ids_of(iconik_http, terms({"name": "date_modified", "range": window})) == catalog.ids(3, 4, 5)
    since = {"min": "2026-01-01T09:00:00Z"}
    assert ids_of(iconik_http, terms({"name": "date_modified", "range": since})) == catalog.ids(9, 10)
    shifted = {"min": "2026-01-01T11:00:00", "timezone": "+02:00"}
    assert ids_of(iconik_http, terms({"name": "date_modified", "range": shifted})) == catalog.ids(9, 10)
    created = {"max": "2026-01-02"}
    assert ids_of(iconik_http, terms({"name": "date_created", "range": created})) == catalog.ids(0, 1)


def test_sort_orders(iconik_http: httpx.Client, catalog: Catalog) -> None:
    by_rating = hits(iconik_http, {"sort": [{"name": "rating", "order": "desc"}]})
    assert [h["metadata"]["rating"][0] for h in by_rating] == list(range(10, -1, -1))
    assert by_rating[0]["_sort"][0] == 10
    by_title = hits(iconik_http, {"sort": [{"name": "title", "order": "asc"}]})
    titles = [h["title"] for h in by_title]
    assert titles == sorted(titles)
    default = hits(iconik_http, {})
    assert default[0]["id"] == catalog.assets[10]["id"]  # newest date_created first


def test_page_envelope_and_past_last_page(iconik_http: httpx.Client, catalog: Catalog) -> None:
    resp = iconik_http.post(S, json={"doc_types": ["assets"]}, params={"per_page": 4, "page": 2})
    body = resp.json()
    assert (body["page"], body["pages"], body["per_page"], body["total"]) == (2, 3, 4, 11)
    assert len(body["objects"]) == 4 and "prev_url" in body and "next_url" in body
    past = iconik_http.post(S, json={"doc_types": ["assets"]}, params={"per_page": 4, "page": 4})
    assert past.status_code == 404 and past.json() == {"errors": ["Requested page does not exist"]}


def test_search_after_walk_has_no_gaps_or_duplicates(iconik_http: httpx.Client, catalog: Catalog) -> None:
    body: dict[str, Any] = {
        "doc_types": ["assets"],
        "sort": [{"name": "date_modified", "order": "asc"}],
        "filter": {"operator": "AND", "terms": [{"name": "date_modified", "range": {"min": stamp(BASE)}}]},
        "search_after": [],
    }
    seen: list[str] = []
    pages = 0
    while True:
        page = iconik_http.post(S, json=body, params={"per_page": 3}).json()
        if not page["objects"]:
            break
        pages += 1
        seen += [h["id"] for h in page["objects"]]
        body["search_after"] = page["objects"][-1]["_sort"]
    assert pages == 4
    assert seen == [a["id"] for a in catalog.assets[:11]]


def test_include_fields_and_collections_doc_type(iconik_http: httpx.Client, catalog: Catalog) -> None:
    [doc] = hits(
        iconik_http,
        {"include_fields": ["title", "metadata.rating"], **terms({"name": "rating", "value": "2"})},
    )
    assert set(doc) == {"id", "object_type", "_sort", "title", "metadata"}
    assert doc["metadata"] == {"rating": [2]}
    resp = iconik_http.post(S, json={"doc_types": ["collections"]}, params={"per_page": 50}).json()
    assert {o["id"] for o in resp["objects"]} == {catalog.collection, catalog.parent}
    assert all(o["object_type"] == "collections" for o in resp["objects"])
    child = next(o for o in resp["objects"] if o["id"] == catalog.collection)
    assert child["ancestor_collections"] == [catalog.parent]


def test_facets_count_values(iconik_http: httpx.Client, catalog: Catalog) -> None:
    body = iconik_http.post(S, json={"doc_types": ["assets"], "facets": ["campaign"]}).json()
    assert body["facets"]["campaign"]["buckets"] == [
        {"key": "Summer", "doc_count": 7},
        {"key": "Spring", "doc_count": 4},
    ]


MALFORMED: list[tuple[dict[str, Any], str]] = [
    ({"filter": {"terms": []}}, "filter.operator"),
    ({"filter": {"operator": "XOR"}}, "filter.operator"),
    ({"filter": {"operator": "AND", "terms": [{"value": "x"}]}}, "filter.terms.0.name"),
    ({"filter": {"operator": "AND", "terms": [{"name": "x"}]}}, "filter.terms.0"),
    (
        {"filter": {"operator": "AND", "terms": [{"name": "date_modified", "range": {"min": "soon"}}]}},
        "filter.terms.0.range",
    ),
    ({"filter": "status:ACTIVE"}, "filter"),
    ({"doc_types": ["files"]}, "doc_types.0"),
    ({"sort": [{"name": "title", "order": "up"}]}, "sort.0.order"),
    ({"search_after": "abc"}, "search_after"),
    ({"query": 5}, "query"),
]


def test_malformed_criteria_are_400(iconik_http: httpx.Client) -> None:
    for body, path in MALFORMED:
        resp = iconik_http.post(S, json=body)
        assert resp.status_code == 400, (body, resp.text)
        assert list(resp.json()["errors"]) == [path], body


def test_assets_made_through_the_api_are_searchable_with_metadata(iconik_http: httpx.Client) -> None:
    assert (
        iconik_http.post(
            f"{M}/fields/", json={"name": "lang", "label": "Lang", "field_type": "string"}
        ).status_code
        == 201
    )
    view = iconik_http.post(f"{M}/views/", json={"name": "v", "view_fields": [{"name": "lang"}]}).json()["id"]
    asset = iconik_http.post(
        "/API/assets/v1/assets/", json={"title": "Made by API", "external_id": "ol-77"}
    ).json()
    project = iconik_http.post("/API/assets/v1/collections/", json={"title": "Project"}).json()
    child = iconik_http.post(
        "/API/assets/v1/collections/", json={"title": "Cut", "parent_id": project["id"]}
    ).json()
    added = iconik_http.post(
        f"/API/assets/v1/collections/{child['id']}/contents/",
        json={"object_id": asset["id"], "object_type": "assets"},
    )
    assert added.status_code == 201, added.text
    before = iconik_http.get(f"/API/assets/v1/assets/{asset['id']}/").json()["date_modified"]
    values = {"metadata_values": {"lang": {"field_values": [{"value": "fr"}]}}}
    assert iconik_http.put(f"{M}/assets/{asset['id']}/views/{view}/", json=values).status_code == 200
    after = iconik_http.get(f"/API/assets/v1/assets/{asset['id']}/").json()["date_modified"]
    assert after > before
    [doc] = hits(
        iconik_http,
        terms({"name": "external_id", "value": "ol-77"}, {"name": "metadata.lang", "value": "fr"}),
    )
    assert doc["id"] == asset["id"] and doc["metadata"] == {"lang": ["fr"]} and doc["date_modified"] == after
    assert doc["versions_number"] == 1 and doc["in_collections"] == [child["id"]]
    assert set(doc["ancestor_collections"]) == {child["id"], project["id"]}
    since = terms({"name": "date_modified", "range": {"min": after}})
    assert [h["id"] for h in hits(iconik_http, since)] == [asset["id"]]
    assert iconik_http.delete(f"/API/assets/v1/assets/{asset['id']}/").status_code == 204
    assert hits(iconik_http, terms({"name": "external_id", "value": "ol-77"})) == []

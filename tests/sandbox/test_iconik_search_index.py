"""The iconik emulator's indexed searches (``external_id`` lookups, ``date_modified`` windows with
``search_after``) answer exactly what a full scan answers, while assets change under them.

A search with ``"query": "*"`` matches everything but always takes the full-scan path, so it is the
reference each indexed answer is compared with.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from assetbridge_sandbox.iconik.search_index import AssetTable, IndexedAsset, instant_key
from assetbridge_sandbox.server import SandboxServer

S = "/API/search/v1/search/"
A = "/API/assets/v1/assets"
M = "/API/metadata/v1"
ORDER = [{"name": "date_modified", "order": "asc"}, {"name": "id", "order": "asc"}]


def walk(client: httpx.Client, body: dict[str, Any], per_page: int) -> tuple[list[list[Any]], list[int]]:
    """Every hit's ``_sort`` through ``search_after`` pages, and the ``total`` each page reported."""
    sorts: list[list[Any]] = []
    totals: list[int] = []
    cursor: list[Any] | None = None
    while True:
        page_body = {**body, **({"search_after": cursor} if cursor else {})}
        response = client.post(S, json=page_body, params={"per_page": per_page})
        assert response.status_code == 200, response.text
        page = response.json()
        totals.append(page["total"])
        sorts += [hit["_sort"] for hit in page["objects"]]
        if len(page["objects"]) < per_page:
            return sorts, totals
        cursor = page["objects"][-1]["_sort"]


def same_as_full_scan(client: httpx.Client, body: dict[str, Any], per_page: int = 4) -> list[list[Any]]:
    indexed = walk(client, body, per_page)
    assert indexed == walk(client, {**body, "query": "*"}, per_page)
    return indexed[0]


def window(low: datetime) -> dict[str, Any]:
    return {"operator": "AND", "terms": [{"name": "date_modified", "range": {"min": low.isoformat()}}]}


def by_external_id(value: str) -> dict[str, Any]:
    return {"operator": "AND", "terms": [{"name": "external_id", "value": value}]}


def test_indexed_searches_answer_what_a_full_scan_answers(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    field = {"name": "campaign", "label": "campaign", "field_type": "string"}
    assert iconik_http.post(f"{M}/fields/", json=field).status_code == 201
    view = iconik_http.post(f"{M}/views/", json={"name": "v", "view_fields": [{"name": "campaign"}]}).json()
    ids = []
    for i in range(14):
        created = iconik_http.post(f"{A}/", json={"title": f"a{i}", "external_id": f"OL-{i % 12}"})
        ids.append(created.json()["id"])
        if i % 5 == 4:
            sandbox.clock.advance(1)
    start = sandbox.clock.now()
    sandbox.clock.advance(2)
    body = {"metadata_values": {"campaign": {"field_values": [{"value": "Spring"}]}}}
    for asset_id in ids[3:6]:  # a metadata change moves the asset to the end of the date order
        assert iconik_http.put(f"{M}/assets/{asset_id}/views/{view['id']}/", json=body).status_code == 200
    assert iconik_http.patch(f"{A}/{ids[6]}/", json={"external_id": "MOVED"}).status_code == 200
    assert iconik_http.delete(f"{A}/{ids[7]}/").status_code == 204
    assert iconik_http.delete(f"{A}/{ids[8]}/purge/").status_code == 204
    hand_made = {  # put straight into the state and edited in place: searches still see it
        "id": str(uuid.uuid4()),
        "title": "hand made",
        "status": "ACTIVE",
        "external_id": "OL-1",
        "date_modified": start.isoformat(),
    }
    sandbox.iconik.assets[hand_made["id"]] = hand_made
    hand_made["date_modified"] = (start + timedelta(seconds=1)).isoformat()

    everything = same_as_full_scan(iconik_http, {"doc_types": ["assets"], "sort": ORDER})
    assert len(everything) == 13  # 14 made + 1 by hand - 1 deleted - 1 purged
    changed = same_as_full_scan(
        iconik_http, {"doc_types": ["assets"], "sort": ORDER, "filter": window(start)}
    )
    assert {s[1] for s in changed} == {*ids[3:7], hand_made["id"]}
    assert changed[0][1] == hand_made["id"]  # sorted by its date among the indexed ones
    same_as_full_scan(iconik_http, {"doc_types": ["assets"], "filter": window(start)}, per_page=2)
    for value, expected in (
        ("OL-1", {ids[1], ids[13], hand_made["id"]}),
        ("MOVED", {ids[6]}),
        ("OL-6", set()),
    ):
        found = same_as_full_scan(iconik_http, {"doc_types": ["assets"], "filter": by_external_id(value)})
        assert {s[-1] for s in found} == expected
    deleted = {"operator": "AND", "terms": [{"name": "status", "value": "DELETED"}]}
    assert [s[-1] for s in same_as_full_scan(iconik_http, {"doc_types": ["assets"], "filter": deleted})] == [
        ids[7]
    ]


def test_the_table_keeps_its_indexes_in_step() -> None:
    table = AssetTable()
    when = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assets = []
    for i in range(5):
        asset = IndexedAsset(
            id=f"id-{i}", external_id=f"X-{i % 2}", date_modified=(when + timedelta(seconds=i)).isoformat()
        )
        table[asset["id"]] = asset
        assets.append(asset)
    assert table.with_external_id("x-1") == {"id-1", "id-3"}  # compared as filter terms compare: lower case
    assets[1]["external_id"] = "Y"
    assets[3].update(date_modified=(when + timedelta(seconds=10)).isoformat())
    del table["id-0"]
    assert table.with_external_id("X-1") == {"id-3"} and table.with_external_id("Y") == {"id-1"}
    assert list(table.modified_between(None, None)) == ["id-1", "id-2", "id-4", "id-3"]
    low = instant_key((when + timedelta(seconds=2)).isoformat())
    assert list(table.modified_between(low, low)) == ["id-2"]
    assets[0]["external_id"] = "X-1"  # no longer in the table: changes nothing there
    assert table.with_external_id("X-1") == {"id-3"}
    assets[2]["date_modified"] = "2026-12-04T10:00:00"  # no offset: cannot be placed in one order
    assert not table.in_modified_order() and "id-2" not in list(table.modified_between(None, None))
    copied = copy.deepcopy(assets[4])
    assert type(copied) is dict and copied == assets[4]

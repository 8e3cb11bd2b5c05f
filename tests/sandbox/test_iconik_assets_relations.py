"""The iconik emulator's asset relations: create (both forms), repeat, list both directions, delete."""

from __future__ import annotations

import httpx

ASSETS = "/API/assets/v1/assets/"
MISSING = "00000000-0000-1000-8000-000000000000"


def asset(client: httpx.Client, title: str) -> str:
    response = client.post(ASSETS, json={"title": title})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_relations_are_created_once_listed_from_both_ends_and_deleted(iconik_http: httpx.Client) -> None:
    source, derived, other = (
        asset(iconik_http, "master"),
        asset(iconik_http, "FR cut"),
        asset(iconik_http, "x"),
    )
    created = iconik_http.post(
        f"{ASSETS}{derived}/relations/", json={"relation_type": "DERIVED_FROM", "related_to_asset_id": source}
    )
    assert created.status_code == 201, created.text
    relation = created.json()
    assert (relation["asset_id"], relation["related_to_asset_id"]) == (derived, source)
    again = iconik_http.post(f"{ASSETS}{derived}/relations/DERIVED_FROM/{source}/", json={})
    assert again.status_code == 200
    assert again.json()["id"] == relation["id"]
    typed = iconik_http.post(f"{ASSETS}{other}/relations/RELATED/{source}/")
    assert typed.status_code == 201

    from_source = iconik_http.get(f"{ASSETS}{source}/relations/").json()
    assert {r["asset_id"] for r in from_source["objects"]} == {derived, other}
    only = iconik_http.get(f"{ASSETS}{source}/relations/DERIVED_FROM/").json()["objects"]
    assert [r["id"] for r in only] == [relation["id"]]
    assert iconik_http.get(f"{ASSETS}{derived}/relations/").json()["total"] == 1

    assert iconik_http.delete(f"{ASSETS}{derived}/relations/DERIVED_FROM/{source}/").status_code == 204
    assert iconik_http.get(f"{ASSETS}{derived}/relations/").json()["total"] == 0
    assert iconik_http.delete(f"{ASSETS}{derived}/relations/DERIVED_FROM/{source}/").status_code == 404


def test_relation_to_itself_or_a_missing_asset_is_refused(iconik_http: httpx.Client) -> None:
    one = asset(iconik_http, "one")
    body = {"relation_type": "DERIVED_FROM", "related_to_asset_id": one}
    assert iconik_http.post(f"{ASSETS}{one}/relations/", json=body).status_code == 400
    body["related_to_asset_id"] = MISSING
    assert iconik_http.post(f"{ASSETS}{one}/relations/", json=body).status_code == 404
    assert iconik_http.post(f"{ASSETS}{one}/relations/", json={"relation_type": "X"}).status_code == 400

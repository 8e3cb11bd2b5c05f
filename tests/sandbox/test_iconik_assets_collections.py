"""The iconik emulator's collections: CRUD, tree, contents, contents events, delete (202) and restore."""

from __future__ import annotations

from typing import Any

import httpx

from assetbridge_sandbox.server import SandboxServer

ASSETS = "/API/assets/v1/assets/"
COLLECTIONS = "/API/assets/v1/collections/"
MISSING = "00000000-0000-1000-8000-000000000000"


def post(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_collection_crud(iconik_http: httpx.Client) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Promos", "external_id": "ol-folder-1"})
    assert collection["is_root"] is True
    assert collection["object_type"] == "collections"
    assert collection["status"] == "ACTIVE"
    url = f"{COLLECTIONS}{collection['id']}/"
    assert iconik_http.get(url).json()["title"] == "Promos"
    patched = iconik_http.patch(url, json={"title": "Promos 2025"})
    assert patched.status_code == 200
    assert patched.json()["external_id"] == "ol-folder-1"
    assert iconik_http.put(url, json={"category": "x"}).status_code == 400
    assert iconik_http.get(f"{COLLECTIONS}{MISSING}/").json() == {"errors": ["Collection does not exist"]}
    bad = iconik_http.post(COLLECTIONS, json={"title": "x", "status": "OPEN"})
    assert bad.json() == {"errors": {"status": ["Must be one of: ACTIVE, HIDDEN, DELETED."]}}


def test_sub_collections_and_parents(iconik_http: httpx.Client) -> None:
    root = post(iconik_http, COLLECTIONS, {"title": "Root"})
    child = post(iconik_http, COLLECTIONS, {"title": "Child", "parent_id": root["id"]})
    grandchild = post(iconik_http, COLLECTIONS, {"title": "Grandchild", "parent_id": child["id"]})
    assert child["is_root"] is False
    assert child["in_collections"] == [root["id"]]
    assert grandchild["parents"] == [root["id"], child["id"]]
    roots = iconik_http.get(COLLECTIONS, params={"is_root": "true"}).json()
    assert [c["id"] for c in roots["objects"]] == [root["id"]]
    contents = iconik_http.get(f"{COLLECTIONS}{root['id']}/contents/").json()
    assert [(o["id"], o["object_type"]) for o in contents["objects"]] == [(child["id"], "collections")]
    cycle = iconik_http.patch(f"{COLLECTIONS}{root['id']}/", json={"parent_id": grandchild["id"]})
    assert cycle.status_code == 400
    unknown_parent = iconik_http.post(COLLECTIONS, json={"title": "x", "parent_id": MISSING})
    assert unknown_parent.status_code == 404


def test_contents_add_list_filter_remove(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Box"})
    contents = f"{COLLECTIONS}{collection['id']}/contents/"
    first = post(iconik_http, ASSETS, {"title": "One", "external_id": "ext-1"})
    second = post(iconik_http, ASSETS, {"title": "Two", "external_id": "ext-2"})
    for asset in (first, second):
        added = iconik_http.post(contents, json={"object_id": asset["id"], "object_type": "assets"})
        assert added.status_code == 201
        assert added.json()["collection_id"] == collection["id"]

    listed = iconik_http.get(contents).json()
    assert [o["id"] for o in listed["objects"]] == [first["id"], second["id"]]
    assert listed["objects"][0]["in_collections"] == [collection["id"]]
    by_external = iconik_http.get(contents, params={"external_id": "ext-2"}).json()
    assert [o["id"] for o in by_external["objects"]] == [second["id"]]
    with_collections = iconik_http.get(
        f"{ASSETS}{first['id']}/", params={"include_collections": "true"}
    ).json()
    assert with_collections["in_collections"] == [collection["id"]]
    assert "in_collections" not in iconik_http.get(f"{ASSETS}{first['id']}/").json()

    removed = iconik_http.delete(f"{contents}assets/{first['id']}/")
    assert removed.status_code == 204
    assert iconik_http.get(contents).json()["total"] == 1
    again = iconik_http.delete(f"{contents}assets/{first['id']}/")
    assert again.status_code == 404

    realm = [(e.operation, e.object_id, e.data) for e in sandbox.iconik.events if e.realm == "contents"]
    assert [(op, oid) for op, oid, _ in realm] == [
        ("create", first["id"]),
        ("create", second["id"]),
        ("delete", first["id"]),
    ]
    data = realm[0][2]
    assert set(data) == {"collection_id", "date_created", "object_id", "object_type", "parents"}
    assert data["collection_id"] == collection["id"]
    assert data["object_type"] == "assets"


def test_contents_errors(iconik_http: httpx.Client) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Box"})
    contents = f"{COLLECTIONS}{collection['id']}/contents/"
    missing_asset = iconik_http.post(contents, json={"object_id": MISSING, "object_type": "assets"})
    assert missing_asset.json() == {"errors": ["Asset does not exist"]}
    wrong_type = iconik_http.post(contents, json={"object_id": MISSING, "object_type": "files"})
    assert wrong_type.json() == {"errors": {"object_type": ["Must be one of: assets, collections."]}}
    no_id = iconik_http.post(contents, json={"object_type": "assets"})
    assert no_id.json() == {"errors": {"object_id": ["Missing data for required field."]}}
    unknown = iconik_http.get(f"{COLLECTIONS}{MISSING}/contents/")
    assert unknown.status_code == 404


def test_create_asset_into_collection(iconik_http: httpx.Client) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Inbox"})
    asset = iconik_http.post(
        ASSETS,
        params={"assign_to_collection": "true"},
        json={"title": "New", "collection_id": collection["id"]},
    )
    assert asset.status_code == 201
    assert asset.json()["in_collections"] == [collection["id"]]
    assert "collection_id" not in asset.json()
    listed = iconik_http.get(f"{COLLECTIONS}{collection['id']}/contents/").json()
    assert [o["id"] for o in listed["objects"]] == [asset.json()["id"]]
    missing = iconik_http.post(ASSETS, params={"assign_to_collection": "true"}, json={"title": "New"})
    assert missing.status_code == 400
    assert missing.json() == {"errors": {"collection_id": ["Missing data for required field."]}}


def test_delete_collection_is_202_then_restore_and_purge(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Old"})
    url = f"{COLLECTIONS}{collection['id']}/"
    deleted = iconik_http.delete(url)
    assert deleted.status_code == 202
    assert iconik_http.get(url).json()["status"] == "DELETED"
    assert iconik_http.get(COLLECTIONS).json()["total"] == 0
    assert iconik_http.get(COLLECTIONS, params={"status": "DELETED"}).json()["total"] == 1
    queue = iconik_http.get("/API/assets/v1/delete_queue/collections/").json()
    assert [c["id"] for c in queue["objects"]] == [collection["id"]]
    assert iconik_http.put(f"{url}restore/").status_code == 201
    assert iconik_http.get(url).json()["status"] == "ACTIVE"
    assert iconik_http.delete(f"{url}purge/").status_code == 202
    assert iconik_http.get(url).status_code == 404
    ops = [
        e.operation for e in sandbox.iconik.events if e.realm == "entity" and e.event_type == "collections"
    ]
    assert ops == ["create", "delete", "restore", "purge"]


def test_bulk_delete_collections_and_queue_restore(iconik_http: httpx.Client) -> None:
    ids = [post(iconik_http, COLLECTIONS, {"title": f"C{i}"})["id"] for i in range(2)]
    bulk = iconik_http.post(
        "/API/assets/v1/delete_queue/bulk/", json={"object_ids": ids, "object_type": "collections"}
    )
    assert bulk.status_code == 202
    assert iconik_http.get(COLLECTIONS).json()["total"] == 0
    queue = "/API/assets/v1/delete_queue/collections/"
    assert iconik_http.request("DELETE", queue, json={"ids": [ids[0]]}).status_code == 201
    assert iconik_http.post(f"{queue}purge/", json={"ids": [ids[1]]}).status_code == 201
    assert [c["id"] for c in iconik_http.get(COLLECTIONS).json()["objects"]] == [ids[0]]
    assert iconik_http.get(f"{COLLECTIONS}{ids[1]}/").status_code == 404


def test_contents_pagination(iconik_http: httpx.Client) -> None:
    collection = post(iconik_http, COLLECTIONS, {"title": "Many"})
    contents = f"{COLLECTIONS}{collection['id']}/contents/"
    for i in range(3):
        asset = post(iconik_http, ASSETS, {"title": f"A{i}"})
        iconik_http.post(contents, json={"object_id": asset["id"], "object_type": "assets"})
    page = iconik_http.get(contents, params={"per_page": 2}).json()
    assert page["pages"] == 2
    last = iconik_http.get(page["next_url"]).json()
    assert len(last["objects"]) == 1
    assert "next_url" not in last
    assert iconik_http.get(contents, params={"per_page": 2, "page": 3}).status_code == 404

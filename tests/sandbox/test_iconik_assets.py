"""The iconik emulator's assets, versions and delete queue, over real HTTP against a running sandbox."""

from __future__ import annotations

from typing import Any

import httpx

from assetbridge_sandbox.server import SandboxServer

ASSETS = "/API/assets/v1/assets/"
MISSING = "00000000-0000-1000-8000-000000000000"


def create(client: httpx.Client, title: str = "Clip", **fields: Any) -> dict[str, Any]:
    response = client.post(ASSETS, json={"title": title, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def advance(sandbox: SandboxServer, seconds: float) -> None:
    assert httpx.post(
        f"{sandbox.urls['iconik']}/_sandbox/clock/advance", json={"seconds": seconds}
    ).is_success


def events(sandbox: SandboxServer, realm: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (e.event_type, e.operation, e.object_id, e.data) for e in sandbox.iconik.events if e.realm == realm
    ]


def test_create_returns_asset_with_one_version(iconik_http: httpx.Client) -> None:
    asset = create(iconik_http, "My New Asset", type="ASSET", is_online=True, external_id="OL-1")
    assert asset["title"] == "My New Asset"
    assert asset["status"] == "ACTIVE"
    assert asset["external_id"] == "OL-1"
    assert asset["is_online"] is True
    assert asset["date_created"] == asset["date_modified"]
    assert asset["date_created"].endswith("+00:00")
    [version] = asset["versions"]
    assert asset["default_version_id"] == version["id"]
    assert version["status"] == "ACTIVE"
    assert version["version_number"] == 1
    assert iconik_http.get(f"{ASSETS}{asset['id']}/").json() == asset


def test_external_id_may_repeat(iconik_http: httpx.Client) -> None:
    first = create(iconik_http, external_id="dup")
    second = create(iconik_http, external_id="dup")
    assert first["id"] != second["id"]


def test_create_validation_errors_are_per_field(iconik_http: httpx.Client) -> None:
    response = iconik_http.post(ASSETS, json={"status": "GONE", "is_online": "yes", "type": 3})
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "title": ["Missing data for required field."],
            "status": ["Must be one of: ACTIVE, DELETED."],
            "is_online": ["Not a valid boolean."],
            "type": ["Not a valid string."],
        }
    }


def test_bad_json_and_non_object_bodies_are_400(iconik_http: httpx.Client) -> None:
    broken = iconik_http.post(ASSETS, content=b"{nope", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert broken.json() == {"errors": ["Invalid JSON in request body"]}
    listed = iconik_http.post(ASSETS, json=["title"])
    assert listed.status_code == 400


def test_unknown_asset_is_404_everywhere(iconik_http: httpx.Client) -> None:
    expected = {"errors": ["Asset does not exist"]}
    for method, path in [
        ("GET", f"{ASSETS}{MISSING}/"),
        ("PATCH", f"{ASSETS}{MISSING}/"),
        ("DELETE", f"{ASSETS}{MISSING}/"),
        ("PUT", f"{ASSETS}{MISSING}/restore/"),
        ("DELETE", f"{ASSETS}{MISSING}/purge/"),
        ("POST", f"{ASSETS}{MISSING}/versions/"),
        ("GET", f"{ASSETS}not-a-uuid/"),
    ]:
        response = iconik_http.request(method, path, json={"title": "x"} if method == "PATCH" else None)
        assert response.status_code == 404, (method, path)
        assert response.json() == expected


def test_patch_is_partial_and_bumps_date_modified(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = create(iconik_http, "Before", external_id="x-1")
    advance(sandbox, 60)
    patched = iconik_http.patch(f"{ASSETS}{asset['id']}/", json={"external_id": "x-2"})
    assert patched.status_code == 200
    body = patched.json()
    assert body["title"] == "Before"
    assert body["external_id"] == "x-2"
    assert body["date_modified"] > asset["date_modified"]
    assert body["date_created"] == asset["date_created"]
    bad = iconik_http.patch(f"{ASSETS}{asset['id']}/", json={"archive_status": "LOST"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"archive_status"}


def test_put_requires_title(iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    missing = iconik_http.put(f"{ASSETS}{asset['id']}/", json={"external_id": "e"})
    assert missing.status_code == 400
    assert missing.json() == {"errors": {"title": ["Missing data for required field."]}}
    ok = iconik_http.put(f"{ASSETS}{asset['id']}/", json={"title": "Renamed", "category": "promo"})
    assert ok.json()["title"] == "Renamed"
    assert ok.json()["category"] == "promo"


def test_soft_delete_restore_and_purge(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    url = f"{ASSETS}{asset['id']}/"
    deleted = iconik_http.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    after = iconik_http.get(url).json()
    assert after["status"] == "DELETED"
    assert after["date_deleted"] is not None
    assert iconik_http.get(ASSETS).json()["total"] == 0
    queue = iconik_http.get("/API/assets/v1/delete_queue/assets/").json()
    assert [a["id"] for a in queue["objects"]] == [asset["id"]]

    assert iconik_http.put(f"{url}restore/").status_code == 204
    restored = iconik_http.get(url).json()
    assert restored["status"] == "ACTIVE"
    assert restored["date_deleted"] is None
    assert iconik_http.get("/API/assets/v1/delete_queue/assets/").json()["total"] == 0

    assert iconik_http.delete(f"{url}purge/").status_code == 204
    assert iconik_http.get(url).status_code == 404
    operations = [(op, oid) for _, op, oid, _ in events(sandbox, "entity") if oid == asset["id"]]
    assert operations == [
        ("create", asset["id"]),
        ("delete", asset["id"]),
        ("restore", asset["id"]),
        ("purge", asset["id"]),
    ]


def test_entity_events_carry_the_asset(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = create(iconik_http, "Evented")
    iconik_http.patch(f"{ASSETS}{asset['id']}/", json={"title": "Renamed"})
    created, updated = [e for e in sandbox.iconik.events if e.object_id == asset["id"]]
    assert (created.event_type, created.realm, created.operation) == ("assets", "entity", "create")
    assert created.data["title"] == "Evented"
    assert updated.operation == "update"
    assert updated.data["title"] == "Renamed"
    assert updated.payload()["system_domain_id"] == sandbox.iconik.config.system_domain_id


def test_list_pagination_follows_next_url_and_404s_past_the_end(iconik_http: httpx.Client) -> None:
    ids = [create(iconik_http, f"A{i}")["id"] for i in range(5)]
    page = iconik_http.get(ASSETS, params={"per_page": 2}).json()
    assert (page["page"], page["pages"], page["per_page"], page["total"]) == (1, 3, 2, 5)
    assert "prev_url" not in page
    assert page["objects"][0]["object_type"] == "assets"
    assert page["objects"][0]["versions_number"] == 1
    seen = [o["id"] for o in page["objects"]]
    while page.get("next_url"):
        page = iconik_http.get(page["next_url"]).json()
        seen += [o["id"] for o in page["objects"]]
    assert seen == ids
    assert page["page"] == 3 and "prev_url" in page
    past = iconik_http.get(ASSETS, params={"per_page": 2, "page": 4})
    assert past.status_code == 404
    assert past.json() == {"errors": ["Requested page does not exist"]}
    too_big = iconik_http.get(ASSETS, params={"per_page": 1001})
    assert too_big.status_code == 400
    assert "per_page" in too_big.json()["errors"]


def test_list_sort_parameter(iconik_http: httpx.Client) -> None:
    for title in ["b", "c", "a"]:
        create(iconik_http, title)
    titles = [o["title"] for o in iconik_http.get(ASSETS, params={"sort": "title,desc"}).json()["objects"]]
    assert titles == ["c", "b", "a"]
    bad = iconik_http.get(ASSETS, params={"sort": "title,sideways"})
    assert bad.status_code == 400


def test_versions_create_edit_promote_delete(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    first = asset["versions"][0]["id"]
    advance(sandbox, 5)
    created = iconik_http.post(f"{ASSETS}{asset['id']}/versions/", json={"copy_metadata": False})
    assert created.status_code == 200
    body = created.json()
    assert body["asset_id"] == asset["id"]
    assert body["system_domain_id"] == sandbox.iconik.config.system_domain_id
    assert [v["version_number"] for v in body["versions"]] == [2, 1]
    second = body["versions"][0]["id"]
    refreshed = iconik_http.get(f"{ASSETS}{asset['id']}/").json()
    assert refreshed["date_modified"] > asset["date_modified"]
    assert refreshed["versions"][0]["id"] == second
    assert refreshed["default_version_id"] == second

    patched = iconik_http.patch(f"{ASSETS}{asset['id']}/versions/{first}/", json={"analyze_status": "DONE"})
    assert patched.status_code == 200
    assert patched.json()["analyze_status"] == "DONE"
    bad = iconik_http.patch(f"{ASSETS}{asset['id']}/versions/{first}/", json={"status": "SLEEPING"})
    assert bad.status_code == 400
    unknown = iconik_http.patch(f"{ASSETS}{asset['id']}/versions/{MISSING}/", json={})
    assert unknown.status_code == 404

    assert iconik_http.put(f"{ASSETS}{asset['id']}/versions/{first}/promote/").status_code == 204
    promoted = iconik_http.get(f"{ASSETS}{asset['id']}/").json()
    assert promoted["versions"][0]["id"] == first
    assert promoted["default_version_id"] == first

    assert iconik_http.delete(f"{ASSETS}{asset['id']}/versions/{second}/").status_code == 204
    versions = iconik_http.get(f"{ASSETS}{asset['id']}/").json()["versions"]
    assert [(v["id"], v["status"]) for v in versions] == [(first, "ACTIVE"), (second, "DELETED")]
    last = iconik_http.delete(f"{ASSETS}{asset['id']}/versions/{first}/")
    assert last.status_code == 400
    assert [op for _, op, _, _ in events(sandbox, "versions")] == ["create", "update", "update", "delete"]


def test_hard_delete_and_old_versions(iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    for _ in range(2):
        iconik_http.post(f"{ASSETS}{asset['id']}/versions/")
    versions = iconik_http.get(f"{ASSETS}{asset['id']}/").json()["versions"]
    assert len(versions) == 3
    hard = iconik_http.delete(
        f"{ASSETS}{asset['id']}/versions/{versions[1]['id']}/", params={"hard_delete": "true"}
    )
    assert hard.status_code == 204
    assert len(iconik_http.get(f"{ASSETS}{asset['id']}/").json()["versions"]) == 2
    assert iconik_http.delete(f"{ASSETS}{asset['id']}/versions/old/").status_code == 204
    assert [v["id"] for v in iconik_http.get(f"{ASSETS}{asset['id']}/").json()["versions"]] == [
        versions[0]["id"]
    ]


def test_delete_queue_restore_and_purge_by_ids(iconik_http: httpx.Client) -> None:
    a, b = create(iconik_http)["id"], create(iconik_http)["id"]
    queue = "/API/assets/v1/delete_queue/assets/"
    assert iconik_http.post(queue, json={"ids": [a, b]}).status_code == 204
    assert iconik_http.get(queue).json()["total"] == 2
    assert iconik_http.request("DELETE", queue, json={"ids": [a]}).status_code == 204
    assert iconik_http.get(f"{ASSETS}{a}/").json()["status"] == "ACTIVE"
    assert iconik_http.post(f"{queue}purge/", json={"ids": [b]}).status_code == 204
    assert iconik_http.get(f"{ASSETS}{b}/").status_code == 404
    unknown = iconik_http.post(queue, json={"ids": [a, MISSING]})
    assert unknown.status_code == 404
    assert iconik_http.get(f"{ASSETS}{a}/").json()["status"] == "ACTIVE"
    empty = iconik_http.post(queue, json={})
    assert empty.json() == {"errors": {"ids": ["Missing data for required field."]}}


def test_delete_queue_restore_all_and_purge_all(iconik_http: httpx.Client) -> None:
    ids = [create(iconik_http)["id"] for _ in range(3)]
    for asset_id in ids:
        iconik_http.delete(f"{ASSETS}{asset_id}/")
    assert iconik_http.post("/API/assets/v1/delete_queue/assets/restore/all/").status_code == 204
    assert iconik_http.get(ASSETS).json()["total"] == 3
    for asset_id in ids[:2]:
        iconik_http.delete(f"{ASSETS}{asset_id}/")
    assert iconik_http.post("/API/assets/v1/delete_queue/assets/purge/all/").status_code == 204
    assert [iconik_http.get(f"{ASSETS}{i}/").status_code for i in ids] == [404, 404, 200]


def test_bulk_delete(iconik_http: httpx.Client) -> None:
    ids = [create(iconik_http)["id"] for _ in range(2)]
    bulk = "/API/assets/v1/delete_queue/bulk/"
    response = iconik_http.post(bulk, json={"object_ids": ids, "object_type": "assets"})
    assert response.status_code == 202
    assert {iconik_http.get(f"{ASSETS}{i}/").json()["status"] for i in ids} == {"DELETED"}
    too_many = iconik_http.post(bulk, json={"object_ids": [MISSING] * 501, "object_type": "assets"})
    assert too_many.status_code == 400
    assert too_many.json() == {"errors": {"object_ids": ["Longer than maximum length 500."]}}
    wrong_type = iconik_http.post(bulk, json={"object_ids": ids, "object_type": "files"})
    assert wrong_type.json() == {
        "errors": {"object_type": ["Must be one of: assets, collections, saved_searches."]}
    }


def test_bulk_edit_is_202_and_all_or_nothing(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    a, b = create(iconik_http, "A")["id"], create(iconik_http, "B")["id"]
    ok = iconik_http.patch(
        ASSETS, json={"objects": [{"id": a, "category": "news"}, {"id": b, "is_blocked": True}]}
    )
    assert ok.status_code == 202
    assert iconik_http.get(f"{ASSETS}{a}/").json()["category"] == "news"
    assert iconik_http.get(f"{ASSETS}{b}/").json()["is_blocked"] is True
    updates = [e.object_id for e in sandbox.iconik.events if e.realm == "entity" and e.operation == "update"]
    assert updates == [a, b]

    bad = iconik_http.put(ASSETS, json={"objects": [{"id": a, "title": "ok"}, {"type": "CLIP"}]})
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {
            "objects": {
                "1": {
                    "id": ["Missing data for required field."],
                    "type": [
                        "Must be one of: ASSET, SEQUENCE, NLE_PROJECT, PLACEHOLDER, CUSTOM, LINK, SUBCLIP."
                    ],
                }
            }
        }
    }
    assert iconik_http.get(f"{ASSETS}{a}/").json()["title"] == "A"
    unknown = iconik_http.patch(ASSETS, json={"objects": [{"id": a, "title": "new"}, {"id": MISSING}]})
    assert unknown.status_code == 404
    assert iconik_http.get(f"{ASSETS}{a}/").json()["title"] == "A"


def test_sort_numbers_by_value(iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    segments = f"{ASSETS}{asset['id']}/segments/"
    for start in (9000, 10000, 500):
        iconik_http.post(segments, json={"segment_type": "MARKER", "time_start_milliseconds": start})
    listed = iconik_http.get(segments, params={"sort": "time_start_milliseconds,asc"}).json()["objects"]
    assert [s["time_start_milliseconds"] for s in listed] == [500, 9000, 10000]


def test_patch_status_deleted_is_a_soft_delete(iconik_http: httpx.Client) -> None:
    asset = create(iconik_http)
    iconik_http.patch(f"{ASSETS}{asset['id']}/", json={"status": "DELETED"})
    queue = iconik_http.get("/API/assets/v1/delete_queue/assets/").json()
    assert [a["id"] for a in queue["objects"]] == [asset["id"]]
    iconik_http.patch(f"{ASSETS}{asset['id']}/", json={"status": "ACTIVE"})
    assert iconik_http.get("/API/assets/v1/delete_queue/assets/").json()["total"] == 0

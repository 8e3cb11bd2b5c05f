"""The iconik emulator's metadata service over real HTTP: fields, views, categories, values."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer

M = "/API/metadata/v1"
OLD = "2020-01-01T00:00:00.000000+00:00"

ALL_TYPES: dict[str, Any] = {
    "f_string": ("string", "hello"),
    "f_exact": ("string_exact", "Exact Value"),
    "f_text": ("text", "a long\nmultiline text"),
    "f_int": ("integer", 42),
    "f_float": ("float", 2.5),
    "f_bool": ("boolean", True),
    "f_date": ("date", "2026-06-05"),
    "f_datetime": ("datetime", "2026-06-05T10:11:12+00:00"),
    "f_status": ("drop_down", "approved"),
    "f_tags": ("tag_cloud", "hero"),
    "f_url": ("url", "https://example.com/a"),
    "f_email": ("email", "someone@example.com"),
}


def add_asset(sandbox: SandboxServer, title: str = "Asset") -> dict[str, Any]:
    asset_id, version_id = str(uuid.uuid1()), str(uuid.uuid1())
    asset = {
        "id": asset_id,
        "title": title,
        "status": "ACTIVE",
        "type": "ASSET",
        "external_id": None,
        "date_created": OLD,
        "date_modified": OLD,
        "versions": [{"id": version_id, "version_number": 1, "status": "ACTIVE"}],
    }
    sandbox.iconik.assets[asset_id] = asset
    return asset


def make_field(http: httpx.Client, name: str, field_type: str, **extra: Any) -> dict[str, Any]:
    resp = http.post(
        f"{M}/fields/", json={"name": name, "label": name.title(), "field_type": field_type, **extra}
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def make_view(http: httpx.Client, *names: str) -> str:
    resp = http.post(f"{M}/views/", json={"name": "Sync view", "view_fields": [{"name": n} for n in names]})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


@pytest.fixture
def schema(iconik_http: httpx.Client) -> str:
    """Every field type (drop_down with options, tag_cloud multi) and one view holding them all."""
    for name, (field_type, _) in ALL_TYPES.items():
        extra: dict[str, Any] = {}
        if field_type == "drop_down":
            extra["options"] = [
                {"label": "Approved", "value": "approved"},
                {"label": "Draft", "value": "draft"},
            ]
        if field_type == "tag_cloud":
            extra["multi"] = True
        make_field(iconik_http, name, field_type, **extra)
    make_field(iconik_http, "outside", "string")
    return make_view(iconik_http, *ALL_TYPES)


def test_field_crud_for_every_type(iconik_http: httpx.Client) -> None:
    for name, (field_type, _) in ALL_TYPES.items():
        created = make_field(iconik_http, name, field_type, description="d")
        assert created["name"] == name and created["field_type"] == field_type
        assert created["multi"] is False and created["options"] == []
        assert created["date_created"].endswith("+00:00")
    got = iconik_http.get(f"{M}/fields/f_int/")
    assert got.status_code == 200 and got.json()["label"] == "F_Int"
    put = iconik_http.put(
        f"{M}/fields/f_int/", json={"label": "Count", "field_type": "integer", "max_value": 10}
    )
    assert put.status_code == 200 and put.json()["label"] == "Count" and put.json()["max_value"] == 10
    patched = iconik_http.patch(f"{M}/fields/f_int/", json={"multi": True})
    assert patched.json()["multi"] is True and patched.json()["label"] == "Count"
    assert iconik_http.delete(f"{M}/fields/f_int/").status_code == 204
    missing = iconik_http.get(f"{M}/fields/f_int/")
    assert missing.status_code == 404
    assert missing.json() == {"errors": ["Metadata field doesn't exist"]}


def test_field_validation_errors(iconik_http: httpx.Client) -> None:
    resp = iconik_http.post(f"{M}/fields/", json={"label": "X"})
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": {
            "name": ["Missing data for required field."],
            "field_type": ["Missing data for required field."],
        }
    }
    bad_type = iconik_http.post(f"{M}/fields/", json={"name": "x", "label": "X", "field_type": "number"})
    assert bad_type.status_code == 400 and "field_type" in bad_type.json()["errors"]
    make_field(iconik_http, "dup", "string")
    dup = iconik_http.post(f"{M}/fields/", json={"name": "dup", "label": "D", "field_type": "string"})
    assert dup.status_code == 400 and dup.json()["errors"]["name"]
    not_json = iconik_http.post(
        f"{M}/fields/", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400 and not_json.json() == {"errors": ["Invalid JSON in request body"]}


def test_field_list_walks_with_last_field_name(iconik_http: httpx.Client) -> None:
    for i in range(5):
        make_field(iconik_http, f"walk_{i}", "string")
    seen: list[str] = []
    url = f"{M}/fields/?per_page=2"
    while url:
        page = iconik_http.get(url).json()
        assert page["total"] == 5 and page["per_page"] == 2
        seen += [f["name"] for f in page["objects"]]
        url = page.get("next_url")
    assert seen == [f"walk_{i}" for i in range(5)]
    only = iconik_http.get(f"{M}/fields/?filter=name,field_type").json()["objects"][0]
    assert set(only) == {"name", "field_type"}


def test_view_crud_and_listing(iconik_http: httpx.Client) -> None:
    make_field(iconik_http, "title_en", "string")
    make_field(iconik_http, "rating", "integer")
    created = iconik_http.post(
        f"{M}/views/",
        json={
            "name": "Main",
            "view_fields": [{"name": "title_en", "label": "English title", "required": True}],
        },
    )
    assert created.status_code == 201
    view = created.json()
    assert view["view_fields"][0]["field_type"] == "string"
    assert view["view_fields"][0]["label"] == "English title" and view["view_fields"][0]["required"] is True
    listing = iconik_http.get(f"{M}/views/").json()
    assert set(listing) == {"objects"} and listing["objects"][0]["id"] == view["id"]
    patched = iconik_http.patch(f"{M}/views/{view['id']}/", json={"name": "Renamed"}).json()
    assert patched["name"] == "Renamed" and len(patched["view_fields"]) == 1
    put = iconik_http.put(
        f"{M}/views/{view['id']}/",
        json={"name": "Two", "view_fields": [{"name": "title_en"}, {"name": "rating"}]},
    ).json()
    assert [f["name"] for f in put["view_fields"]] == ["title_en", "rating"]
    bad = iconik_http.post(f"{M}/views/", json={"name": "Bad", "view_fields": [{"name": "nope"}]})
    assert bad.status_code == 400 and "view_fields" in bad.json()["errors"]
    assert iconik_http.delete(f"{M}/views/{view['id']}/").status_code == 204
    gone = iconik_http.get(f"{M}/views/{view['id']}/")
    assert gone.status_code == 404 and gone.json() == {"errors": ["Metadata view doesn't exist"]}


def test_categories_per_object_type(iconik_http: httpx.Client) -> None:
    make_field(iconik_http, "f", "string")
    view_id = make_view(iconik_http, "f")
    created = iconik_http.post(
        f"{M}/assets/categories/", json={"name": "sidebar", "label": "Side", "view_ids": [view_id]}
    )
    assert created.status_code == 201
    assert created.json()["object_type"] == "assets" and created.json()["views"][0]["id"] == view_id
    dup = iconik_http.post(f"{M}/assets/categories/", json={"name": "sidebar", "label": "Again"})
    assert dup.status_code == 409
    assert iconik_http.get(f"{M}/collections/categories/").json() == {"objects": []}
    assert [c["name"] for c in iconik_http.get(f"{M}/assets/categories/").json()["objects"]] == ["sidebar"]
    views = iconik_http.get(f"{M}/assets/categories/sidebar/views/").json()
    assert views["views"][0]["view_fields"][0]["name"] == "f"
    put = iconik_http.put(f"{M}/assets/categories/sidebar/", json={"label": "Renamed", "view_ids": []})
    assert put.json()["label"] == "Renamed" and put.json()["views"] == []
    assert iconik_http.delete(f"{M}/assets/categories/sidebar/").status_code == 204
    assert iconik_http.get(f"{M}/assets/categories/sidebar/").status_code == 404


def values_body(**fields: Any) -> dict[str, Any]:
    return {"metadata_values": {k: {"field_values": [{"value": v}]} for k, v in fields.items()}}


def test_write_and_read_values_of_every_type(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    asset = add_asset(sandbox)
    url = f"{M}/assets/{asset['id']}/views/{schema}/"
    resp = iconik_http.put(url, json=values_body(**{k: v for k, (_, v) in ALL_TYPES.items()}))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object_id"] == asset["id"] and body["object_type"] == "assets"
    assert body["version_id"] == asset["versions"][0]["id"]
    for name, (_, value) in ALL_TYPES.items():
        assert body["metadata_values"][name] == {"field_values": [{"value": value}]}
    read = iconik_http.get(url).json()
    assert read["metadata_values"] == body["metadata_values"]
    as_text = iconik_http.get(url, params={"reencode_values_to_string": "true"}).json()["metadata_values"]
    assert as_text["f_int"]["field_values"] == [{"value": "42"}]
    assert as_text["f_bool"]["field_values"] == [{"value": "true"}]
    version = asset["versions"][0]["id"]
    per_version = iconik_http.get(f"{M}/assets/{asset['id']}/versions/{version}/views/{schema}/").json()
    assert per_version["metadata_values"]["f_string"] == {"field_values": [{"value": "hello"}]}
    assert sandbox.iconik.assets[asset["id"]]["date_modified"] > OLD


def test_integer_strings_are_coerced_and_modes_apply(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    asset = add_asset(sandbox)
    url = f"{M}/assets/{asset['id']}/views/{schema}/"
    first = iconik_http.put(url, json=values_body(f_int="7", f_tags="a"))
    assert first.json()["metadata_values"]["f_int"] == {"field_values": [{"value": 7}]}

    def write(mode: str, *tags: str) -> list[Any]:
        entry = {"field_values": [{"value": t} for t in tags], "mode": mode}
        resp = iconik_http.put(url, json={"metadata_values": {"f_tags": entry}})
        assert resp.status_code == 200, resp.text
        values = resp.json()["metadata_values"].get("f_tags", {"field_values": []})["field_values"]
        return [v["value"] for v in values]

    assert write("append", "b", "c") == ["a", "b", "c"]
    assert write("delete", "b") == ["a", "c"]
    assert write("overwrite", "z") == ["z"]
    assert write("overwrite") == []


INVALID: list[tuple[str, Any]] = [
    ("outside", "x"),
    ("f_int", "abc"),
    ("f_float", "1.2.3"),
    ("f_bool", "maybe"),
    ("f_date", "2026-13-45"),
    ("f_datetime", "yesterday"),
    ("f_status", "published"),
    ("f_url", "not a url"),
    ("f_email", "nobody"),
    ("f_string", 5),
]


def test_invalid_values_are_rejected(sandbox: SandboxServer, iconik_http: httpx.Client, schema: str) -> None:
    asset = add_asset(sandbox)
    url = f"{M}/assets/{asset['id']}/views/{schema}/"
    for field, value in INVALID:
        resp = iconik_http.put(url, json=values_body(f_text="kept?", **{field: value}))
        assert resp.status_code == 400, (field, resp.text)
        errors = resp.json()["errors"]
        assert list(errors) == [field] and isinstance(errors[field][0], str)
    assert iconik_http.get(url).json()["metadata_values"] == {}
    assert sandbox.iconik.assets[asset["id"]]["date_modified"] == OLD


def test_several_values_on_single_value_field_and_bad_mode(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    asset = add_asset(sandbox)
    url = f"{M}/assets/{asset['id']}/views/{schema}/"
    two = {"metadata_values": {"f_string": {"field_values": [{"value": "a"}, {"value": "b"}]}}}
    resp = iconik_http.put(url, json=two)
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": {"f_string": ["Field does not accept multiple values (multi is false)."]}
    }
    mode = {"metadata_values": {"f_string": {"field_values": [{"value": "a"}], "mode": "merge"}}}
    assert iconik_http.put(url, json=mode).status_code == 400
    missing = iconik_http.put(url, json={})
    assert missing.json() == {"errors": {"metadata_values": ["Missing data for required field."]}}


def test_unknown_object_and_view_are_404(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    unknown = iconik_http.put(f"{M}/assets/{uuid.uuid1()}/views/{schema}/", json=values_body(f_string="x"))
    assert unknown.status_code == 404 and unknown.json() == {"errors": ["Asset does not exist"]}
    asset = add_asset(sandbox)
    no_view = iconik_http.get(f"{M}/assets/{asset['id']}/views/{uuid.uuid1()}/")
    assert no_view.status_code == 404 and no_view.json() == {"errors": ["Metadata view doesn't exist"]}
    bad_version = iconik_http.get(f"{M}/assets/{asset['id']}/versions/{uuid.uuid1()}/views/{schema}/")
    assert bad_version.status_code == 404


def test_write_emits_metadata_event(sandbox: SandboxServer, iconik_http: httpx.Client, schema: str) -> None:
    asset = add_asset(sandbox)
    iconik_http.put(f"{M}/assets/{asset['id']}/views/{schema}/", json=values_body(f_status="draft"))
    events = httpx.get(sandbox.urls["iconik"] + "/_sandbox/iconik/events", timeout=5).json()["objects"]
    event = [e for e in events if e["realm"] == "metadata"][-1]
    assert event["event_type"] == "assets" and event["operation"] == "update"
    assert event["object_id"] == asset["id"]
    assert event["data"]["object_id"] == asset["id"] and event["data"]["object_type"] == "assets"
    assert event["data"]["version_id"] == asset["versions"][0]["id"]
    assert event["data"]["metadata_values"] == {"f_status": {"field_values": [{"value": "draft"}]}}


def test_batch_update_schedules_a_job(sandbox: SandboxServer, iconik_http: httpx.Client, schema: str) -> None:
    a, b = add_asset(sandbox, "A"), add_asset(sandbox, "B")
    resp = iconik_http.put(
        f"{M}/assets/views/{schema}/", json={"object_ids": [a["id"], b["id"]], **values_body(f_text="batch")}
    )
    assert resp.status_code == 202
    job = iconik_http.get(f"/API/jobs/v1/jobs/{resp.json()['job_id']}/").json()
    assert job["type"] == "METADATA" and job["status"] == "FINISHED" and job["progress"] == 100
    for asset in (a, b):
        values = iconik_http.get(f"{M}/assets/{asset['id']}/views/{schema}/").json()["metadata_values"]
        assert values["f_text"] == {"field_values": [{"value": "batch"}]}
    bad = iconik_http.put(
        f"{M}/assets/views/{schema}/", json={"object_ids": [a["id"]], **values_body(f_int="x")}
    )
    assert bad.status_code == 400 and list(bad.json()["errors"]) == ["f_int"]
    no_ids = iconik_http.put(f"{M}/assets/views/{schema}/", json=values_body(f_text="x"))
    assert no_ids.json() == {"errors": {"object_ids": ["Missing data for required field."]}}


def test_direct_object_values_without_view(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    asset = add_asset(sandbox)
    resp = iconik_http.put(f"{M}/assets/{asset['id']}/", json=values_body(outside="direct"))
    assert resp.status_code == 200
    assert iconik_http.get(f"{M}/assets/{asset['id']}/").json()["metadata_values"] == {
        "outside": {"field_values": [{"value": "direct"}]}
    }


def test_values_follow_the_current_version(iconik_http: httpx.Client, schema: str) -> None:
    asset = iconik_http.post("/API/assets/v1/assets/", json={"title": "Versioned"}).json()
    first = asset["versions"][0]["id"]
    url = f"{M}/assets/{asset['id']}/views/{schema}/"
    assert iconik_http.put(url, json=values_body(f_string="v1")).json()["version_id"] == first
    created = iconik_http.post(f"/API/assets/v1/assets/{asset['id']}/versions/", json={})
    second = created.json()["versions"][0]["id"]
    assert second != first
    assert iconik_http.get(url).json()["metadata_values"] == {}
    assert iconik_http.put(url, json=values_body(f_string="v2")).json()["version_id"] == second

    def version_value(version_id: str) -> Any:
        body = iconik_http.get(f"{M}/assets/{asset['id']}/versions/{version_id}/views/{schema}/").json()
        return body["metadata_values"]["f_string"]["field_values"][0]["value"]

    assert (version_value(first), version_value(second)) == ("v1", "v2")


def test_collection_values_have_no_version(
    sandbox: SandboxServer, iconik_http: httpx.Client, schema: str
) -> None:
    collection = iconik_http.post("/API/assets/v1/collections/", json={"title": "Project"}).json()
    url = f"{M}/collections/{collection['id']}/views/{schema}/"
    body = iconik_http.put(url, json=values_body(f_tags="pinned")).json()
    assert body["object_type"] == "collections" and "version_id" not in body
    assert iconik_http.get(url).json()["metadata_values"]["f_tags"] == {"field_values": [{"value": "pinned"}]}
    events = httpx.get(sandbox.urls["iconik"] + "/_sandbox/iconik/events", timeout=5).json()["objects"]
    assert [e["event_type"] for e in events if e["realm"] == "metadata"] == ["collections"]
    missing = iconik_http.get(f"{M}/collections/{uuid.uuid1()}/views/{schema}/")
    assert missing.status_code == 404 and missing.json() == {"errors": ["Collection does not exist"]}

"""The iconik emulator's review surface: shares, approvals and COMMENT segments, over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from assetbridge_sandbox.server import SandboxServer

API = "/API/assets/v1"
MISSING = "00000000-0000-1000-8000-000000000000"
REVIEWER_A = "11111111-0000-1000-8000-000000000001"
REVIEWER_B = "11111111-0000-1000-8000-000000000002"
FLAGS = {
    "allow_approving_comments": True,
    "allow_comments": True,
    "allow_download": False,
    "allow_setting_approve_status": True,
}


def new_asset(client: httpx.Client) -> dict[str, Any]:
    response = client.post(f"{API}/assets/", json={"title": "Review me"})
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def new_share(client: httpx.Client, base: str, **extra: Any) -> dict[str, Any]:
    response = client.post(f"{base}/shares/", json={**FLAGS, "emails": ["rev@example.com"], **extra})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_share_create_get_list_delete(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}"
    share = new_share(iconik_http, base, expires="2031-01-01T00:00:00Z", password="pw", title="Cut 1")
    assert share["url"] is None
    assert share["object_id"] == asset["id"]
    assert share["object_type"] == "assets"
    assert share["expires"] == "2031-01-01T00:00:00.000000+00:00"
    assert share["has_password"] is True
    assert "password" not in share
    fetched = iconik_http.get(f"{base}/shares/{share['id']}/").json()
    assert [u["email"] for u in fetched["users"]] == ["rev@example.com"]
    listed = iconik_http.get(f"{base}/shares/").json()
    assert [s["id"] for s in listed["objects"]] == [share["id"]]

    updated = iconik_http.put(f"{base}/shares/{share['id']}/", json={**FLAGS, "allow_download": True})
    assert updated.status_code == 200
    assert updated.json()["allow_download"] is True

    assert iconik_http.delete(f"{base}/shares/{share['id']}/").status_code == 204
    gone = iconik_http.get(f"{base}/shares/{share['id']}/")
    assert gone.status_code == 404
    assert gone.json() == {"errors": ["Share does not exist"]}
    shares = [(e.event_type, e.operation, e.object_id) for e in sandbox.iconik.events if e.realm == "shares"]
    assert shares == [("assets", op, share["id"]) for op in ("create", "update", "delete")]
    create_event = next(e for e in sandbox.iconik.events if e.realm == "shares")
    assert create_event.data["object_id"] == asset["id"]
    assert create_event.data["expires"] == share["expires"]


def test_share_validation_and_unknown_objects(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}"
    missing = iconik_http.post(f"{base}/shares/", json={"emails": ["a@b.co"]})
    assert missing.status_code == 400
    assert set(missing.json()["errors"]) == set(FLAGS)
    bad = iconik_http.post(f"{base}/shares/", json={**FLAGS, "emails": ["nope"], "expires": "soon"})
    assert bad.json() == {
        "errors": {"emails": ["Not a valid email address."], "expires": ["Not a valid datetime."]}
    }
    no_asset = iconik_http.post(f"{API}/assets/{MISSING}/shares/", json={**FLAGS, "emails": []})
    assert no_asset.json() == {"errors": ["Asset does not exist"]}
    wrong_kind = iconik_http.get(f"{API}/files/{asset['id']}/shares/")
    assert wrong_kind.status_code == 400


def test_share_expiry_follows_the_sandbox_clock(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}"
    clock = f"{sandbox.urls['iconik']}/_sandbox/clock"
    in_an_hour = sandbox.clock.now().replace(microsecond=0) + timedelta(hours=1)
    share = new_share(iconik_http, base, expires=in_an_hour.isoformat())
    assert share["expires"] > httpx.get(clock).json()["time"]
    httpx.post(f"{clock}/advance", json={"seconds": 7200})
    fetched = iconik_http.get(f"{base}/shares/{share['id']}/").json()
    assert fetched["expires"] == share["expires"]
    assert fetched["expires"] < httpx.get(clock).json()["time"]


def test_url_share_has_a_url_and_collections_share(iconik_http: httpx.Client) -> None:
    collection = iconik_http.post(f"{API}/collections/", json={"title": "Review"}).json()
    base = f"{API}/collections/{collection['id']}"
    response = iconik_http.post(f"{base}/shares/url/", json=FLAGS)
    assert response.status_code == 200
    assert response.json()["url"].startswith("http")
    assert response.json()["object_type"] == "collections"


def test_share_list_cursor(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}"
    ids = [new_share(iconik_http, base)["id"] for _ in range(3)]
    page = iconik_http.get(f"{base}/shares/", params={"per_page": 2}).json()
    seen = [s["id"] for s in page["objects"]]
    assert len(seen) == 2
    page = iconik_http.get(page["next_url"]).json()
    seen += [s["id"] for s in page["objects"]]
    assert seen == ids
    assert "next_url" not in page
    bad = iconik_http.get(f"{base}/shares/", params={"last_id": MISSING})
    assert bad.status_code == 400


def test_approval_aggregate_status(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}/approvals"
    assert iconik_http.get(f"{base}/request/").json()["status"] == "N/A"

    requested = iconik_http.post(
        f"{base}/request/", json={"users": [REVIEWER_A, REVIEWER_B], "min_number": 2}
    )
    assert requested.status_code == 201
    assert requested.json()["status"] == "REQUESTED"
    assert requested.json()["version_id"] == asset["versions"][0]["id"]

    one = iconik_http.put(f"{base}/", json={"status": "APPROVED", "user": REVIEWER_A})
    assert one.status_code == 200
    assert one.json()["user"] == REVIEWER_A
    assert iconik_http.get(f"{base}/request/").json()["status"] == "REQUESTED"
    iconik_http.put(f"{base}/", json={"status": "APPROVED", "user": REVIEWER_B})
    assert iconik_http.get(f"{base}/request/").json()["status"] == "APPROVED"
    iconik_http.put(f"{base}/", json={"status": "NOT_APPROVED", "user": REVIEWER_B})
    assert iconik_http.get(f"{base}/request/").json()["status"] == "MIXED"
    assert iconik_http.delete(f"{base}/user/{REVIEWER_A}/").status_code == 204
    assert iconik_http.get(f"{base}/request/").json()["status"] == "NOT_APPROVED"

    decisions = iconik_http.get(f"{base}/").json()
    assert [(d["user"], d["status"]) for d in decisions["objects"]] == [(REVIEWER_B, "NOT_APPROVED")]
    assert iconik_http.delete(f"{base}/").status_code == 204
    assert iconik_http.get(f"{base}/request/").json()["status"] == "REQUESTED"
    assert iconik_http.delete(f"{base}/request/").json()["status"] == "N/A"

    approvals = [e for e in sandbox.iconik.events if e.realm == "approvals"]
    assert approvals[0].operation == "create"
    assert {"object_id", "object_type", "version_id", "status", "user_id"} <= set(approvals[1].data)
    assert approvals[1].data["user_id"] == REVIEWER_A
    assert approvals[2].data["status"] == "APPROVED"


def test_approvals_are_per_version(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    first_version = asset["versions"][0]["id"]
    base = f"{API}/assets/{asset['id']}"
    iconik_http.put(f"{base}/approvals/", json={"status": "APPROVED"})
    iconik_http.post(f"{base}/versions/")
    assert iconik_http.get(f"{base}/approvals/request/").json()["status"] == "N/A"
    old = iconik_http.get(f"{base}/versions/{first_version}/approvals/request/").json()
    assert old["status"] == "APPROVED"
    assert old["user_status"] == "APPROVED"
    old_list = iconik_http.get(f"{base}/versions/{first_version}/approvals/").json()
    assert old_list["total"] == 1
    assert iconik_http.get(f"{base}/versions/{MISSING}/approvals/").status_code == 404


def test_approval_errors_and_bulk(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}/approvals"
    bad = iconik_http.put(f"{base}/", json={"status": "MAYBE"})
    assert bad.json() == {"errors": {"status": ["Must be one of: N/A, APPROVED, NOT_APPROVED."]}}
    assert iconik_http.post(f"{base}/request/", json={}).status_code == 400
    assert iconik_http.patch(f"{base}/request/", json={"min_number": 2}).status_code == 404
    assert iconik_http.get(f"{API}/assets/{MISSING}/approvals/").json() == {
        "errors": ["Asset does not exist"]
    }
    bulk = iconik_http.post(
        f"{API}/approvals/bulk/",
        json={"object_ids": [asset["id"]], "object_type": "assets", "status": "NOT_APPROVED"},
    )
    assert bulk.status_code == 200
    assert iconik_http.get(f"{base}/request/").json()["status"] == "NOT_APPROVED"
    removed = iconik_http.post(
        f"{API}/approvals/bulk_remove/", json={"object_ids": [asset["id"]], "object_type": "assets"}
    )
    assert removed.status_code == 200
    assert iconik_http.get(f"{base}/request/").json()["status"] == "N/A"


def test_comment_segments(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    version_id = asset["versions"][0]["id"]
    base = f"{API}/assets/{asset['id']}/segments"
    comment = iconik_http.post(
        f"{base}/",
        json={
            "segment_type": "COMMENT",
            "segment_text": "Fix colour at 00:12",
            "time_start_milliseconds": 12000,
            "time_end_milliseconds": 12000,
            "version_id": version_id,
        },
    )
    assert comment.status_code == 201
    body = comment.json()
    assert body["asset_id"] == asset["id"]
    assert body["version_id"] == version_id
    assert body["top_level"] is True
    reply = iconik_http.post(
        f"{base}/", json={"segment_type": "COMMENT", "segment_text": "Done", "parent_id": body["id"]}
    )
    assert reply.json()["top_level"] is False
    iconik_http.post(f"{base}/", json={"segment_type": "MARKER", "time_start_milliseconds": 1})

    comments = iconik_http.get(f"{base}/", params={"segment_type": "COMMENT"}).json()
    assert comments["total"] == 2
    assert iconik_http.get(f"{base}/COMMENT/").json()["total"] == 2
    assert iconik_http.get(f"{base}/").json()["total"] == 3
    assert iconik_http.get(f"{API}/assets/").json()["objects"][0]["comments_count"] == 2

    checked = iconik_http.patch(f"{base}/{body['id']}/", json={"segment_checked": True})
    assert checked.status_code == 200
    assert checked.json()["segment_checked"] is True
    assert checked.json()["segment_text"] == "Fix colour at 00:12"
    assert iconik_http.get(f"{base}/{body['id']}/").json()["segment_checked"] is True

    assert iconik_http.delete(f"{base}/{body['id']}/", params={"soft_delete": "true"}).status_code == 204
    assert iconik_http.get(f"{base}/COMMENT/").json()["total"] == 1
    assert iconik_http.get(f"{base}/", params={"status": "DELETED"}).json()["total"] == 1
    assert iconik_http.delete(f"{base}/{reply.json()['id']}/").status_code == 204
    assert iconik_http.get(f"{base}/{reply.json()['id']}/").json() == {"errors": ["Segment does not exist"]}
    ops = [(e.operation, e.data["segment_type"]) for e in sandbox.iconik.events if e.realm == "segments"]
    assert (
        ops
        == [("create", "COMMENT"), ("create", "COMMENT"), ("create", "MARKER"), ("update", "COMMENT")]
        + [("delete", "COMMENT")] * 2
    )


def test_segments_follow_the_current_version(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}/segments"
    iconik_http.post(f"{base}/", json={"segment_type": "COMMENT", "segment_text": "v1 note"})
    iconik_http.post(f"{API}/assets/{asset['id']}/versions/")
    assert iconik_http.get(f"{base}/").json()["total"] == 0
    assert iconik_http.get(f"{base}/", params={"include_all_versions": "true"}).json()["total"] == 1
    old = iconik_http.get(f"{base}/", params={"version_id": asset["versions"][0]["id"]}).json()
    assert old["objects"][0]["segment_text"] == "v1 note"


def test_segment_errors(iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{API}/assets/{asset['id']}/segments"
    missing_type = iconik_http.post(f"{base}/", json={"segment_text": "x"})
    assert missing_type.json() == {"errors": {"segment_type": ["Missing data for required field."]}}
    bad_type = iconik_http.post(f"{base}/", json={"segment_type": "NOTE"})
    assert bad_type.status_code == 400
    bad_time = iconik_http.post(
        f"{base}/", json={"segment_type": "COMMENT", "time_start_milliseconds": "12s"}
    )
    assert bad_time.json() == {"errors": {"time_start_milliseconds": ["Not a valid integer."]}}
    bad_version = iconik_http.post(f"{base}/", json={"segment_type": "COMMENT", "version_id": MISSING})
    assert bad_version.status_code == 404
    orphan = iconik_http.post(f"{base}/", json={"segment_type": "COMMENT", "parent_id": MISSING})
    assert orphan.status_code == 400
    assert iconik_http.get(f"{API}/assets/{MISSING}/segments/").json() == {"errors": ["Asset does not exist"]}
    assert iconik_http.patch(f"{base}/{MISSING}/", json={"segment_checked": True}).status_code == 404
    assert iconik_http.get(f"{base}/", params={"per_page": 5000}).status_code == 400


def test_collection_approvals_have_no_version(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    collection = iconik_http.post(f"{API}/collections/", json={"title": "Board"}).json()
    base = f"{API}/collections/{collection['id']}/approvals"
    iconik_http.post(f"{base}/request/", json={"externals": ["client@example.com"]})
    decision = iconik_http.put(
        f"{base}/", json={"status": "APPROVED", "external": "client@example.com"}
    ).json()
    assert decision["external"] == "client@example.com"
    assert "version_id" not in decision
    aggregate = iconik_http.get(f"{base}/request/").json()
    assert aggregate["status"] == "APPROVED"
    assert "version_id" not in aggregate
    event = [e for e in sandbox.iconik.events if e.realm == "approvals"][-1]
    assert (event.event_type, event.object_id, event.data["version_id"]) == (
        "collections",
        collection["id"],
        None,
    )
    assert iconik_http.delete(f"{base}/external/client@example.com/").status_code == 204
    assert iconik_http.delete(f"{base}/external/client@example.com/").status_code == 404
    no_versions = iconik_http.get(f"{API}/collections/{collection['id']}/versions/{MISSING}/approvals/")
    assert no_versions.status_code == 404

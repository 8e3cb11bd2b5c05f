"""The iconik emulator's jobs service, token check and current user over real HTTP."""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

import httpx

from assetbridge_sandbox.server import SandboxServer

J = "/API/jobs/v1/jobs/"


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    resp = http.post(J, json={"title": "Copy", "type": "TRANSFER", "status": "READY", **fields})
    assert resp.status_code == 201, resp.text
    job: dict[str, Any] = resp.json()
    return job


def test_create_read_and_validate(iconik_http: httpx.Client) -> None:
    asset = str(uuid.uuid1())
    job = create(iconik_http, object_type="assets", object_id=asset, metadata={"a": 1})
    assert job["status"] == "READY" and job["object_id"] == asset and job["progress"] == 0
    assert "message" not in job and job["date_created"].endswith("+00:00") and job["steps"] == []
    assert iconik_http.get(f"{J}{job['id']}/").json() == job
    missing = iconik_http.post(J, json={"title": "x"})
    assert missing.status_code == 400
    assert missing.json() == {
        "errors": {
            "type": ["Missing data for required field."],
            "status": ["Missing data for required field."],
        }
    }
    bad = iconik_http.post(J, json={"title": "x", "type": "BAKE", "status": "DONE"})
    assert set(bad.json()["errors"]) == {"type", "status"}
    unknown = iconik_http.get(f"{J}{uuid.uuid1()}/")
    assert unknown.status_code == 404 and unknown.json() == {"errors": ["Job does not exist"]}


def test_patch_put_progress_and_metadata_merge(iconik_http: httpx.Client) -> None:
    job = create(iconik_http, metadata={"a": 1}, progress_total=4)
    started = iconik_http.patch(
        f"{J}{job['id']}/", json={"status": "STARTED", "progress_processed": 1}
    ).json()
    assert started["status"] == "STARTED" and started["progress"] == 25 and started["started_at"]
    merged = iconik_http.patch(f"{J}{job['id']}/?merge_metadata=true", json={"metadata": {"b": 2}}).json()
    assert merged["metadata"] == {"a": 1, "b": 2}
    replaced = iconik_http.patch(f"{J}{job['id']}/", json={"metadata": {"c": 3}}).json()
    assert replaced["metadata"] == {"c": 3}
    incomplete = iconik_http.put(f"{J}{job['id']}/", json={"status": "FINISHED"})
    assert incomplete.status_code == 400 and set(incomplete.json()["errors"]) == {"title", "type"}
    done = iconik_http.put(
        f"{J}{job['id']}/", json={"title": "Copy", "type": "TRANSFER", "status": "FINISHED"}
    ).json()
    assert done["status"] == "FINISHED" and done["progress"] == 100 and done["completed_at"]


def test_list_filters_sort_and_pages(iconik_http: httpx.Client) -> None:
    target = str(uuid.uuid1())
    first = create(iconik_http, object_type="assets", object_id=target)
    create(iconik_http, type="METADATA", status="FAILED")
    last = create(iconik_http, object_type="collections", object_id=str(uuid.uuid1()), status="STARTED")
    listing = iconik_http.get(J).json()
    assert listing["total"] == 3 and listing["objects"][0]["id"] == last["id"]  # newest first
    assert [j["id"] for j in iconik_http.get(J, params={"object_id": target}).json()["objects"]] == [
        first["id"]
    ]
    assert iconik_http.get(J, params={"object_type": "collections"}).json()["total"] == 1
    assert iconik_http.get(J, params={"status": "FAILED,STARTED"}).json()["total"] == 2
    assert iconik_http.get(J, params={"type": "METADATA"}).json()["objects"][0]["status"] == "FAILED"
    oldest = iconik_http.get(J, params={"sort": "date_created,asc"}).json()["objects"][0]
    assert oldest["id"] == first["id"]
    window = f"*;{first['date_created']}"
    assert [j["id"] for j in iconik_http.get(J, params={"date_created": window}).json()["objects"]] == [
        first["id"]
    ]
    page = iconik_http.get(J, params={"per_page": 2, "page": 2}).json()
    assert (page["page"], page["pages"], len(page["objects"])) == (2, 2, 1)
    assert iconik_http.get(J, params={"per_page": 2, "page": 3}).status_code == 404
    too_many = iconik_http.get(J, params={"per_page": 101})
    assert too_many.status_code == 400 and too_many.json() == {
        "errors": {"per_page": ["Must be between 0 and 100."]}
    }


def test_delete_and_recursive_delete(iconik_http: httpx.Client) -> None:
    parent = create(iconik_http)
    child = create(iconik_http, parent_id=parent["id"])
    assert iconik_http.delete(f"{J}{parent['id']}/?recursive=true").status_code == 204
    assert iconik_http.get(f"{J}{parent['id']}/").status_code == 404
    assert iconik_http.get(f"{J}{child['id']}/").status_code == 404
    assert iconik_http.delete(f"{J}{parent['id']}/").status_code == 404


def test_steps_bulk_and_single(iconik_http: httpx.Client) -> None:
    job = create(iconik_http)
    step_a, step_b = str(uuid.uuid1()), str(uuid.uuid1())
    steps = [
        {"id": step_a, "label": "Copy", "status": "IN_PROGRESS"},
        {"id": step_b, "label": "Verify", "status": "WAITING"},
    ]
    bulk = iconik_http.put(f"{J}{job['id']}/steps/", json={"steps": steps})
    assert bulk.status_code == 200 and [s["label"] for s in bulk.json()["steps"]] == ["Copy", "Verify"]
    one = iconik_http.patch(
        f"{J}{job['id']}/steps/{step_a}/", json={"label": "Copy", "status": "DONE"}
    ).json()
    assert [s["status"] for s in one["steps"]] == ["DONE", "WAITING"] and one["steps"][0]["date_updated"]
    bad = iconik_http.put(f"{J}{job['id']}/steps/{step_b}/", json={"label": "Verify", "status": "OK"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


def test_state_actions(iconik_http: httpx.Client) -> None:
    a, b = create(iconik_http, status="STARTED"), create(iconik_http, status="STARTED")
    paused = iconik_http.put(f"{J}state/", json={"action": "PAUSE", "job_ids": [a["id"], b["id"]]})
    assert paused.status_code == 201
    assert {iconik_http.get(f"{J}{j['id']}/").json()["status"] for j in (a, b)} == {"PAUSED"}
    iconik_http.put(f"{J}state/", json={"action": "ABORT", "job_ids": [a["id"]]})
    assert iconik_http.get(f"{J}{a['id']}/").json()["status"] == "ABORTED"
    iconik_http.put(f"{J}state/", json={"action": "RESUME", "job_ids": [b["id"]]})
    assert iconik_http.get(f"{J}{b['id']}/").json()["status"] == "READY"
    bad = iconik_http.put(f"{J}state/", json={"action": "STOP", "job_ids": []})
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"action", "job_ids"}


def test_jobs_made_by_other_modules_are_listed(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    new_job = functools.partial(
        sandbox.iconik.new_job, title="Keyframes", job_type="KEYFRAMES", status="STARTED"
    )
    sandbox.call_soon(new_job)
    deadline = time.monotonic() + 5
    while not (listed := iconik_http.get(J, params={"type": "KEYFRAMES"}).json()["objects"]):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert listed[0]["title"] == "Keyframes" and listed[0]["status"] == "STARTED"


def test_token_check_and_current_user(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    assert iconik_http.get("/API/auth/v1/auth/token/").status_code == 200
    user = iconik_http.get("/API/users/v1/users/current/")
    assert user.status_code == 200
    body = user.json()
    assert body["id"] == sandbox.config.iconik.user_id and body["type"] == "POWER" and body["first_name"]
    assert body["system_domain_id"] == sandbox.config.iconik.system_domain_id
    wrong = httpx.get(
        sandbox.urls["iconik"] + "/API/auth/v1/auth/token/",
        headers={"App-ID": sandbox.config.iconik.app_id, "Auth-Token": "wrong"},
        timeout=5,
    )
    assert wrong.status_code == 401 and wrong.json() == {"errors": ["Token is invalid"]}

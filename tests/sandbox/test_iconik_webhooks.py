"""iconik webhooks: CRUD, and real delivery to a receiver listening on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer

W = "/API/notifications/v1/webhooks/"


class Receiver:
    """Records every POST; answers with ``status`` (settable while running)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def bodies(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    rec.thread.start()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


def control(sandbox: SandboxServer, path: str) -> str:
    return f"{sandbox.urls['iconik']}/_sandbox/iconik/{path}"


def settle(sandbox: SandboxServer, expected_log: int | None = None) -> list[dict[str, Any]]:
    """Wait until nothing is queued (and, if given, the log has that many entries); return the log."""
    deadline = time.monotonic() + 10
    while True:
        log = httpx.get(control(sandbox, "deliveries"), timeout=5).json()
        done = log["pending"] == 0 and (expected_log is None or log["total"] >= expected_log)
        if done or time.monotonic() > deadline:
            objects: list[dict[str, Any]] = log["objects"]
            return objects
        time.sleep(0.02)


def make_webhook(http: httpx.Client, url: str, **fields: Any) -> dict[str, Any]:
    body = {"event_type": "jobs", "status": "ENABLED", "url": url, **fields}
    resp = http.post(W, json=body)
    assert resp.status_code == 201, resp.text
    created: dict[str, Any] = resp.json()
    return created


def make_job(http: httpx.Client, status: str = "READY") -> str:
    resp = http.post("/API/jobs/v1/jobs/", json={"title": "t", "type": "CUSTOM", "status": status})
    assert resp.status_code == 201
    return str(resp.json()["id"])


def test_webhook_crud(iconik_http: httpx.Client) -> None:
    created = make_webhook(
        iconik_http,
        "https://example.com/in",
        realm="entity",
        headers={"X-Secret": "s"},
        name="n",
        query='operation="create"',
    )
    assert created["status"] == "ENABLED" and created["realm"] == "entity" and created["operation"] is None
    assert created["headers"] == {"X-Secret": "s"} and created["date_created"].endswith("+00:00")
    listing = iconik_http.get(W).json()
    assert set(listing) == {"objects"} and [w["id"] for w in listing["objects"]] == [created["id"]]
    assert iconik_http.get(f"{W}{created['id']}/").json()["url"] == "https://example.com/in"
    put = iconik_http.put(
        f"{W}{created['id']}/",
        json={"event_type": "assets", "status": "DISABLED", "url": "https://example.com/2"},
    )
    assert (
        put.status_code == 200 and put.json()["status"] == "DISABLED" and put.json()["event_type"] == "assets"
    )
    assert iconik_http.delete(f"{W}{created['id']}/").status_code == 204
    gone = iconik_http.get(f"{W}{created['id']}/")
    assert gone.status_code == 404 and gone.json() == {"errors": ["Webhook does not exist"]}


def test_webhook_validation(iconik_http: httpx.Client) -> None:
    resp = iconik_http.post(W, json={"event_type": "assets"})
    assert resp.status_code == 400
    assert resp.json() == {
        "errors": {
            "status": ["Missing data for required field."],
            "url": ["Missing data for required field."],
        }
    }
    bad = iconik_http.post(
        W, json={"event_type": "assets", "status": "ON", "url": "ftp://x", "headers": {"a": 1}}
    )
    assert set(bad.json()["errors"]) == {"status", "url", "headers"}
    bad_query = iconik_http.post(
        W, json={"event_type": "a", "status": "ENABLED", "url": "http://x/", "query": "a ="}
    )
    assert bad_query.status_code == 400 and "query" in bad_query.json()["errors"]


def test_delivery_payload_headers_and_matching(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    hook = make_webhook(
        iconik_http, receiver.url, realm="entity", operation="create", headers={"X-Token": "abc"}
    )
    make_webhook(iconik_http, receiver.url + "/assets", event_type="assets", realm="metadata")
    make_webhook(iconik_http, receiver.url + "/off", status="DISABLED")
    job_id = make_job(iconik_http)
    log = settle(sandbox, expected_log=1)
    assert [r["path"] for r in receiver.requests] == ["/hook"]
    request = receiver.requests[0]
    assert request["headers"]["X-Token"] == "abc"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert set(body) == {
        "system_domain_id",
        "event_type",
        "object_id",
        "user_id",
        "realm",
        "operation",
        "data",
        "request_id",
    }
    assert (body["event_type"], body["realm"], body["operation"], body["object_id"]) == (
        "jobs",
        "entity",
        "create",
        job_id,
    )
    assert body["data"]["id"] == job_id and len(body["request_id"]) == 32
    [entry] = log
    assert entry["webhook_id"] == hook["id"] and entry["request_id"] == body["request_id"]
    assert entry["status_code"] == 200 and entry["attempt"] == 1 and entry["error"] is None and entry["time"]


def test_object_id_and_query_filters(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    make_webhook(iconik_http, receiver.url + "/failed", query='data.status="FAILED" AND operation!="delete"')
    watched = make_job(iconik_http)
    make_webhook(iconik_http, receiver.url + "/one", object_id=watched)
    other = make_job(iconik_http)
    iconik_http.patch(f"/API/jobs/v1/jobs/{other}/", json={"status": "FAILED"})
    iconik_http.patch(f"/API/jobs/v1/jobs/{watched}/", json={"message": "hello"})
    settle(sandbox, expected_log=2)
    paths = sorted(r["path"] for r in receiver.requests)
    assert paths == ["/hook/failed", "/hook/one"]
    by_path = {r["path"]: r["body"] for r in receiver.requests}
    assert by_path["/hook/failed"]["object_id"] == other
    assert by_path["/hook/one"]["data"]["message"] == "hello"


def test_metadata_event_delivery(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    asset_id = str(uuid.uuid1())
    sandbox.iconik.assets[asset_id] = {"id": asset_id, "title": "A", "status": "ACTIVE", "versions": []}
    iconik_http.post(
        "/API/metadata/v1/fields/", json={"name": "note", "label": "Note", "field_type": "string"}
    )
    make_webhook(iconik_http, receiver.url, event_type="assets", realm="metadata")
    values = {"metadata_values": {"note": {"field_values": [{"value": "hi"}]}}}
    assert iconik_http.put(f"/API/metadata/v1/assets/{asset_id}/", json=values).status_code == 200
    settle(sandbox, expected_log=1)
    [body] = receiver.bodies()
    assert body["object_id"] == asset_id and body["realm"] == "metadata"
    assert body["data"]["metadata_values"] == {"note": {"field_values": [{"value": "hi"}]}}


def test_duplicates_at_rate_one(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    settings = httpx.put(control(sandbox, "webhooks/settings"), json={"duplicate_rate": 1.0}, timeout=5)
    assert settings.status_code == 200 and settings.json()["duplicate_rate"] == 1.0
    make_webhook(iconik_http, receiver.url, operation="create")
    make_job(iconik_http)
    make_job(iconik_http)
    log = settle(sandbox, expected_log=4)
    ids = [b["request_id"] for b in receiver.bodies()]
    assert len(ids) == 4 and len(set(ids)) == 2 and all(ids.count(i) == 2 for i in ids)
    assert sorted(e["attempt"] for e in log) == [1, 1, 2, 2]


def test_failing_after_consecutive_errors_then_reenable(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    httpx.put(control(sandbox, "webhooks/settings"), json={"failing_after": 3}, timeout=5)
    receiver.status = 500
    hook = make_webhook(iconik_http, receiver.url, operation="create", headers={"X-A": "1"})
    for _ in range(5):
        make_job(iconik_http)
    log = settle(sandbox)
    assert len(receiver.requests) == 3
    assert [e["status_code"] for e in log] == [500, 500, 500] and log[0]["error"] == "HTTP 500"
    state = iconik_http.get(f"{W}{hook['id']}/").json()
    assert state["status"] == "FAILING" and state["first_failed_at"] and state["last_error"] == "HTTP 500"
    assert json.loads(state["last_payload"])["event_type"] == "jobs"

    receiver.status = 200
    make_job(iconik_http)
    settle(sandbox)
    assert len(receiver.requests) == 3

    body = {k: state[k] for k in ("event_type", "url", "operation", "headers")}
    assert (
        iconik_http.put(f"{W}{hook['id']}/", json={**body, "status": "ENABLED"}).json()["status"] == "ENABLED"
    )
    make_job(iconik_http)
    settle(sandbox, expected_log=4)
    assert len(receiver.requests) == 4 and receiver.requests[-1]["headers"]["X-A"] == "1"
    assert "first_failed_at" not in iconik_http.get(f"{W}{hook['id']}/").json()


def test_unreachable_receiver_counts_as_failure(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    httpx.put(control(sandbox, "webhooks/settings"), json={"failing_after": 1}, timeout=5)
    hook = make_webhook(iconik_http, f"http://127.0.0.1:{closed_port}/x", operation="create")
    make_job(iconik_http)
    [entry] = settle(sandbox, expected_log=1)
    assert entry["status_code"] is None and "no response" in entry["error"]
    assert iconik_http.get(f"{W}{hook['id']}/").json()["status"] == "FAILING"


def test_settings_validation(sandbox: SandboxServer) -> None:
    resp = httpx.put(control(sandbox, "webhooks/settings"), json={"duplicate_rate": 2}, timeout=5)
    assert resp.status_code == 400 and "duplicate_rate" in resp.json()["errors"]
    current = httpx.get(control(sandbox, "webhooks/settings"), timeout=5).json()
    assert current["duplicate_rate"] == 0.0 and current["failing_after"] == 5


def test_query_language_subset(sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver) -> None:
    queries = {
        "or": 'data.status="FAILED" OR data.status="STARTED"',
        "group": '(data.progress>=0 AND data.progress<10) data.type="CUSTOM"',
        "regex": "data.title=/^Nightly/",
        "not_null": "data.message!=null",
        "miss": 'data.status="FINISHED"',
    }
    for name, query in queries.items():
        make_webhook(iconik_http, f"{receiver.url}/{name}", operation="create", query=query)
    resp = iconik_http.post(
        "/API/jobs/v1/jobs/", json={"title": "Nightly copy", "type": "CUSTOM", "status": "STARTED"}
    )
    assert resp.status_code == 201
    settle(sandbox, expected_log=3)
    assert sorted(r["path"] for r in receiver.requests) == ["/hook/group", "/hook/or", "/hook/regex"]


def test_duplicates_follow_the_seed(sandbox_factory: Any) -> None:
    def pattern() -> list[int]:
        server = sandbox_factory()
        rec = Receiver()
        rec.thread.start()
        try:
            settings = {"duplicate_rate": 0.5, "seed": 7}
            assert (
                httpx.put(control(server, "webhooks/settings"), json=settings, timeout=5).status_code == 200
            )
            info = server.info()["iconik"]
            headers = {"App-ID": info["app_id"], "Auth-Token": info["auth_token"]}
            with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as http:
                make_webhook(http, rec.url, operation="create")
                for _ in range(12):
                    make_job(http)
            log = settle(server, expected_log=12)
            return [e["attempt"] for e in log]
        finally:
            rec.server.shutdown()
            rec.server.server_close()

    first, second = pattern(), pattern()
    assert first == second
    assert 12 < len(first) < 24  # some, not all, deliveries were doubled

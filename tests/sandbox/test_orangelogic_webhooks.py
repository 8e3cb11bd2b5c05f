"""Orange Logic emulator: signed webhook deliveries, retries with backoff, muting, off by default."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.fail_first = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = receiver.fail_first > 0
                receiver.fail_first -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.requests) >= count, f"expected {count} deliveries, got {len(self.requests)}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()
    yield rec
    rec.server.shutdown()
    rec.server.server_close()


@pytest.fixture
def ol(sandbox: Any) -> Iterator[httpx.Client]:
    token = sandbox.config.orangelogic.static_bearer_token
    with httpx.Client(
        base_url=sandbox.urls["orangelogic"], headers={"Authorization": f"Bearer {token}"}, timeout=10
    ) as client:
        yield client


def control(sandbox: Any, method: str, path: str, body: Any = None) -> Any:
    resp = httpx.request(
        method, f"{sandbox.urls['orangelogic']}/_sandbox/orangelogic{path}", json=body, timeout=10
    )
    assert resp.status_code < 300, resp.text
    return resp.json()


def create(ol: httpx.Client, title: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    resp = ol.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Create",
        data={"CoreField.Title:": title, "format": "json"},
        headers=headers or {},
    )
    return dict(resp.json()["Response"])


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()
    versions = dict(part.split(",", 1) for part in headers["x-ol-signature"].split(" "))
    return hmac.compare_digest(versions.get("v1", ""), expected)


def test_signed_deliveries_for_create_edit_delete(sandbox: Any, ol: httpx.Client, receiver: Receiver) -> None:
    control(sandbox, "PUT", "/webhooks/enabled", {"enabled": True})
    sub = control(sandbox, "POST", "/webhooks", {"url": receiver.url, "name": "engine"})
    made = create(ol, "Hooked")
    ol.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Update",
        data={"RecordID": made["RecordID"], "CoreField.Title:": "Hooked 2", "format": "json"},
    )
    ol.post(
        "/API/DataTable/v2.2/Documents.Image.Default:Delete",
        data={"RecordID": made["RecordID"], "format": "json"},
    )
    receiver.wait(3)
    secret = sandbox.config.orangelogic.webhook_secret
    payloads = []
    for headers, body in receiver.requests:
        assert verify(secret, headers, body)
        assert not verify("wrong-secret", headers, body)
        payloads.append(json.loads(body))
    # each delivery is its own task (with its own retries), so arrival order is not guaranteed — as with
    # any at-least-once webhook sender; consumers re-read the record instead of trusting the order
    assert sorted(p["topic"] for p in payloads) == ["asset.created", "asset.deleted", "asset.edited"]
    assert {p["recordId"] for p in payloads} == {made["RecordID"]}
    assert {p["identifier"] for p in payloads} == {made["CoreField.Identifier"]}
    assert len({p["eventId"] for p in payloads}) == 3
    assert all(p["subscriptionId"] == sub["id"] for p in payloads)
    tampered = receiver.requests[0][1].replace(b"Hooked", b"Hacked")
    assert not verify(secret, receiver.requests[0][0], tampered + b" ")


def test_retries_until_success_with_same_event_id(sandbox: Any, ol: httpx.Client, receiver: Receiver) -> None:
    control(sandbox, "PUT", "/webhooks/enabled", {"enabled": True})
    control(sandbox, "POST", "/webhooks", {"url": receiver.url, "topics": ["asset.created"]})
    receiver.fail_first = 2
    create(ol, "Flaky receiver")
    receiver.wait(3)
    assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1
    deliveries = control(sandbox, "GET", "/webhooks/deliveries")["deliveries"]
    assert len(deliveries) == 1
    assert deliveries[0]["status"] == "delivered"
    assert [a["status"] for a in deliveries[0]["attempts"]] == [500, 500, 204]


def test_gives_up_after_five_retries(sandbox: Any, ol: httpx.Client, receiver: Receiver) -> None:
    control(sandbox, "PUT", "/webhooks/enabled", {"enabled": True})
    control(sandbox, "POST", "/webhooks", {"url": receiver.url})
    receiver.fail_first = 100
    create(ol, "Always failing")
    receiver.wait(6)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        delivery = control(sandbox, "GET", "/webhooks/deliveries")["deliveries"][0]
        if delivery["status"] != "pending":
            break
        time.sleep(0.05)
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 6
    time.sleep(0.3)
    assert len(receiver.requests) == 6


def test_mute_headers_suppress_webhooks(sandbox: Any, ol: httpx.Client, receiver: Receiver) -> None:
    control(sandbox, "PUT", "/webhooks/enabled", {"enabled": True})
    control(sandbox, "POST", "/webhooks", {"url": receiver.url, "name": "engine"})
    create(ol, "muted by topic", {"X-Mute-WebHook-Topics": "*"})
    create(ol, "muted by name", {"X-Mute-WebHook-Subscriptions": "other,engine"})
    create(ol, "muted other topic", {"X-Mute-WebHook-Topics": "asset.deleted"})
    create(ol, "muted other sub", {"X-Mute-WebHook-Subscriptions": "someone-else"})
    receiver.wait(2)
    time.sleep(0.3)
    titles = []
    for _, body in receiver.requests:
        rid = json.loads(body)["recordId"]
        titles.append(control(sandbox, "GET", f"/assets/{rid}")["Fields"]["CoreField.Title"])
    assert sorted(titles) == ["muted other sub", "muted other topic"]


def test_off_by_default_and_secret_rotation(sandbox: Any, ol: httpx.Client, receiver: Receiver) -> None:
    sub = control(sandbox, "POST", "/webhooks", {"url": receiver.url})
    create(ol, "nobody hears this")
    time.sleep(0.3)
    assert receiver.requests == [] and control(sandbox, "GET", "/webhooks/deliveries")["deliveries"] == []
    control(sandbox, "PUT", "/webhooks/enabled", {"enabled": True})
    new_secret = control(sandbox, "POST", f"/webhooks/{sub['id']}/rotate", {"secret": "rotated-secret"})[
        "secret"
    ]
    create(ol, "during rotation")
    receiver.wait(1)
    headers, body = receiver.requests[0]
    assert verify(sandbox.config.orangelogic.webhook_secret, headers, body)  # v1 = old secret
    versions = dict(part.split(",", 1) for part in headers["x-ol-signature"].split(" "))
    message = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(new_secret.encode(), message, hashlib.sha256).digest()).decode()
    assert versions["v1a"] == expected

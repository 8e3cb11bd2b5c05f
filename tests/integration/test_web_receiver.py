"""The webhook receiver over real HTTP (uvicorn on a loopback port): authentication, de-duplication,
hostile payloads, health and metrics; and an Orange Logic sandbox webhook delivered and verified."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.settings import ClientCredentialsAuth, OrangeLogicSettings
from assetbridge.connectors.orangelogic.webhooks import sign
from assetbridge.web.app import create_web_app
from assetbridge.web.payloads import too_deep
from assetbridge.web.server import WebServer
from assetbridge.web.settings import ReceiverSettings

OL_SECRET = "ol-current-secret"
OL_PREVIOUS = "ol-previous-secret"
ICONIK_SECRET = "iconik-shared-secret"
MIB = 1024 * 1024
DOMAIN = "562b6dc8-9c3e-11e9-93c5-0a580a3d829b"


class MemoryInbox:
    """A port fake: the InboxPort contract (unique per system + event id) in a dict."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.broken = False

    def _put(self, system: str, event_id: str, entry: dict[str, Any]) -> bool:
        if self.broken:
            raise OSError("database is down")
        with self.lock:
            if (system, event_id) in self.events:
                return False
            self.events[(system, event_id)] = entry
            return True

    def add(self, system: str, event_id: str, body: bytes, headers: dict[str, str]) -> bool:
        return self._put(system, event_id, {"body": body, "headers": headers, "quarantined": None})

    def quarantine(
        self, system: str, event_id: str, body: bytes, headers: dict[str, str], reason: str
    ) -> bool:
        return self._put(system, event_id, {"body": body, "headers": headers, "quarantined": reason})


@pytest.fixture
def inbox() -> MemoryInbox:
    return MemoryInbox()


def settings(**overrides: Any) -> ReceiverSettings:
    base: dict[str, Any] = {
        "orangelogic_secrets": [OL_SECRET, OL_PREVIOUS],
        "iconik_secret": ICONIK_SECRET,
        "iconik_system_domain_id": DOMAIN,
        "max_body_bytes": 64 * 1024,
    }
    return ReceiverSettings.model_validate({**base, **overrides})


@pytest.fixture
def web(inbox: MemoryInbox) -> Iterator[httpx.Client]:
    with (
        WebServer(create_web_app(settings(), inbox)) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        yield client


def ol_headers(
    body: bytes, event_id: str = "evt-1", *, secret: str = OL_SECRET, age: float = 0
) -> dict[str, str]:
    timestamp = str(int(time.time() - age))
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": timestamp,
        "x-ol-signature": sign(secret, body, event_id=event_id, timestamp=timestamp),
    }


def ol_body(event_id: str = "evt-1") -> bytes:
    return json.dumps({"eventId": event_id, "topic": "asset.edited", "recordId": "R1"}).encode()


def iconik_body(request_id: str = "e2f3b065cba1b882f0fe8fa6efd6f3fd", **extra: Any) -> bytes:
    payload = {
        "system_domain_id": DOMAIN,
        "event_type": "assets",
        "realm": "entity",
        "operation": "update",
        "object_id": "a1",
        "data": {},
        "request_id": request_id,
        **extra,
    }
    return json.dumps(payload).encode()


def metrics(client: httpx.Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
        if s.name.endswith("_total")
    }


def test_signed_orangelogic_webhook_is_stored_once(web: httpx.Client, inbox: MemoryInbox) -> None:
    body = ol_body()
    first = web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body))
    assert first.status_code == 202
    assert first.json() == {"status": "accepted", "event_id": "evt-1"}
    again = web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body))
    assert again.status_code == 202
    assert again.json()["status"] == "duplicate"
    assert list(inbox.events) == [("orangelogic", "evt-1")]
    stored = inbox.events[("orangelogic", "evt-1")]
    assert stored["body"] == body  # raw bytes, unparsed
    assert stored["headers"]["webhook-id"] == "evt-1"
    assert stored["headers"]["x-ol-signature"] == "***"


def test_previous_secret_is_accepted_during_rotation(web: httpx.Client, inbox: MemoryInbox) -> None:
    body = ol_body("evt-rot")
    response = web.post(
        "/webhooks/orangelogic", content=body, headers=ol_headers(body, "evt-rot", secret=OL_PREVIOUS)
    )
    assert response.status_code == 202
    assert ("orangelogic", "evt-rot") in inbox.events


@pytest.mark.parametrize(
    "case",
    [
        "wrong secret",
        "tampered body",
        "no signature",
        "no timestamp",
        "no id",
        "expired",
        "future",
        "garbage",
        *(
            f"timestamp {t}"
            for t in ("inf", "nan", "-1e300", "99999999999999999999", "2024-13-45", "Z" * 300)
        ),
    ],
)
def test_unauthentic_orangelogic_webhooks_get_401_and_store_nothing(
    web: httpx.Client, inbox: MemoryInbox, case: str
) -> None:
    body = ol_body()
    headers = ol_headers(body)
    if case == "wrong secret":
        headers = ol_headers(body, secret="not-the-secret")
    elif case == "tampered body":
        body = body.replace(b"R1", b"R2")
    elif case == "no signature":
        del headers["x-ol-signature"]
    elif case == "no timestamp":
        del headers["webhook-timestamp"]
    elif case == "no id":
        del headers["webhook-id"]
    elif case == "expired":
        headers = ol_headers(body, age=3600)
    elif case == "future":
        headers = ol_headers(body, age=-3600)
    elif case.startswith("timestamp "):
        timestamp = case.removeprefix("timestamp ")
        signature = sign(OL_SECRET, body, event_id="evt-1", timestamp=timestamp)
        headers |= {"webhook-timestamp": timestamp, "x-ol-signature": signature}
    else:
        headers["x-ol-signature"] = "v1,!!!not-base64 v2,abc"
    response = web.post("/webhooks/orangelogic", content=body, headers=headers)
    assert response.status_code == 401
    assert "error" in response.json()
    assert inbox.events == {}


def test_iconik_webhook_needs_the_secret_header(web: httpx.Client, inbox: MemoryInbox) -> None:
    body = iconik_body()
    assert web.post("/webhooks/iconik", content=body).status_code == 401
    wrong = web.post("/webhooks/iconik", content=body, headers={"X-AssetBridge-Secret": "guess"})
    assert wrong.status_code == 401
    assert ICONIK_SECRET not in wrong.text
    assert inbox.events == {}
    good = {"X-AssetBridge-Secret": ICONIK_SECRET, "Content-Type": "application/json"}
    accepted = web.post("/webhooks/iconik", content=body, headers=good)
    assert accepted.status_code == 202
    assert accepted.json()["event_id"] == "e2f3b065cba1b882f0fe8fa6efd6f3fd"
    assert web.post("/webhooks/iconik", content=body, headers=good).json()["status"] == "duplicate"
    stored = inbox.events[("iconik", "e2f3b065cba1b882f0fe8fa6efd6f3fd")]
    assert stored["body"] == body
    assert stored["headers"]["x-assetbridge-secret"] == "***"  # the secret is never stored
    other = iconik_body("f" * 32, system_domain_id="another-domain")
    assert web.post("/webhooks/iconik", content=other, headers=good).status_code == 403
    assert len(inbox.events) == 1


HOSTILE: list[tuple[str, bytes]] = [
    ("not json", b"<xml>hello</xml>"),
    ("invalid utf-8", b'{"request_id": "\xff\xfe"}'),
    ("json array", b'[{"request_id": "abc"}]'),
    ("json string", b'"just a string"'),
    ("empty", b""),
    ("deep nesting", b"[" * 5000 + b"]" * 5000),
    ("deep object", b'{"a":' * 3000 + b"1" + b"}" * 3000),
    ("no request_id", b'{"event_type": "assets"}'),
    ("request_id object", b'{"request_id": {"$gt": ""}}'),
    ("request_id huge", json.dumps({"request_id": "x" * 5000}).encode()),
    ("unterminated escapes", b'{"request_id": "' + b'\\"[' * 20_000),
]


@pytest.mark.parametrize(("case", "body"), HOSTILE, ids=[c for c, _ in HOSTILE])
def test_hostile_iconik_payloads_are_quarantined_never_500(
    web: httpx.Client, inbox: MemoryInbox, case: str, body: bytes
) -> None:
    headers = {"X-AssetBridge-Secret": ICONIK_SECRET}
    response = web.post("/webhooks/iconik", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "quarantined"
    [(key, stored)] = inbox.events.items()
    assert key[1].startswith("sha256:")
    assert stored["body"] == body
    assert stored["quarantined"]
    again = web.post("/webhooks/iconik", content=body, headers=headers)
    assert again.json()["status"] == "duplicate"
    assert len(inbox.events) == 1


def test_brackets_inside_strings_do_not_count_as_nesting(web: httpx.Client, inbox: MemoryInbox) -> None:
    body = iconik_body("0" * 32, data={"title": "[[[{{{" * 100 + '\\"[[' * 50})
    response = web.post("/webhooks/iconik", content=body, headers={"X-AssetBridge-Secret": ICONIK_SECRET})
    assert response.json()["status"] == "accepted"


@pytest.mark.parametrize(
    "body",
    [b"[" * MIB, b"[]" * (MIB // 2), b'"\\' * (MIB // 2), b'["' + b'\\"[' * (MIB // 3), b'"' * MIB],
    ids=["open", "flat", "escapes", "escaped quotes", "quotes"],
)
def test_nesting_check_is_fast_on_adversarial_megabytes(body: bytes) -> None:
    started = time.perf_counter()
    too_deep(body, 64)
    assert time.perf_counter() - started < 1.0


def test_signed_orangelogic_payload_that_is_not_json_is_quarantined(
    web: httpx.Client, inbox: MemoryInbox
) -> None:
    body = b"\x00\x01 not json"
    response = web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body, "evt-bin"))
    assert response.status_code == 202
    assert response.json()["status"] == "quarantined"
    assert inbox.events[("orangelogic", "evt-bin")]["quarantined"] == "body is not valid UTF-8 JSON"


def test_oversized_bodies_get_413_whether_declared_or_streamed(web: httpx.Client, inbox: MemoryInbox) -> None:
    big = b'{"request_id": "' + b"a" * 70_000 + b'"}'
    headers = {"X-AssetBridge-Secret": ICONIK_SECRET}
    assert web.post("/webhooks/iconik", content=big, headers=headers).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer encoding
        for _ in range(20):
            yield b"x" * 8192

    streamed = web.post("/webhooks/orangelogic", content=chunks(), headers=ol_headers(b""))
    assert streamed.status_code == 413
    assert inbox.events == {}


def test_inbox_outage_is_503_not_500(web: httpx.Client, inbox: MemoryInbox) -> None:
    inbox.broken = True
    body = iconik_body()
    response = web.post("/webhooks/iconik", content=body, headers={"X-AssetBridge-Secret": ICONIK_SECRET})
    assert response.status_code == 503
    assert "database" not in response.text


def test_unknown_routes_and_methods_answer_json(web: httpx.Client) -> None:
    assert web.get("/webhooks/iconik").status_code == 405
    missing = web.post("/webhooks/dropbox", content=b"{}")
    assert missing.status_code == 404
    assert missing.json() == {"error": "Not Found"}


def test_healthz_and_metrics_count_by_system(web: httpx.Client) -> None:
    health = web.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "webhooks": {"orangelogic": True, "iconik": True}}
    body = ol_body()
    web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body))
    web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body))
    web.post("/webhooks/orangelogic", content=body, headers=ol_headers(body, secret="bad"))
    secret = {"X-AssetBridge-Secret": ICONIK_SECRET}
    web.post("/webhooks/iconik", content=iconik_body(), headers=secret)
    web.post("/webhooks/iconik", content=b"nope", headers=secret)
    web.post("/webhooks/iconik", content=iconik_body())
    counts = metrics(web)
    assert counts[("assetbridge_webhooks_received_total", (("system", "orangelogic"),))] == 1
    assert counts[("assetbridge_webhooks_duplicates_total", (("system", "orangelogic"),))] == 1
    rejected = "assetbridge_webhooks_rejected_total"
    assert counts[(rejected, (("reason", "signature"), ("system", "orangelogic")))] == 1
    assert counts[("assetbridge_webhooks_received_total", (("system", "iconik"),))] == 2
    assert counts[("assetbridge_webhooks_quarantined_total", (("system", "iconik"),))] == 1
    assert counts[(rejected, (("reason", "secret"), ("system", "iconik")))] == 1


def test_receiver_without_secrets_refuses_everything(inbox: MemoryInbox) -> None:
    app = create_web_app(ReceiverSettings(), inbox)
    with WebServer(app) as server, httpx.Client(base_url=server.url) as client:
        body = ol_body()
        assert client.post("/webhooks/orangelogic", content=body, headers=ol_headers(body)).status_code == 401
        assert client.post("/webhooks/iconik", content=iconik_body()).status_code == 401
        assert client.get("/healthz").json()["webhooks"] == {"orangelogic": False, "iconik": False}
    assert inbox.events == {}


async def test_orangelogic_sandbox_webhook_is_delivered_and_verified(
    sandbox: Any, inbox: MemoryInbox
) -> None:
    info = sandbox.info()["orangelogic"]
    app = create_web_app(settings(orangelogic_secrets=["rotated-secret"]), inbox)
    with WebServer(app) as server:
        control = info["control_url"] + "/orangelogic"
        async with httpx.AsyncClient(base_url=control) as ctl:
            assert (await ctl.put("/webhooks/enabled", json={"enabled": True})).status_code == 200
            sub = (await ctl.post("/webhooks", json={"url": server.url + "/webhooks/orangelogic"})).json()
            # A rotation makes the sandbox sign with the old secret (v1) and the new one (v1a).
            rotated = await ctl.post(f"/webhooks/{sub['id']}/rotate", json={"secret": "rotated-secret"})
            assert rotated.status_code == 200
            ol_settings = OrangeLogicSettings(
                base_url=info["base_url"],
                auth=ClientCredentialsAuth(client_id=info["client_id"], client_secret=info["client_secret"]),
            )
            async with OrangeLogicClient(ol_settings) as ol:
                folder = await ol.create_folder("webhook target")
            deadline = time.monotonic() + 10
            delivered: list[dict[str, Any]] = []
            while time.monotonic() < deadline and not delivered:
                entries = (await ctl.get("/webhooks/deliveries")).json()["deliveries"]
                delivered = [d for d in entries if d["status"] != "pending"]
                await asyncio.sleep(0.05)
    assert delivered and delivered[0]["status"] == "delivered"
    assert delivered[0]["attempts"][-1]["status"] == 202
    event_id = delivered[0]["event_id"]
    stored = inbox.events[("orangelogic", event_id)]
    payload = json.loads(stored["body"])
    assert payload["recordId"] == folder.record_id
    assert payload["topic"] == "asset.created"
    assert stored["headers"]["webhook-id"] == event_id

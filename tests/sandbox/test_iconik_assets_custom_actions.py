"""Custom actions: registration over the iconik API, and a control-API click reaching a real receiver."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer

ACTIONS = "/API/assets/v1/custom_actions/"
MISSING = "00000000-0000-1000-8000-000000000000"


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records each POST and answers ``status``."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.calls.append((dict(self.headers.items()), json.loads(body)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def register(client: httpx.Client, url: str, context: str = "ASSET", **extra: Any) -> dict[str, Any]:
    body = {
        "title": "Send to Orange Logic",
        "url": url,
        "type": "POST",
        "headers": {"x-secret": "s3"},
        **extra,
    }
    response = client.post(f"{ACTIONS}{context}/", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_register_list_get_update_delete(iconik_http: httpx.Client) -> None:
    action = register(iconik_http, "http://127.0.0.1:9/hook")
    assert action["context"] == "ASSET"
    assert action["status"] == "HEALTHY"
    assert action["headers"] == {"x-secret": "s3"}
    register(iconik_http, "http://127.0.0.1:9/other", context="COLLECTION")
    assert len(iconik_http.get(ACTIONS).json()["objects"]) == 2
    assert [a["id"] for a in iconik_http.get(f"{ACTIONS}ASSET/").json()["objects"]] == [action["id"]]
    one = f"{ACTIONS}ASSET/{action['id']}/"
    assert iconik_http.get(one).json()["title"] == "Send to Orange Logic"
    patched = iconik_http.patch(one, json={"title": "Renamed"})
    assert patched.json()["title"] == "Renamed"
    assert patched.json()["url"] == "http://127.0.0.1:9/hook"
    assert iconik_http.put(one, json={"title": "no url"}).json() == {
        "errors": {"url": ["Missing data for required field."]}
    }
    assert iconik_http.get(f"{ACTIONS}COLLECTION/{action['id']}/").status_code == 404
    assert iconik_http.delete(one).status_code == 204
    assert iconik_http.get(one).json() == {"errors": ["Custom action does not exist"]}


def test_registration_errors(iconik_http: httpx.Client) -> None:
    wrong_context = iconik_http.post(f"{ACTIONS}FOLDER/", json={"title": "x", "url": "http://x"})
    assert wrong_context.status_code == 400
    assert list(wrong_context.json()["errors"]) == ["context"]
    missing = iconik_http.post(f"{ACTIONS}ASSET/", json={"type": "GET"})
    assert missing.json() == {
        "errors": {
            "title": ["Missing data for required field."],
            "url": ["Missing data for required field."],
            "type": ["Must be one of: OPEN, POST."],
        }
    }
    bad_headers = iconik_http.post(
        f"{ACTIONS}ASSET/", json={"title": "x", "url": "http://x", "headers": {"a": 1}}
    )
    assert bad_headers.status_code == 400


def test_click_posts_the_payload_with_headers(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    asset = iconik_http.post("/API/assets/v1/assets/", json={"title": "Clicked"}).json()
    action = register(iconik_http, receiver.url)
    control = f"{sandbox.urls['iconik']}/_sandbox/iconik/custom_actions/{action['id']}/click"
    user = "22222222-0000-1000-8000-000000000001"
    response = httpx.post(control, json={"asset_ids": [asset["id"]], "user_id": user}, timeout=10)
    assert response.status_code == 200
    assert response.json() == {"status_code": 200}
    [(headers, payload)] = receiver.calls
    assert headers["x-secret"] == "s3"
    assert payload["action_id"] == action["id"]
    assert payload["asset_ids"] == [asset["id"]]
    assert payload["collection_ids"] == []
    assert payload["context"] == "ASSET"
    assert payload["user_id"] == user
    assert payload["system_domain_id"] == sandbox.iconik.config.system_domain_id
    # The token in the payload lets the receiver call iconik back.
    info = sandbox.info()["iconik"]
    call_back = httpx.get(
        f"{info['base_url']}/API/assets/v1/assets/{asset['id']}/",
        headers={"App-ID": info["app_id"], "Auth-Token": payload["auth_token"]},
    )
    assert call_back.status_code == 200


def test_click_reports_receiver_failures(
    sandbox: SandboxServer, iconik_http: httpx.Client, receiver: Receiver
) -> None:
    action = register(iconik_http, receiver.url)
    control = f"{sandbox.urls['iconik']}/_sandbox/iconik/custom_actions/{action['id']}/click"
    receiver.status = 500
    assert httpx.post(control, json={"asset_ids": []}, timeout=10).json() == {"status_code": 500}
    failing = iconik_http.get(f"{ACTIONS}ASSET/{action['id']}/").json()
    assert failing["status"] == "FAILING"
    assert "500" in failing["last_error"]
    receiver.status = 204
    assert httpx.post(control, json={}, timeout=10).json() == {"status_code": 204}
    assert iconik_http.get(f"{ACTIONS}ASSET/{action['id']}/").json()["status"] == "HEALTHY"


def test_click_errors(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    base = f"{sandbox.urls['iconik']}/_sandbox/iconik/custom_actions"
    unknown = httpx.post(f"{base}/{MISSING}/click", json={})
    assert unknown.status_code == 404
    action = register(iconik_http, f"http://127.0.0.1:{free_port()}/hook")
    unreachable = httpx.post(f"{base}/{action['id']}/click", json={}, timeout=15)
    assert unreachable.status_code == 502
    assert "127.0.0.1" not in unreachable.text
    missing_asset = httpx.post(f"{base}/{action['id']}/click", json={"asset_ids": [MISSING]})
    assert missing_asset.json() == {"errors": ["Asset does not exist"]}
    disabled = register(iconik_http, "http://127.0.0.1:9/", disabled=True)
    assert httpx.post(f"{base}/{disabled['id']}/click", json={}).status_code == 400


def free_port() -> int:
    """A loopback port that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port

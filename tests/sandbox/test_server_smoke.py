from __future__ import annotations

import httpx

from assetbridge_sandbox.server import SandboxServer


def test_all_three_emulators_answer_health(sandbox: SandboxServer) -> None:
    for name, url in sandbox.urls.items():
        body = httpx.get(f"{url}/_sandbox/health", timeout=5).json()
        assert body["system"] == name
        assert body["status"] == "ok"


def test_iconik_rejects_missing_or_wrong_credentials(sandbox: SandboxServer) -> None:
    url = sandbox.urls["iconik"] + "/API/assets/v1/assets/"
    missing = httpx.get(url, timeout=5)
    assert missing.status_code == 401
    assert missing.json() == {"errors": ["Token is invalid"]}
    wrong = httpx.get(url, headers={"App-ID": "sandbox-app-id", "Auth-Token": "nope"}, timeout=5)
    assert wrong.status_code == 401


def test_faults_can_be_set_and_fire(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    control = sandbox.urls["iconik"] + "/_sandbox/faults"
    rules = {"rules": [{"kind": "status", "status": 503, "count": 1, "path": "/API/auth/"}]}
    assert httpx.put(control, json=rules, timeout=5).status_code == 200
    first = iconik_http.get("/API/auth/v1/auth/token/")
    assert first.status_code == 503
    assert first.json() == {"errors": ["Sandbox injected server error"]}
    snapshot = httpx.get(control, timeout=5).json()
    assert snapshot["fired"] == [1]

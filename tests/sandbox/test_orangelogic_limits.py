"""Orange Logic emulator: injected faults in Orange Logic's shape, the optional throttle, URL length."""

from __future__ import annotations

from typing import Any

import httpx

SEARCH = "/API/Search/v4.0/Search"


def _headers(sandbox: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {sandbox.config.orangelogic.static_bearer_token}"}


def test_injected_fault_uses_orange_logic_error_shape(sandbox: Any) -> None:
    base = sandbox.urls["orangelogic"]
    rules = {"rules": [{"kind": "status", "status": 503, "path": "/API/Search", "count": 1}]}
    assert httpx.put(f"{base}/_sandbox/faults", json=rules).status_code == 200
    faulted = httpx.post(base + SEARCH, data={"query": "", "format": "json"}, headers=_headers(sandbox))
    assert faulted.status_code == 503
    assert faulted.json()["APIResponse"]["Code"] != "SUCCESS" and faulted.json()["ErrorCode"]
    again = httpx.post(base + SEARCH, data={"query": "", "format": "json"}, headers=_headers(sandbox))
    assert again.status_code == 200


def test_throttle_is_off_by_default_and_answers_503_when_on(sandbox: Any) -> None:
    base = sandbox.urls["orangelogic"]
    with httpx.Client(base_url=base, headers=_headers(sandbox), timeout=10) as ol:
        statuses = {ol.post(SEARCH, data={"query": "", "format": "json"}).status_code for _ in range(30)}
        assert statuses == {200}
        assert httpx.put(f"{base}/_sandbox/orangelogic/throttle", json={"per_second": 2}).json() == {
            "per_second": 2.0
        }
        answers = [ol.post(SEARCH, data={"query": "", "format": "json"}) for _ in range(10)]
        busy = [r for r in answers if r.status_code == 503]
        # a full bucket (2) at the switch, then refills at 2/s: back-to-back requests mostly get 503
        assert 2 <= 10 - len(busy) <= 4
        assert busy[0].headers["retry-after"] == "1"
        assert busy[0].json()["APIResponse"]["Code"] == "SERVER_BUSY"
        httpx.put(f"{base}/_sandbox/orangelogic/throttle", json={"per_second": 0})
        assert ol.post(SEARCH, data={"query": "", "format": "json"}).status_code == 200


def test_too_long_get_url_is_403_but_post_works(sandbox: Any) -> None:
    with httpx.Client(base_url=sandbox.urls["orangelogic"], headers=_headers(sandbox), timeout=10) as ol:
        query = " OR ".join(f"Title:word{i}" for i in range(200))
        long_get = ol.get(SEARCH, params={"query": query, "format": "json"})
        assert long_get.status_code == 403 and long_get.json()["APIResponse"]["Code"] == "URL_TOO_LONG"
        assert ol.post(SEARCH, data={"query": query, "format": "json"}).status_code == 200


def test_control_api_validation_and_inspection(sandbox: Any) -> None:
    base = f"{sandbox.urls['orangelogic']}/_sandbox/orangelogic"
    assert httpx.put(f"{base}/multipart-threshold", json={"bytes": "big"}).status_code == 400
    assert httpx.post(f"{base}/webhooks", json={"url": "ftp://x"}).status_code == 400
    assert (
        httpx.post(f"{base}/webhooks", json={"url": "http://127.0.0.1:9/x", "topics": ["nope"]}).status_code
        == 400
    )
    assert httpx.get(f"{base}/assets/NOPE").status_code == 404
    assert httpx.get(f"{base}/assets").json() == {"assets": []}

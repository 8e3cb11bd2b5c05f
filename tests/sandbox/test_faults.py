"""Fault injection as a client sees it over real HTTP: resets, truncation, 429 storms, latency, seeds."""

from __future__ import annotations

import time

import httpx
import pytest

from assetbridge_sandbox.faults import FaultInjector, FaultRule
from assetbridge_sandbox.server import SandboxServer

TOKEN_PATH = "/API/auth/v1/auth/token/"


def set_faults(sandbox: SandboxServer, rules: list[dict[str, object]], seed: int | None = None) -> None:
    body: dict[str, object] = {"rules": rules}
    if seed is not None:
        body["seed"] = seed
    response = httpx.put(sandbox.urls["iconik"] + "/_sandbox/faults", json=body, timeout=5)
    assert response.status_code == 200, response.text


def test_reset_closes_the_connection_without_a_response(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    set_faults(sandbox, [{"kind": "reset", "count": 1}])
    with pytest.raises(httpx.RemoteProtocolError):
        iconik_http.get("/API/assets/v1/assets/")
    # the rule fired once; the next request is served normally
    assert iconik_http.get(TOKEN_PATH).status_code == 200


def test_truncated_body_is_shorter_than_its_content_length(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    set_faults(sandbox, [{"kind": "truncate", "count": 1}])
    with pytest.raises(httpx.RemoteProtocolError):
        iconik_http.get("/API/metadata/v1/views/")


def test_rate_limit_storm_returns_429_with_retry_after(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    set_faults(sandbox, [{"kind": "rate_limit", "count": 3, "retry_after": 2}])
    statuses = [iconik_http.get(TOKEN_PATH) for _ in range(4)]
    assert [r.status_code for r in statuses[:3]] == [429, 429, 429]
    assert statuses[0].headers["Retry-After"] == "2"
    assert statuses[0].json() == {"errors": ["Too many requests"]}
    assert statuses[3].status_code != 429


def test_latency_rule_delays_matching_requests_only(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    set_faults(sandbox, [{"kind": "latency", "latency_ms": 300, "path": "^/API/jobs/"}])
    start = time.monotonic()
    iconik_http.get(TOKEN_PATH)
    fast = time.monotonic() - start
    start = time.monotonic()
    iconik_http.get("/API/jobs/v1/jobs/")
    slow = time.monotonic() - start
    assert slow >= 0.3
    assert fast < 0.3


def test_control_api_is_never_faulted(sandbox: SandboxServer) -> None:
    set_faults(sandbox, [{"kind": "status", "status": 500}])
    assert httpx.get(sandbox.urls["iconik"] + "/_sandbox/health", timeout=5).status_code == 200


def test_bad_fault_rules_are_rejected_with_the_field_named(sandbox: SandboxServer) -> None:
    response = httpx.put(
        sandbox.urls["iconik"] + "/_sandbox/faults", json={"rules": [{"kind": "explode"}]}, timeout=5
    )
    assert response.status_code == 400
    assert any("kind" in key for key in response.json()["errors"])


def test_same_seed_same_faults() -> None:
    rules = [FaultRule(kind="status", probability=0.3)]
    runs = []
    for _ in range(2):
        injector = FaultInjector(rules, seed=7)
        runs.append([bool(injector.choose("GET", "/x")) for _ in range(200)])
    assert runs[0] == runs[1]
    assert 30 < sum(runs[0]) < 90  # about 30 % of 200
    other = FaultInjector(rules, seed=8)
    assert [bool(other.choose("GET", "/x")) for _ in range(200)] != runs[0]


def test_count_caps_and_method_filter() -> None:
    injector = FaultInjector([FaultRule(kind="status", count=2, method="POST")])
    assert injector.choose("GET", "/a") == []
    assert len(injector.choose("POST", "/a")) == 1
    assert len(injector.choose("post", "/a")) == 1
    assert injector.choose("POST", "/a") == []

"""iconik's per-App-ID limit: 50/s sustained and 1000 per 20 s, with 429 and the optional headers."""

from __future__ import annotations

import httpx

from assetbridge_sandbox.config import RateLimitConfig
from assetbridge_sandbox.iconik.ratelimit import SlidingWindowLimiter


def test_per_second_limit_and_recovery() -> None:
    limiter = SlidingWindowLimiter(RateLimitConfig(per_second=5, per_window=1000))
    results = [limiter.check("app", now=10.0 + i * 0.01)[0] for i in range(7)]
    assert results == [True] * 5 + [False] * 2
    allowed, _, wait = limiter.check("app", now=10.5)
    assert not allowed and 0.4 < wait <= 0.51
    assert limiter.check("app", now=11.01)[0]


def test_window_limit_counts_twenty_seconds() -> None:
    limiter = SlidingWindowLimiter(RateLimitConfig(per_second=1000, per_window=10, window_seconds=20))
    for i in range(10):
        assert limiter.check("app", now=float(i))[0]
    allowed, remaining, wait = limiter.check("app", now=15.0)
    assert not allowed and remaining == 0 and wait == 5.0
    assert limiter.check("app", now=20.01)[0]


def test_each_app_id_has_its_own_budget() -> None:
    limiter = SlidingWindowLimiter(RateLimitConfig(per_second=1))
    assert limiter.check("a", now=1.0)[0]
    assert limiter.check("b", now=1.0)[0]
    assert not limiter.check("a", now=1.1)[0]


def test_sandbox_answers_429_beyond_the_limit_with_and_without_retry_after(sandbox_factory: object) -> None:
    server = sandbox_factory(iconik={"rate_limit": {"per_second": 5, "per_window": 1000}})  # type: ignore[operator]
    info = server.info()["iconik"]
    headers = {
        "app-id": info["app_id"],
        "AUTH-TOKEN": info["auth_token"],
    }  # header names are case-insensitive
    with httpx.Client(base_url=info["base_url"], headers=headers, timeout=5) as client:
        responses = [client.get("/API/auth/v1/auth/token/") for _ in range(8)]
        limited = [r for r in responses if r.status_code == 429]
        assert limited, "no 429 after exceeding 5 requests/s"
        assert limited[0].json() == {"errors": ["Too many requests"]}
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert limited[0].headers["RateLimit-Remaining"] == "0"
        assert "RateLimit-Remaining" in responses[0].headers
        control = info["base_url"] + "/_sandbox/iconik/rate_limit"
        httpx.put(control, json={"send_retry_after": False}, timeout=5).raise_for_status()
        more = [client.get("/API/auth/v1/auth/token/") for _ in range(8)]
        assert any(r.status_code == 429 for r in more)
        assert all("Retry-After" not in r.headers for r in more)

"""Optional throttle (off by default): no rate limits are published for Orange Logic (reference §9.2).

When on, requests above ``per_second`` (token bucket, burst = one second's worth) get what an overloaded
tenant documents: **503** "server in a state that doesn't allow API calls (retry)" (§1.4), with
``Retry-After: 1``. 429 is not observed on real tenants, so the sandbox does not send it here.
"""

from __future__ import annotations

import time


class Throttle:
    def __init__(self, per_second: float) -> None:
        self.per_second = per_second
        self._tokens = per_second
        self._last = time.monotonic()

    def set_rate(self, per_second: float) -> None:
        """Change the rate at run time, starting from a full bucket (one second's worth)."""
        self.per_second = per_second
        self._tokens = per_second
        self._last = time.monotonic()

    def allow(self) -> bool:
        if self.per_second <= 0:
            return True
        now = time.monotonic()
        self._tokens = min(self.per_second, self._tokens + (now - self._last) * self.per_second)
        self._last = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False

"""iconik's per-application rate limit (reference §2.4): ~50 requests/s sustained and 1000 requests
over any 20-second window per App-ID; beyond that HTTP 429 ``{"errors": ["Too many requests"]}``.

Whether the real service sends ``Retry-After`` is open (reference §12.1), so both headers are
switchable in the config and at run time, letting clients be tested with and without them.
"""

from __future__ import annotations

import math
import time
from collections import deque

from assetbridge_sandbox.config import RateLimitConfig


class SlidingWindowLimiter:
    def __init__(self, config: RateLimitConfig) -> None:
        self.config = config
        self._hits: dict[str, deque[float]] = {}
        self.allowed = 0
        self.rejected = 0

    def check(self, key: str, now: float | None = None) -> tuple[bool, int, float]:
        """Record a request for ``key``: (allowed, remaining in the tighter window, seconds to wait)."""
        if not self.config.enabled:
            self.allowed += 1
            return True, self.config.per_window, 0.0
        now = time.monotonic() if now is None else now
        hits = self._hits.setdefault(key, deque())
        window = self.config.window_seconds
        while hits and hits[0] <= now - window:
            hits.popleft()
        in_last_second = 0
        for t in reversed(hits):
            if t <= now - 1.0:
                break
            in_last_second += 1
        remaining_window = self.config.per_window - len(hits)
        remaining_second = self.config.per_second - in_last_second
        if remaining_window <= 0 or remaining_second <= 0:
            self.rejected += 1
            waits = []
            if remaining_second <= 0:
                # the oldest hit inside the last second leaves the 1 s window at t + 1
                waits.append(hits[-self.config.per_second] + 1.0 - now)
            if remaining_window <= 0:
                waits.append(hits[0] + window - now)
            return False, 0, max(0.0, max(waits))
        hits.append(now)
        self.allowed += 1
        return True, max(0, min(remaining_window, remaining_second) - 1), 0.0

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))

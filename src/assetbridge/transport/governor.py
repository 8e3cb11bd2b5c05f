"""Client-side rate governor: a sliding-window budget plus reactions to what the server says.

The budget itself lives in a pyrate-limiter bucket (``AbstractBucket``): ``InMemoryBucket`` for one
process, ``SharedSQLiteBucket`` (or pyrate's Redis/PostgreSQL buckets) when several workers must share
one budget; ``make_bucket`` builds either. The buckets keep a sliding-window log, so "at most N in any
window" holds exactly (a token bucket would let a full bucket burst past iconik's 20-second window).
Items are stamped with the governor's own clock, injected in tests, and the wall clock by default so
that a shared bucket compares times across processes. The 429 pause and slow-down below are per
process.

On top of the bucket the governor keeps two pieces of adaptive state that pyrate-limiter does not
have: a *pause* (after a 429, until ``Retry-After`` or a backoff has passed, for every caller) and a
*slow-down* (while the server's ``RateLimit-Remaining`` is low, requests are spaced by
``low_remaining_spacing``). ``decide`` is pure given ``now``; ``acquire`` sleeps accordingly.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pyrate_limiter import AbstractBucket, InMemoryBucket, Rate, RateItem, SQLiteBucket
from pyrate_limiter.buckets.sqlite_bucket import Queries

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class GovernorConfig(BaseModel):
    """Request budget for one set of credentials (iconik: ~50/s and 1000 per 20 s, reference §2.4)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    per_second: int = Field(48, ge=1, description="requests allowed in any 1-second window")
    per_window: int = Field(980, ge=1, description="requests allowed in any `window_seconds` window")
    window_seconds: float = Field(20.0, gt=0)
    smoothing: float = Field(
        0.1, ge=0, lt=1, description="sub-window (s) holding its share of per_second, so requests are spread"
    )
    low_remaining: int = Field(3, ge=0, description="RateLimit-Remaining at or below this slows us down")
    low_remaining_spacing: float = Field(0.05, ge=0, description="seconds between requests while slowed")
    default_pause: float = Field(1.0, gt=0, description="pause after a 429 without Retry-After, seconds")
    max_pause: float = Field(60.0, gt=0, description="longest pause the governor imposes for one 429")

    def rates(self) -> list[Rate]:
        """pyrate-limiter rates; the window rate only when it is tighter than the per-second one."""
        rates = [Rate(self.per_second, 1000)]
        if self.smoothing:
            # Bursts admitted together reach the server spread by queueing, and can then land in one
            # of its windows with the next burst: admitting in small slices keeps arrivals even.
            slice_limit = math.ceil(self.per_second * self.smoothing)
            if slice_limit < self.per_second:
                rates.insert(0, Rate(slice_limit, int(self.smoothing * 1000)))
        window_ms = int(self.window_seconds * 1000)
        if window_ms > 1000 and self.per_window < self.per_second * self.window_seconds:
            rates.append(Rate(self.per_window, window_ms))
        return rates


class SharedSQLiteBucket(SQLiteBucket):
    """pyrate-limiter's SQLite bucket, made safe across processes.

    ``SQLiteBucket.put`` counts and then inserts under a thread lock only; two processes could both
    count the same free slot. Here the count and the insert run in one ``BEGIN IMMEDIATE``
    transaction, which holds SQLite's write lock (pyrate's own answer needs the ``filelock`` package).
    """

    def put(self, item: RateItem) -> bool:
        with self.lock:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                admitted: bool = super().put(item)
            finally:
                if self.conn.in_transaction:
                    self.conn.rollback()
            return admitted


def make_bucket(
    config: GovernorConfig, sqlite_path: Path | None = None, table: str = "iconik"
) -> AbstractBucket:
    """The bucket store: in memory, or a SQLite file shared by every process that opens it."""
    if sqlite_path is None:
        return InMemoryBucket(config.rates())
    conn = sqlite3.connect(str(sqlite_path), timeout=30, check_same_thread=False, isolation_level="DEFERRED")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(Queries.CREATE_BUCKET_TABLE.format(table=table))
    conn.execute(Queries.CREATE_INDEX_ON_TIMESTAMP.format(index_name=f"idx_{table}_ts", table_name=table))
    conn.commit()
    return SharedSQLiteBucket(config.rates(), conn, table)


class RateGovernor:
    """Decides when the next request may go; reacts to 429, Retry-After and RateLimit-Remaining."""

    def __init__(
        self,
        config: GovernorConfig | None = None,
        *,
        bucket: AbstractBucket | None = None,
        clock: Clock = time.time,
        sleep: Sleep = asyncio.sleep,
        name: str = "iconik",
    ) -> None:
        self.config = config or GovernorConfig()
        self.bucket = bucket if bucket is not None else make_bucket(self.config)
        self.clock = clock
        self.sleep = sleep
        self.name = name
        self.paused_until = 0.0
        self.slow_until = 0.0
        self.next_slow_slot = 0.0
        self.throttled = 0  # 429s seen
        self.waited = 0.0  # seconds spent waiting in acquire()
        self._puts = 0

    def decide(self, now: float) -> float:
        """Seconds to wait before a request may go at ``now``; 0 means it was admitted and counted."""
        if now < self.paused_until:
            return self.paused_until - now
        if now < self.slow_until and now < self.next_slow_slot:
            return self.next_slow_slot - now
        now_ms = int(now * 1000)
        item = RateItem(self.name, now_ms)
        self._puts += 1
        if self._puts % 256 == 0:
            self.bucket.leak(now_ms)
        if not self.bucket.put(item):
            wait_ms = self.bucket.waiting(item)
            return max(0.001, wait_ms / 1000 if isinstance(wait_ms, int) and wait_ms > 0 else 0.01)
        if now < self.slow_until:
            self.next_slow_slot = now + self.config.low_remaining_spacing
        return 0.0

    async def acquire(self) -> None:
        while True:
            wait = self.decide(self.clock())
            if wait <= 0:
                return
            self.waited += wait
            await self.sleep(wait)

    def on_response(
        self, now: float, status: int, *, retry_after: float | None, remaining: int | None
    ) -> None:
        """Feed back what the server said about our budget."""
        if status == 429:
            self.throttled += 1
            pause = retry_after if retry_after is not None else self.config.default_pause
            self.paused_until = max(self.paused_until, now + min(pause, self.config.max_pause))
        if remaining is not None:
            if remaining <= self.config.low_remaining:
                self.slow_until = now + 1.0
                self.next_slow_slot = max(self.next_slow_slot, now + self.config.low_remaining_spacing)
            else:
                self.slow_until = 0.0

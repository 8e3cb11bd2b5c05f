"""The rate governor's decisions, with time injected (no sleeping, no server)."""

from __future__ import annotations

import bisect
from pathlib import Path

import pytest

from assetbridge.transport.governor import GovernorConfig, RateGovernor, make_bucket


class FakeTime:
    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def admitted_times(governor: RateGovernor, clock: FakeTime, count: int) -> list[float]:
    """Run ``count`` requests as fast as the governor allows; the admission times."""
    times: list[float] = []
    while len(times) < count:
        wait = governor.decide(clock.now)
        if wait <= 0:
            times.append(clock.now)
        else:
            clock.now += wait
    return times


def max_in_window(times: list[float], window: float) -> int:
    best = 0
    for i, t in enumerate(times):
        j = bisect.bisect_left(times, t + window - 1e-9)
        best = max(best, j - i)
    return best


def test_never_more_than_per_second_in_any_second() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(per_second=45, per_window=950), clock=clock)
    times = admitted_times(governor, clock, 500)
    assert max_in_window(times, 1.0) <= 45
    # and it is not needlessly slow: 500 requests at 45/s take about 11 s
    assert times[-1] - times[0] < 12.5


def test_window_budget_bounds_bursts_below_the_sustained_rate() -> None:
    clock = FakeTime()
    config = GovernorConfig(per_second=100, per_window=1000, window_seconds=20)
    governor = RateGovernor(config, clock=clock)
    times = admitted_times(governor, clock, 2500)
    assert max_in_window(times, 20.0) <= 1000
    assert max_in_window(times, 1.0) <= 100


def test_default_config_never_exceeds_iconiks_1000_per_20_seconds() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(), clock=clock)
    times = admitted_times(governor, clock, 3000)
    assert max_in_window(times, 20.0) < 1000


def test_smoothing_spreads_each_second_over_slices() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(per_second=45, smoothing=0.1), clock=clock)
    times = admitted_times(governor, clock, 300)
    assert max_in_window(times, 0.1) <= 5
    assert max_in_window(times, 1.0) <= 45
    # and the second-level rate is still reached: 300 requests at 45/s take under 7 s
    assert times[-1] - times[0] < 7.0


def test_429_with_retry_after_pauses_every_caller() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(), clock=clock)
    assert governor.decide(clock.now) == 0
    governor.on_response(clock.now, 429, retry_after=3.0, remaining=0)
    assert governor.decide(clock.now) == pytest.approx(3.0)
    clock.now += 1.0
    assert governor.decide(clock.now) == pytest.approx(2.0)
    clock.now += 2.0
    assert governor.decide(clock.now) == 0
    assert governor.throttled == 1


def test_429_without_retry_after_uses_the_default_pause_and_the_cap() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(default_pause=1.5, max_pause=10), clock=clock)
    governor.on_response(clock.now, 429, retry_after=None, remaining=None)
    assert governor.decide(clock.now) == pytest.approx(1.5)
    governor.on_response(clock.now, 429, retry_after=500, remaining=None)
    assert governor.decide(clock.now) == pytest.approx(10.0)


def test_low_remaining_spaces_requests_and_recovers() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(low_remaining=5, low_remaining_spacing=0.25), clock=clock)
    governor.on_response(clock.now, 200, retry_after=None, remaining=3)
    clock.now += 0.25
    assert governor.decide(clock.now) == 0
    assert governor.decide(clock.now) == pytest.approx(0.25)
    clock.now += 0.25
    assert governor.decide(clock.now) == 0
    governor.on_response(clock.now, 200, retry_after=None, remaining=40)
    assert governor.decide(clock.now) == 0
    assert governor.decide(clock.now) == 0


async def test_acquire_sleeps_exactly_what_decide_asks() -> None:
    clock = FakeTime()
    governor = RateGovernor(GovernorConfig(per_second=2, per_window=100), clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await governor.acquire()
    assert clock.slept, "the third request must wait"
    assert clock.now - 1_000_000.0 >= 2.0
    assert governor.waited == pytest.approx(sum(clock.slept))


def test_two_governors_on_one_sqlite_bucket_share_the_budget(tmp_path: Path) -> None:
    clock = FakeTime()
    config = GovernorConfig(per_second=10, per_window=1000, smoothing=0)
    db = tmp_path / "budget.sqlite"
    first = RateGovernor(config, bucket=make_bucket(config, db), clock=clock)
    second = RateGovernor(config, bucket=make_bucket(config, db), clock=clock)
    admitted = 0
    for i in range(30):
        governor = first if i % 2 else second
        if governor.decide(clock.now) == 0:
            admitted += 1
    assert admitted == 10


def test_sqlite_budget_holds_under_concurrent_connections(tmp_path: Path) -> None:
    """Eight threads, each with its own connection (as separate processes would have), one budget."""
    import threading

    clock = FakeTime()
    config = GovernorConfig(per_second=25, per_window=1000, smoothing=0)
    db = tmp_path / "shared.sqlite"
    admitted: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        governor = RateGovernor(config, bucket=make_bucket(config, db), clock=clock)
        count = sum(1 for _ in range(20) if governor.decide(clock.now) == 0)
        with lock:
            admitted.append(count)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(admitted) == 25


async def test_iconik_clients_with_one_rate_store_share_one_budget(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from assetbridge.connectors.iconik import IconikClient, IconikConfig

    clock = FakeTime()
    config = IconikConfig(
        base_url="http://127.0.0.1:9",
        app_id="app/1",
        auth_token=SecretStr("t0ken"),
        rate=GovernorConfig(per_second=6, per_window=1000, smoothing=0),
        rate_store=tmp_path / "rate.sqlite",
    )
    first, second = IconikClient(config), IconikClient(config)
    try:
        for client in (first, second):
            client.governor.clock = clock
        admitted = sum(1 for i in range(12) if (first, second)[i % 2].governor.decide(clock.now) == 0)
        assert admitted == 6
    finally:
        await first.aclose()
        await second.aclose()

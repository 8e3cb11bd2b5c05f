"""DbosRunner in this process on a shared system database (SQLite file, then PostgreSQL): dedup, lanes,
retries with backoff, Retry-After, dead letters.

One runner per database for the whole module (DBOS is a process-wide singleton and stopping it costs
~2 s); each test uses its own job keys.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import pytest
from dbos import DBOS
from tests.conftest import fresh_postgres_database

from assetbridge.errors import RateLimitedError, TransientError, ValidationError
from assetbridge.runtime.dbos_runtime import DbosRunner, DbosSettings, _tick_workflow
from assetbridge.runtime.memory import MemoryDeadLetters
from assetbridge.runtime.ports import Lane
from assetbridge.transport.retry import RetryPolicy


@dataclass
class Calls:
    started: list[str] = field(default_factory=list)
    loops: set[asyncio.AbstractEventLoop] = field(default_factory=set)
    times: dict[str, list[float]] = field(default_factory=dict)

    def record(self, key: str) -> int:
        self.started.append(key)
        self.loops.add(asyncio.get_running_loop())
        self.times.setdefault(key, []).append(time.monotonic())
        return len(self.times[key])


@dataclass
class Harness:
    runner: DbosRunner
    dead: MemoryDeadLetters
    calls: Calls
    app_loop: asyncio.AbstractEventLoop


def build_runner(url: str, app_loop: asyncio.AbstractEventLoop) -> Harness:
    calls, dead = Calls(), MemoryDeadLetters()
    runner = DbosRunner(
        DbosSettings(
            system_database_url=url,
            worker_concurrency=1,
            polling_interval=0.05,
            retry=RetryPolicy(maximum_attempts=3, initial_interval=0.05, jitter=0),
        ),
        dead,
    )

    async def record(payload: dict[str, Any]) -> None:
        calls.record(payload["key"])
        await asyncio.sleep(payload.get("sleep", 0))

    async def flaky(payload: dict[str, Any]) -> None:
        if calls.record(payload["key"]) <= payload["fail_times"]:
            raise TransientError("iconik", "GET /API/assets/v1/assets/x/", "bad gateway", status=502)

    async def invalid(payload: dict[str, Any]) -> None:
        calls.record(payload["key"])
        raise ValidationError("orangelogic", "POST SaveMultiple", "value not in options", status=400)

    async def limited(payload: dict[str, Any]) -> None:
        if calls.record(payload["key"]) == 1:
            raise RateLimitedError("iconik", "PUT /API/metadata/v1/x/", "slow down", retry_after=1.0)

    async def fan_out(payload: dict[str, Any]) -> None:
        calls.record(payload["key"])
        for child in payload["children"]:
            await runner.submit("record", child, {"key": child}, run_id="from-parent")

    handlers = {"record": record, "flaky": flaky, "invalid": invalid, "limited": limited, "fan_out": fan_out}
    for kind, handler in handlers.items():
        runner.register(kind, handler)
    return Harness(runner, dead, calls, app_loop)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def harness(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    with ExitStack() as databases:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('dbos') / 'system.sqlite'}"
        else:
            url = databases.enter_context(fresh_postgres_database())
        yield from _running(url)


def _running(url: str) -> Iterator[Harness]:
    app_loop = asyncio.new_event_loop()
    app_thread = threading.Thread(target=app_loop.run_forever, daemon=True)
    app_thread.start()
    h = build_runner(url, app_loop)
    asyncio.run(h.runner.start(handler_loop=app_loop))
    try:
        yield h
    finally:
        asyncio.run(h.runner.stop(drain_seconds=0))
        app_loop.call_soon_threadsafe(app_loop.stop)
        app_thread.join(5)
        app_loop.close()


def key() -> str:
    return uuid.uuid4().hex[:8]


async def test_same_key_submitted_five_times_runs_once_different_keys_run(harness: Harness) -> None:
    runner, k, other = harness.runner, key(), key()
    accepted = [await runner.submit("record", k, {"key": k, "sleep": 0.3}, run_id=f"r{i}") for i in range(5)]
    assert accepted == [True, False, False, False, False]
    assert await runner.submit("record", other, {"key": other}, run_id="r0")
    assert (await runner.result("record", k, "r0")).outcome == "done"
    assert (await runner.result("record", other, "r0")).outcome == "done"
    assert Counter(harness.calls.started)[k] == 1
    assert Counter(harness.calls.started)[other] == 1

    # finished: the key may run again (a new change to the same asset)
    assert await runner.submit("record", k, {"key": k}, run_id="again")
    assert (await runner.result("record", k, "again")).outcome == "done"
    assert Counter(harness.calls.started)[k] == 2
    assert harness.calls.loops == {harness.app_loop}, "handlers run on the loop given to start()"


async def test_a_run_id_makes_a_submission_idempotent_after_completion(harness: Harness) -> None:
    runner, k = harness.runner, key()
    assert await runner.submit("record", k, {"key": k}, run_id="event-1")
    assert (await runner.result("record", k, "event-1")).outcome == "done"
    assert not await runner.submit("record", k, {"key": k}, run_id="event-1")
    await asyncio.sleep(0.3)
    assert Counter(harness.calls.started)[k] == 1


async def test_live_job_submitted_later_runs_before_queued_backfill(harness: Harness) -> None:
    runner, tag = harness.runner, key()
    backfill = [f"{tag}-b{i}" for i in range(5)]
    for k in backfill:
        assert await runner.submit("record", k, {"key": k, "sleep": 0.2}, run_id="r")
    deadline = time.monotonic() + 10
    while backfill[0] not in harness.calls.started:
        assert time.monotonic() < deadline, "the first backfill job never started"
        await asyncio.sleep(0.02)
    live = f"{tag}-live"
    assert await runner.submit("record", live, {"key": live}, lane="live", run_id="r")
    for k in [*backfill, live]:
        assert (await runner.result("record", k, "r")).outcome == "done"
    order = [k for k in harness.calls.started if k.startswith(tag)]
    assert order == [backfill[0], live, *backfill[1:]]


async def test_transient_errors_are_retried_until_success(harness: Harness) -> None:
    runner, k = harness.runner, key()
    await runner.submit("flaky", k, {"key": k, "fail_times": 2}, run_id="r")
    result = await runner.result("flaky", k, "r")
    assert (result.outcome, result.attempts) == ("done", 3)
    assert len(harness.calls.times[k]) == 3
    assert not [d for d in harness.dead.items if d.key == k]


async def test_transient_errors_past_max_attempts_go_to_dead_letters(harness: Harness) -> None:
    runner, k = harness.runner, key()
    await runner.submit("flaky", k, {"key": k, "fail_times": 99}, run_id="r")
    result = await runner.result("flaky", k, "r")
    assert (result.outcome, result.attempts) == ("dead", 3)
    [letter] = [d for d in harness.dead.items if d.key == k]
    assert letter.error.startswith("gave up after 3 attempts: TransientError: iconik GET")
    assert letter.attempts == 3
    gaps = [b - a for a, b in zip(harness.calls.times[k], harness.calls.times[k][1:], strict=False)]
    assert gaps[1] > gaps[0] * 1.5 or gaps[1] >= 0.1, f"backoff must grow: {gaps}"


async def test_validation_error_is_dead_lettered_once_without_retry(harness: Harness) -> None:
    runner, k = harness.runner, key()
    await runner.submit("invalid", k, {"key": k, "asset": "A1"}, run_id="r")
    result = await runner.result("invalid", k, "r")
    assert (result.outcome, result.attempts) == ("dead", 1)
    [letter] = [d for d in harness.dead.items if d.key == k]
    assert (letter.kind, letter.payload) == ("invalid", {"key": k, "asset": "A1"})
    assert letter.error == "ValidationError: orangelogic POST SaveMultiple -> 400: value not in options"
    assert len(harness.calls.times[k]) == 1


async def test_rate_limited_waits_retry_after_not_the_short_backoff(harness: Harness) -> None:
    runner, k = harness.runner, key()
    await runner.submit("limited", k, {"key": k}, run_id="r")
    result = await runner.result("limited", k, "r")
    assert (result.outcome, result.attempts) == ("done", 2)
    first, second = harness.calls.times[k]
    assert 0.95 <= second - first < 3.0


async def test_unknown_job_kind_is_refused(harness: Harness) -> None:
    with pytest.raises(KeyError, match="no handler registered for job kind 'nope'"):
        await harness.runner.submit("nope", "k", {})


async def test_a_running_job_submits_further_jobs(harness: Harness) -> None:
    runner, parent = harness.runner, key()
    children = [f"{parent}-c{i}" for i in range(3)]
    await runner.submit("fan_out", parent, {"key": parent, "children": children}, run_id="r")
    assert (await runner.result("fan_out", parent, "r")).outcome == "done"
    for child in children:
        assert (await runner.result("record", child, "from-parent")).outcome == "done"
    assert sorted(k for k in harness.calls.started if k.startswith(parent)) == [parent, *children]


async def test_start_deletes_schedules_no_longer_configured(harness: Harness) -> None:
    name = f"{harness.runner.settings.queue_name}:removed-from-config"
    DBOS.create_schedule(schedule_name=name, workflow_fn=_tick_workflow, schedule="0 0 0 1 1 *", context={})
    assert DBOS.get_schedule(name) is not None
    await asyncio.to_thread(harness.runner._apply_schedules)
    assert DBOS.get_schedule(name) is None


async def test_a_queued_job_whose_kind_this_worker_lacks_is_dead_lettered(harness: Harness) -> None:
    k = key()
    assert await harness.runner.enqueue("retired-kind", k, {"x": 1}, lane="backfill", run_id="r")
    result = await harness.runner.result("retired-kind", k, "r")
    assert (result.outcome, result.attempts) == ("dead", 1)
    [letter] = [d for d in harness.dead.items if d.key == k]
    assert letter.error == "KeyError: \"no handler registered for job kind 'retired-kind'\""


async def test_depth_counts_waiting_jobs_per_lane_and_running_ones(harness: Harness) -> None:
    runner, tag = harness.runner, key()
    await runner.submit("record", f"{tag}-slow", {"key": f"{tag}-slow", "sleep": 0.6}, run_id="r")
    deadline = time.monotonic() + 10
    while f"{tag}-slow" not in harness.calls.started:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    waiting: list[tuple[str, Lane]] = [("b1", "backfill"), ("b2", "backfill"), ("l1", "live")]
    for name, lane in waiting:
        await runner.submit("record", f"{tag}-{name}", {"key": f"{tag}-{name}"}, lane=lane, run_id="r")
    assert await runner.depth() == {"live": 1, "backfill": 2, "running": 1}
    for name in ("slow", "b1", "b2", "l1"):
        await runner.result("record", f"{tag}-{name}", "r")
    assert await runner.depth() == {"live": 0, "backfill": 0, "running": 0}

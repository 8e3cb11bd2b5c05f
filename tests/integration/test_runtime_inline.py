"""InlineRunner: the same dedup, lane order, retry and dead-letter rules as the durable runner."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assetbridge.errors import AuthError, ConfigError, RateLimitedError, TransientError, ValidationError
from assetbridge.runtime.dead_letters import StateDeadLetters
from assetbridge.runtime.inline import InlineRunner
from assetbridge.runtime.memory import MemoryDeadLetters
from assetbridge.runtime.schedules import ScheduleSpec, interval_to_cron
from assetbridge.state.db import Database
from assetbridge.transport.retry import RetryPolicy


class World:
    def __init__(self) -> None:
        self.ran: list[str] = []
        self.slept: list[float] = []
        self.dead = MemoryDeadLetters()
        self.runner = InlineRunner(
            self.dead,
            policy=RetryPolicy(maximum_attempts=4, initial_interval=1.0, jitter=0),
            sleep=self.sleep,
        )

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


@pytest.fixture
def world() -> World:
    return World()


async def test_dedup_while_queued_and_lane_order(world: World) -> None:
    async def record(payload: dict[str, Any]) -> None:
        world.ran.append(payload["name"])

    world.runner.register("record", record)
    assert await world.runner.submit("record", "a", {"name": "a"})
    assert [await world.runner.submit("record", "a", {"name": "a"}) for _ in range(4)] == [False] * 4
    assert await world.runner.submit("record", "b", {"name": "b"})
    assert await world.runner.submit("record", "live", {"name": "live"}, lane="live")
    summary = await world.runner.run_until_idle()
    assert (summary.done, summary.dead) == (3, 0)
    assert world.ran == ["live", "a", "b"]
    # finished jobs may run again; a repeated run id may not
    assert await world.runner.submit("record", "a", {"name": "a"}, run_id="e1")
    await world.runner.run_until_idle()
    assert not await world.runner.submit("record", "a", {"name": "a"}, run_id="e1")
    await world.runner.run_until_idle()
    assert world.ran == ["live", "a", "b", "a"]


async def test_jobs_submitted_by_a_running_job_run_in_the_same_pass(world: World) -> None:
    async def fan_out(payload: dict[str, Any]) -> None:
        world.ran.append("parent")
        await world.runner.submit("child", "c1", {})
        assert not await world.runner.submit("fan_out", "p", {}), "its own key is still running"

    async def child(payload: dict[str, Any]) -> None:
        world.ran.append("child")

    world.runner.register("fan_out", fan_out)
    world.runner.register("child", child)
    await world.runner.submit("fan_out", "p", {})
    assert (await world.runner.run_until_idle()).done == 2
    assert world.ran == ["parent", "child"]


async def test_transient_retried_with_exponential_backoff_then_success(world: World) -> None:
    calls = 0

    async def flaky(payload: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise TransientError("iconik", "GET x", "reset")

    world.runner.register("flaky", flaky)
    await world.runner.submit("flaky", "k", {})
    assert (await world.runner.run_until_idle()).done == 1
    assert calls == 3
    assert world.slept == [1.0, 2.0]
    assert world.runner.results[-1][2].attempts == 3


async def test_retry_after_is_honoured_and_giving_up_dead_letters(world: World) -> None:
    async def limited(payload: dict[str, Any]) -> None:
        raise RateLimitedError("iconik", "PUT y", "429", retry_after=7.5)

    world.runner.register("limited", limited)
    await world.runner.submit("limited", "k", {"n": 1})
    summary = await world.runner.run_until_idle()
    assert (summary.done, summary.dead) == (0, 1)
    assert world.slept == [7.5, 7.5, 7.5]
    [letter] = world.dead.items
    assert (letter.kind, letter.key, letter.payload) == ("limited", "k", {"n": 1})
    assert letter.error == "gave up after 4 attempts: RateLimitedError: iconik PUT y -> 429: 429"
    assert letter.attempts == 4


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("orangelogic", "POST SaveMultiple", "bad option", status=400),
        AuthError("iconik", "GET z", "token revoked", status=401),
        KeyError("missing"),
    ],
)
async def test_permanent_errors_dead_letter_once_without_retry(world: World, error: Exception) -> None:
    calls = 0

    async def broken(payload: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        raise error

    world.runner.register("broken", broken)
    await world.runner.submit("broken", "k", {})
    assert (await world.runner.run_until_idle()).dead == 1
    assert calls == 1 and world.slept == []
    [letter] = world.dead.items
    assert letter.error.startswith(type(error).__name__ + ": ")


async def test_schedules_tick_once_per_pass(world: World) -> None:
    seen: list[dict[str, Any]] = []

    async def poll(payload: dict[str, Any]) -> None:
        seen.append(payload)

    world.runner.register("poll", poll)
    world.runner.schedule(ScheduleSpec(name="poll-iconik", kind="poll", every=30, payload={"side": "iconik"}))
    await world.runner.tick_schedules()
    await world.runner.run_until_idle()
    assert [p["side"] for p in seen] == ["iconik"]
    assert "scheduled_at" in seen[0]


def test_intervals_map_to_cron_or_are_refused() -> None:
    assert interval_to_cron(1) == "*/1 * * * * *"
    assert interval_to_cron(300) == "0 */5 * * * *"
    assert interval_to_cron(7200) == "0 0 */2 * * *"
    with pytest.raises(ConfigError, match="every: interval 45s"):
        interval_to_cron(45)


async def test_unknown_kind_is_refused(world: World) -> None:
    with pytest.raises(KeyError, match="'nope'"):
        await world.runner.submit("nope", "k", {})


async def test_dead_letters_land_in_the_state_database(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'state.sqlite'}")
    db.upgrade()
    runner = InlineRunner(
        StateDeadLetters(db), policy=RetryPolicy(maximum_attempts=2, initial_interval=0.001, jitter=0)
    )

    async def rejected(payload: dict[str, Any]) -> None:
        raise ValidationError(
            "orangelogic", "POST SaveMultiple", "Rights: 'Maybe' is not an option", status=400
        )

    runner.register("push_orangelogic", rejected)
    await runner.submit("push_orangelogic", "R123", {"record": "R123", "fields": ["Rights"]})
    assert (await runner.run_until_idle()).dead == 1
    with db.unit_of_work() as uow:
        [letter] = uow.dead_letters.list()
        assert (letter.kind, letter.key, letter.attempts) == ("push_orangelogic", "R123", 1)
        assert letter.payload == {"record": "R123", "fields": ["Rights"]}
        assert "ValidationError: orangelogic POST SaveMultiple -> 400" in letter.error_message
    db.dispose()

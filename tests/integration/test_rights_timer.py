"""``arm_rights_timer`` on a real DbosRunner (SQLite and PostgreSQL system databases): fires at its time,
not before; one timer per (record, time); a timer armed before a stop fires after the restart (durable)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import fresh_postgres_database

from assetbridge.runtime.dbos_runtime import DbosRunner, DbosSettings
from assetbridge.runtime.memory import MemoryDeadLetters
from assetbridge.runtime.rights_jobs import TIMER, TIMER_RUN_ID, arm_rights_timer, timer_key


@contextmanager
def running(url: str, fired: list[tuple[str, str, datetime]]) -> Iterator[DbosRunner]:
    app_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=app_loop.run_forever, daemon=True)
    thread.start()
    runner = DbosRunner(DbosSettings(system_database_url=url, polling_interval=0.05), MemoryDeadLetters())

    async def timer(payload: dict[str, Any]) -> None:
        fired.append((payload["record_id"], payload["at"], datetime.now(UTC)))

    runner.register(TIMER, timer)
    asyncio.run(runner.start(handler_loop=app_loop))
    try:
        yield runner
    finally:
        asyncio.run(runner.stop(drain_seconds=0))
        app_loop.call_soon_threadsafe(app_loop.stop)
        thread.join(5)
        app_loop.close()


async def _wait(fired: list[Any], count: int, timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while len(fired) < count:
        assert asyncio.get_running_loop().time() < deadline, f"timer did not fire: {fired}"
        await asyncio.sleep(0.05)


@pytest.fixture(params=["sqlite", "postgresql"])
def system_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    else:
        with fresh_postgres_database() as url:
            yield url


def test_timer_fires_at_its_time_once_per_record_and_time(system_url: str) -> None:
    fired: list[tuple[str, str, datetime]] = []
    with running(system_url, fired) as runner:

        async def scenario() -> None:
            at = datetime.now(UTC) + timedelta(seconds=1.5)
            for _ in range(3):
                await arm_rights_timer(runner, "R1", at)
            await arm_rights_timer(runner, "R2", at + timedelta(seconds=0.5))
            await _wait(fired, 2)
            await asyncio.sleep(0.5)
            assert sorted(f[0] for f in fired) == ["R1", "R2"]
            r1 = next(f for f in fired if f[0] == "R1")
            assert r1[2] >= at, "a timer never fires before its time"
            assert r1[1] == at.isoformat()
            # the same (record, time) after it fired is still the same timer: nothing new
            assert not await runner.submit(TIMER, timer_key("R1", at), {}, run_id=TIMER_RUN_ID)

        asyncio.run(scenario())


def test_timer_armed_before_a_stop_fires_after_the_restart(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    fired: list[tuple[str, str, datetime]] = []
    at = datetime.now(UTC) + timedelta(seconds=2)
    with running(url, fired) as runner:
        asyncio.run(arm_rights_timer(runner, "R9", at))
    assert fired == []
    with running(url, fired) as runner:
        asyncio.run(_wait(fired, 1))
        asyncio.run(arm_rights_timer(runner, "R9", at))  # re-armed at start-up: not doubled
        asyncio.run(asyncio.sleep(0.5))
    assert [f[0] for f in fired] == ["R9"]
    assert fired[0][2] >= at

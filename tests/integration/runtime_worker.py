"""A worker process for the runtime's crash and schedule tests (run as a script, killed by the tests).

    runtime_worker.py SYSDB_URL EFFECTS_DB --executor ID [--submit N] [--step-delay S]
                      [--tick-every S] [--tick-sleep S]

Job kind ``effect`` performs three steps; each step counts an attempt in ``attempts`` and records its
effect in ``effects`` (UNIQUE (job, step): an idempotent handler). Job kind ``tick`` records each
scheduled run in ``ticks`` without any constraint, so a duplicate run would show. Prints ``ready`` once
started; stops gracefully on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sqlite3
from typing import Any

from assetbridge.runtime.dbos_runtime import DbosRunner, DbosSettings
from assetbridge.runtime.memory import MemoryDeadLetters
from assetbridge.runtime.schedules import ScheduleSpec

SCHEMA = """
CREATE TABLE IF NOT EXISTS effects (job TEXT NOT NULL, step INTEGER NOT NULL, UNIQUE (job, step));
CREATE TABLE IF NOT EXISTS attempts (job TEXT NOT NULL, step INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ticks (scheduled_at TEXT NOT NULL, executor TEXT NOT NULL);
"""


def connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sysdb")
    parser.add_argument("effects")
    parser.add_argument("--executor", required=True)
    parser.add_argument("--submit", type=int, default=0)
    parser.add_argument("--tick-every", type=int, default=0)
    parser.add_argument("--step-delay", type=float, default=0.1)
    parser.add_argument("--tick-sleep", type=float, default=0.0)
    args = parser.parse_args()

    with connect(args.effects) as conn:
        conn.executescript(SCHEMA)

    async def effect(payload: dict[str, Any]) -> None:
        conn = connect(args.effects)
        try:
            for step in (1, 2, 3):
                conn.execute("INSERT INTO attempts VALUES (?, ?)", (payload["job"], step))
                conn.execute("INSERT OR IGNORE INTO effects VALUES (?, ?)", (payload["job"], step))
                await asyncio.sleep(args.step_delay)
        finally:
            conn.close()

    async def tick(payload: dict[str, Any]) -> None:
        conn = connect(args.effects)
        try:
            conn.execute("INSERT INTO ticks VALUES (?, ?)", (payload["scheduled_at"], args.executor))
        finally:
            conn.close()
        await asyncio.sleep(args.tick_sleep)

    runner = DbosRunner(
        DbosSettings(
            system_database_url=args.sysdb,
            executor_id=args.executor,
            worker_concurrency=2,
            polling_interval=0.1,
            scheduler_polling_interval=0.5,
        ),
        MemoryDeadLetters(),
    )
    runner.register("effect", effect)
    runner.register("tick", tick)
    if args.tick_every:
        runner.schedule(ScheduleSpec(name="tick", kind="tick", every=args.tick_every))
    await runner.start(handler_loop=asyncio.get_running_loop())
    for i in range(args.submit):
        await runner.submit("effect", f"job-{i}", {"job": f"job-{i}"}, run_id="crash-test")
    print("ready", flush=True)

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await runner.stop(drain_seconds=0)


if __name__ == "__main__":
    asyncio.run(main())

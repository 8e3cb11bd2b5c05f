"""Real worker processes (``runtime_worker.py``) sharing one DBOS system database.

A worker killed with SIGKILL in the middle of its jobs, then restarted, loses nothing and doubles nothing;
two workers running the same 1-second schedule produce one run per tick.
"""

from __future__ import annotations

import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from dbos import DBOSClient

WORKER = Path(__file__).with_name("runtime_worker.py")
JOBS = 8


def start_worker(sysdb: str, effects: Path, executor: str, *extra: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(WORKER), sysdb, str(effects), "--executor", executor, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if line.strip() != "ready":
        proc.kill()
        raise AssertionError(f"worker {executor} did not start (exit code {proc.wait()})")
    return proc


def stop_workers(*procs: subprocess.Popen[str]) -> None:
    """SIGTERM (a graceful stop) to all at once, then wait for each."""
    running = [proc for proc in procs if proc.poll() is None]
    for proc in running:
        proc.send_signal(signal.SIGTERM)
    for proc in running:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def query(effects: Path, sql: str) -> list[tuple[object, ...]]:
    if not effects.exists():
        return []
    conn = sqlite3.connect(effects, timeout=30)
    try:
        return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        conn.close()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def scalar(effects: Path, sql: str) -> int:
    rows = query(effects, sql)
    return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]


@pytest.fixture(params=["sqlite", "postgresql"])
def sysdb(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_kill_9_mid_run_then_restart_completes_every_job_exactly_once(sysdb: str, tmp_path: Path) -> None:
    effects = tmp_path / "effects.sqlite"
    first = start_worker(sysdb, effects, "worker-1", "--submit", str(JOBS))
    try:
        wait_for(lambda: scalar(effects, "SELECT count(*) FROM effects") >= 4, 20, "some effects")
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    done_before_restart = scalar(effects, "SELECT count(*) FROM effects")
    assert 0 < done_before_restart < 3 * JOBS, "the kill must land in the middle of the run"

    # the restarted producer submits the same jobs again: same run id, so no new job appears
    second = start_worker(sysdb, effects, "worker-1", "--submit", str(JOBS))
    try:
        wait_for(lambda: scalar(effects, "SELECT count(*) FROM effects") == 3 * JOBS, 30, "all effects")
        client = DBOSClient(system_database_url=sysdb)
        try:
            wait_for(
                lambda: len(client.list_workflows(name="assetbridge.job", status="SUCCESS")) == JOBS,
                20,
                "every job recorded as completed",
            )
            workflows = client.list_workflows(name="assetbridge.job")
        finally:
            client.destroy()
    finally:
        stop_workers(second)

    assert sorted(w.workflow_id for w in workflows) == sorted(
        f"effect:job-{i}:crash-test" for i in range(JOBS)
    )
    assert {w.status for w in workflows} == {"SUCCESS"}
    assert [getattr(w.output, "outcome", None) for w in workflows] == ["done"] * JOBS
    assert query(effects, "SELECT job, step FROM effects ORDER BY job, step") == [
        (f"job-{i}", step) for i in range(JOBS) for step in (1, 2, 3)
    ]
    # the interrupted attempt ran again after the restart (at-least-once), its effects deduplicated
    assert scalar(effects, "SELECT count(*) FROM attempts") > 3 * JOBS


def test_one_second_schedule_on_two_workers_runs_once_per_tick(tmp_path: Path) -> None:
    sysdb = f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    effects = tmp_path / "effects.sqlite"
    workers = [start_worker(sysdb, effects, f"worker-{n}", "--tick-every", "1") for n in ("a", "b")]
    try:
        wait_for(
            lambda: scalar(effects, "SELECT count(DISTINCT scheduled_at) FROM ticks") >= 3, 20, "3 ticks"
        )
    finally:
        stop_workers(*workers)
    rows = query(effects, "SELECT scheduled_at, count(*) FROM ticks GROUP BY scheduled_at")
    assert len(rows) >= 3
    assert {count for _, count in rows} == {1}, rows
    seconds = sorted(str(at) for at, _ in rows)
    assert len(set(seconds)) == len(seconds)


def test_a_tick_is_skipped_while_the_previous_ticks_job_still_runs(tmp_path: Path) -> None:
    sysdb = f"sqlite:///{tmp_path / 'dbos.sqlite'}"
    effects = tmp_path / "effects.sqlite"
    worker = start_worker(sysdb, effects, "worker-a", "--tick-every", "1", "--tick-sleep", "1.3")
    try:
        wait_for(lambda: scalar(effects, "SELECT count(*) FROM ticks") >= 2, 20, "2 tick jobs")
    finally:
        stop_workers(worker)
    starts = [datetime.fromisoformat(str(row[0])) for row in query(effects, "SELECT scheduled_at FROM ticks")]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(sorted(starts))]
    assert gaps and min(gaps) >= 2, gaps

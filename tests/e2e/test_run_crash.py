"""``kill -9`` of ``assetbridge run`` in the middle of syncing, then a restart: converged, nothing duplicated.

Edits are made on both sides for several assets while every sandbox call is slowed down, so the kill
lands while jobs are mid-flight (reads done, writes pending, links half recorded). After the restart
(DBOS recovers the interrupted jobs; polling and the inbox cover the rest) every edit must be on the other
side, each Orange Logic record must have exactly one iconik asset, and the final values must be the edits.
"""

from __future__ import annotations

import importlib.util
import signal
import sqlite3
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx


def _support() -> ModuleType:
    path = Path(__file__).resolve().parents[1] / "integration" / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()


def set_latency(server: Any, latency_ms: int) -> None:
    rules = [{"kind": "latency", "latency_ms": latency_ms}] if latency_ms else []
    for system in ("iconik", "orangelogic"):
        response = httpx.put(server.urls[system] + "/_sandbox/faults", json={"rules": rules}, timeout=5)
        assert response.status_code == 200, response.text


def workflows(sysdb: Path, status: str) -> set[str]:
    """Job workflow ids in ``status`` in DBOS's system database (PENDING: started, not finished)."""
    if not sysdb.exists():
        return set()
    conn = sqlite3.connect(f"file:{sysdb}?mode=ro", uri=True, timeout=5)
    try:
        rows = conn.execute(
            "SELECT workflow_uuid FROM workflow_status WHERE status = ? AND workflow_uuid LIKE 'sync_pair:%'",
            (status,),
        ).fetchall()
    except sqlite3.OperationalError:
        return set()
    finally:
        conn.close()
    return {row[0] for row in rows}


def test_kill_9_mid_sync_then_restart_converges_without_duplicates(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.5, "poll_interval_seconds": 5, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    try:
        svc.start()
        links = sorted(svc.first_pass_done().items())
        from_iconik = dict(links[:4])  # edited in iconik, must reach Orange Logic
        from_ol = dict(links[4:])  # edited in Orange Logic, must reach iconik

        set_latency(server, 250)
        for n, asset_id in enumerate(from_iconik.values()):
            svc.put_metadata(asset_id, "campaign", [f"iconik edit {n}"])
        for n, record_id in enumerate(from_ol):
            svc.ol_edit(record_id, "AB.Campaign", f"orangelogic edit {n}")

        def some_arrived() -> bool:
            return any(
                svc.ol_record(r)["Fields"]["AB.Campaign"] == f"iconik edit {n}"
                for n, r in enumerate(from_iconik)
            )

        # kill while jobs are running: the first edit landed and another pair's job is mid-flight
        sysdb = tmp_path / "state.db.dbos.sqlite"
        support.wait_for(
            lambda: some_arrived() and workflows(sysdb, "PENDING"),
            20,
            "a synced edit and a running job",
            every=0.05,
        )
        assert svc.proc is not None
        svc.proc.send_signal(signal.SIGKILL)
        svc.proc.wait(timeout=10)
        svc.proc = None
        interrupted = workflows(sysdb, "PENDING")
        assert interrupted
        pending = [
            r
            for n, r in enumerate(from_iconik)
            if svc.ol_record(r)["Fields"]["AB.Campaign"] != f"iconik edit {n}"
        ]
        pending += [
            r
            for n, (r, a) in enumerate(from_ol.items())
            if svc.metadata(a).get("campaign") != [f"orangelogic edit {n}"]
        ]
        assert pending, "everything had synced before the kill: the crash did not interrupt anything"

        set_latency(server, 0)
        started = time.monotonic()
        svc.start()

        def converged() -> bool:
            ol_ok = all(
                svc.ol_record(r)["Fields"]["AB.Campaign"] == f"iconik edit {n}"
                for n, r in enumerate(from_iconik)
            )
            iconik_ok = all(
                svc.metadata(a).get("campaign") == [f"orangelogic edit {n}"]
                for n, a in enumerate(from_ol.values())
            )
            return ol_ok and iconik_ok

        support.wait_for(converged, 40, "convergence after the restart", every=0.5)
        assert time.monotonic() - started < 40

        # the interrupted jobs were recovered and finished
        support.wait_for(lambda: interrupted <= workflows(sysdb, "SUCCESS"), 20, "recovered jobs to finish")
        # no duplicate iconik assets: one per record, each the one the crosswalk names
        by_external = Counter(a["external_id"] for a in svc.iconik_assets() if a.get("external_id"))
        assert by_external == Counter({record_id: 1 for record_id, _ in links})
        assert dict(links) == svc.linked_assets()
        # no lost update: the edits of the other side were not overwritten by stale values
        for n, record_id in enumerate(from_iconik):
            assert svc.metadata(from_iconik[record_id]).get("campaign") == [f"iconik edit {n}"]
        for n, record_id in enumerate(from_ol):
            assert svc.ol_record(record_id)["Fields"]["AB.Campaign"] == f"orangelogic edit {n}"
        assert svc.stop() == 0
    finally:
        svc.close()

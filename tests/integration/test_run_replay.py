"""A job that failed for good (a 400 injected once on the Orange Logic write) becomes a dead letter;
``assetbridge replay`` lists it, runs it again, marks it replayed, and the edit arrives."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx


def _support() -> ModuleType:
    path = Path(__file__).resolve().parent / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support_replay", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()


def dead_letters(svc: Any) -> list[tuple[int, str, str, bool]]:
    db = svc.db()
    try:
        with db.unit_of_work() as uow:
            letters = uow.dead_letters.list(include_replayed=True)
            return [(d.id, d.kind, d.key, d.replayed_at is not None) for d in letters]
    finally:
        db.dispose()


def test_a_dead_letter_is_replayed_and_succeeds(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    try:
        svc.start()
        record_id, asset_id = sorted(svc.first_pass_done().items())[0]
        rule = {
            "kind": "status",
            "status": 400,
            "count": 1,
            "method": "POST",
            "path": r"(?i)/API/DataTable/.*:Update",
        }
        response = httpx.put(
            server.urls["orangelogic"] + "/_sandbox/faults", json={"rules": [rule]}, timeout=5
        )
        assert response.status_code == 200, response.text

        svc.put_metadata(asset_id, "campaign", ["Needs A Replay"])
        key = f"metadata_sync:{record_id}"
        support.wait_for(lambda: any(d[2] == key for d in dead_letters(svc)), 15, "the dead letter")
        assert svc.ol_record(record_id)["Fields"]["AB.Campaign"] != "Needs A Replay"

        listing = subprocess.run(
            svc.command("replay"), capture_output=True, text=True, env=svc.env, timeout=60, cwd=tmp_path
        )
        assert listing.returncode == 0, listing.stdout + listing.stderr
        assert f"sync_pair {key}" in listing.stdout and "1 pending" in listing.stdout
        assert not any(d[3] for d in dead_letters(svc))  # listing replays nothing

        replayed = subprocess.run(
            svc.command("replay", "--kind", "sync_pair"),
            capture_output=True,
            text=True,
            env=svc.env,
            timeout=60,
            cwd=tmp_path,
        )
        assert replayed.returncode == 0, replayed.stdout + replayed.stderr
        assert f"sync_pair {key}: ok" in replayed.stdout
        assert "1 replayed, 0 failed again" in replayed.stdout
        assert svc.ol_record(record_id)["Fields"]["AB.Campaign"] == "Needs A Replay"
        assert [d[3] for d in dead_letters(svc) if d[2] == key] == [True]
        assert "sandbox-secret" not in replayed.stdout + replayed.stderr

        again = subprocess.run(
            svc.command("replay", "--all"),
            capture_output=True,
            text=True,
            env=svc.env,
            timeout=60,
            cwd=tmp_path,
        )
        assert again.returncode == 0 and "no pending dead letters" in again.stdout
        assert svc.stop() == 0
    finally:
        svc.close()

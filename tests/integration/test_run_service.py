"""``assetbridge run`` on PostgreSQL, and its watch over AssetBridge's own iconik webhooks."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx


def _support() -> ModuleType:
    path = Path(__file__).resolve().parent / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support_service", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()
Service = support.Service
wait_for = support.wait_for
ICONIK_SECRET = support.ICONIK_SECRET


def test_on_postgresql_an_iconik_edit_reaches_orangelogic(
    sandbox_factory: Any, tmp_path: Path, postgres_url: str
) -> None:
    """State and DBOS's system tables in one PostgreSQL database."""
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = Service(server, tmp_path, flow, postgres_url)
    try:
        svc.start()
        record_id, asset_id = sorted(svc.first_pass_done().items())[0]
        svc.put_metadata(asset_id, "campaign", ["On PostgreSQL"])
        wait_for(lambda: svc.ol_record(record_id)["Fields"]["AB.Campaign"] == "On PostgreSQL", 10, "OL write")
        assert svc.stop() == 0
    finally:
        svc.close()


def test_a_failing_iconik_webhook_is_re_enabled_and_an_unmappable_event_quarantined(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = Service(
        server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}", {"webhook_check_interval_seconds": 1}
    )
    try:
        svc.start()
        record_id, asset_id = sorted(svc.first_pass_done().items())[0]
        hooks = svc.get("/API/notifications/v1/webhooks/")["objects"]
        ours = [h for h in hooks if h["name"] == "assetbridge:assets:metadata"]
        assert len(ours) == 1 and ours[0]["url"].endswith("/webhooks/iconik")
        hook = ours[0]
        body = {
            k: hook[k] for k in ("event_type", "realm", "url", "name", "headers") if hook.get(k) is not None
        }
        response = svc.call(
            "PUT", f"/API/notifications/v1/webhooks/{hook['id']}/", json={**body, "status": "FAILING"}
        )
        assert response.status_code == 200, response.text

        def status() -> str:
            return str(svc.get(f"/API/notifications/v1/webhooks/{ours[0]['id']}/")["status"])

        wait_for(lambda: status() == "ENABLED", 10, "the webhook to be re-enabled")
        assert "assetbridge:assets:metadata" in svc.output() and "was FAILING" in svc.output()
        svc.put_metadata(asset_id, "campaign", ["After Repair"])
        wait_for(lambda: svc.ol_record(record_id)["Fields"]["AB.Campaign"] == "After Repair", 10, "OL write")
        assert ICONIK_SECRET not in svc.output()

        # an authenticated event that names no asset is kept, quarantined with why, and nothing crashes
        bad = {"event_type": "assets", "realm": "metadata", "request_id": "no-object-id"}
        response = httpx.post(
            f"http://127.0.0.1:{svc.port}/webhooks/iconik",
            json=bad,
            headers={"X-AssetBridge-Secret": ICONIK_SECRET},
            timeout=5,
        )
        assert response.status_code == 202, response.text

        def quarantined() -> str | None:
            db = svc.db()
            try:
                with db.unit_of_work() as uow:
                    item = uow.inbox.get_by_event_id("iconik", "no-object-id")
                    return item.error if item is not None and item.status == "quarantined" else None
            finally:
                db.dispose()

        assert "without object_id" in wait_for(quarantined, 10, "the event to be quarantined")

        # a webhook of ours deleted behind our back is registered again by the periodic check
        entity = next(h for h in hooks if h["name"] == "assetbridge:assets:entity")
        assert svc.call("DELETE", f"/API/notifications/v1/webhooks/{entity['id']}/").status_code in (200, 204)

        def entity_hooks() -> list[Any]:
            found = svc.get("/API/notifications/v1/webhooks/")["objects"]
            return [h for h in found if h["name"] == "assetbridge:assets:entity" and h["status"] == "ENABLED"]

        assert len(wait_for(entity_hooks, 10, "the deleted webhook to come back")) == 1
        assert not svc.proc_died()
        assert svc.stop() == 0
    finally:
        svc.close()


def test_a_lost_webhook_is_repaired_by_scheduled_reconciliation(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3}
    svc = Service(
        server,
        tmp_path,
        flow,
        f"sqlite:///{tmp_path / 'state.db'}",
        {"webhook_check_interval_seconds": 3600},
    )
    try:
        svc.start()
        record_id, asset_id = sorted(svc.first_pass_done().items())[0]
        # every delivery from now on is lost: our webhooks point nowhere
        for hook in svc.get("/API/notifications/v1/webhooks/")["objects"]:
            body = {k: hook[k] for k in ("event_type", "realm", "name", "headers") if hook.get(k) is not None}
            response = svc.call(
                "PUT",
                f"/API/notifications/v1/webhooks/{hook['id']}/",
                json={**body, "url": "http://127.0.0.1:9/lost", "status": "ENABLED"},
            )
            assert response.status_code == 200, response.text
        svc.put_metadata(asset_id, "campaign", ["Repaired By Reconcile"])
        wait_for(
            lambda: svc.ol_record(record_id)["Fields"]["AB.Campaign"] == "Repaired By Reconcile",
            15,
            "reconciliation to carry the edit",
        )
        wait_for(lambda: "reconciliation queued" in svc.output(), 10, "the sweep over every linked pair")
        assert svc.stop() == 0
    finally:
        svc.close()


def test_a_receiver_port_in_use_is_a_clear_error(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        svc = Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}", {"port": port})
        try:
            result = subprocess.run(
                svc.command("run"), capture_output=True, text=True, env=svc.env, timeout=60, cwd=tmp_path
            )
        finally:
            svc.close()
    assert result.returncode == 3, result.stdout + result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr

"""Original on request, end to end: ``assetbridge run`` registers the iconik custom action; a user's click
(the sandbox's control API does what iconik's UI does) reaches the receiver, a durable job copies the
Orange Logic original into the iconik asset and the status field says so."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import yaml

from assetbridge.config import load_config
from assetbridge.engine.context import open_context
from assetbridge.engine.lineage import lineage_page
from assetbridge.state.repositories.transfers import OriginalRequestsRepo

TITLE = "Request original from Orange Logic"
ACTIONS = "/API/assets/v1/custom_actions/ASSET/"


def _support() -> ModuleType:
    path = Path(__file__).resolve().parent / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support_originals", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()
wait_for = support.wait_for
ICONIK_SECRET = support.ICONIK_SECRET


def make_service(server: Any, tmp_path: Path) -> Any:
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    document = yaml.safe_load(svc.config.read_text(encoding="utf-8"))
    document["flows"]["media"] = {"original_on_request": True, "part_size_mb": 1, "parallel_parts": 2}
    svc.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return svc


def our_actions(svc: Any) -> list[dict[str, Any]]:
    return [a for a in svc.get(ACTIONS)["objects"] if a["title"] == TITLE]


def click(svc: Any, action_id: str, asset_id: str) -> None:
    response = svc.call(
        "POST", f"/_sandbox/iconik/custom_actions/{action_id}/click", json={"asset_ids": [asset_id]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status_code"] == 202


def requests_of(svc: Any, asset_id: str) -> list[dict[str, Any]]:
    db = svc.db()
    try:
        with db.session() as session:
            rows = OriginalRequestsRepo(session).for_asset(asset_id)
            return [{"status": r.status, "outcome": r.outcome, "payload": r.payload} for r in rows]
    finally:
        db.dispose()


def original_files(svc: Any, asset_id: str) -> list[dict[str, Any]]:
    fmt = svc.get(f"/API/files/v1/assets/{asset_id}/formats/ORIGINAL/")
    files = svc.get(f"/API/files/v1/assets/{asset_id}/files/")["objects"]
    return [f for f in files if f["format_id"] == fmt["id"]]


def ol_original_md5(svc: Any, record_id: str) -> str:
    loaded = load_config(svc.config, svc.env)

    async def go() -> str:
        async with open_context(loaded, upgrade=False) as ctx:
            result = await ctx.ol.download_original(record_id, svc.tmp_path / "original.bin")
            return result.digests.md5

    return asyncio.run(go())


def test_a_click_copies_the_original_once_and_shows_progress(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    svc = make_service(server, tmp_path)
    try:
        svc.start()
        record_id, asset_id = sorted(svc.first_pass_done().items())[0]
        actions = our_actions(svc)
        assert len(actions) == 1
        action = actions[0]
        assert action["url"] == f"http://127.0.0.1:{svc.port}/actions/iconik/original"
        assert action["context"] == "ASSET" and action["headers"] == {"X-AssetBridge-Secret": ICONIK_SECRET}
        assert svc.metadata(asset_id).get("original_status") in (None, [], ["Not requested"])

        click(svc, action["id"], asset_id)
        wait_for(lambda: svc.metadata(asset_id).get("original_status") == ["Available"], 30, "Available")
        files = original_files(svc, asset_id)
        assert len(files) == 1 and files[0]["status"] == "CLOSED"
        assert files[0]["checksum"] == ol_original_md5(svc, record_id)
        jobs = svc.get("/API/jobs/v1/jobs/", object_id=asset_id)["objects"]
        assert [j["status"] for j in jobs if j["title"] == TITLE] == ["FINISHED"]
        stored = requests_of(svc, asset_id)
        assert [r["status"] for r in stored] == ["done"]
        assert "auth_token" not in stored[0]["payload"]

        # a second click (and a re-delivery of it) copies nothing again
        click(svc, action["id"], asset_id)
        wait_for(
            lambda: [r["status"] for r in requests_of(svc, asset_id)] == ["done", "done"], 30, "2nd click"
        )
        assert [f["id"] for f in original_files(svc, asset_id)] == [files[0]["id"]]
        assert svc.metadata(asset_id)["original_status"] == ["Available"]

        # the original deleted in iconik since: the next click copies it again
        assert (
            svc.call("DELETE", f"/API/files/v1/assets/{asset_id}/files/{files[0]['id']}/").status_code == 204
        )
        click(svc, action["id"], asset_id)
        wait_for(
            lambda: (
                len(requests_of(svc, asset_id)) == 3 and requests_of(svc, asset_id)[2]["status"] == "done"
            ),
            30,
            "3rd click",
        )
        again = original_files(svc, asset_id)
        assert len(again) == 1 and again[0]["id"] != files[0]["id"]
        assert (again[0]["status"], again[0]["checksum"]) == ("CLOSED", files[0]["checksum"])
        db = svc.db()
        try:  # each copy is in the lineage table, with the iconik file it made
            rows = lineage_page(db, after=0, limit=1000, since=None)
            copies = [r for r in rows if r["event"] == "media_added"]
        finally:
            db.dispose()
        assert [(r["iconik_asset_id"], r["related_kind"], r["related_id"]) for r in copies] == [
            (asset_id, "original", files[0]["id"]),
            (asset_id, "original", again[0]["id"]),
        ]

        # an asset with no Orange Logic link gets a visible failure, with the reason on its job
        lone = svc.call("POST", "/API/assets/v1/assets/", json={"title": "not from Orange Logic"}).json()[
            "id"
        ]
        click(svc, action["id"], lone)
        wait_for(lambda: svc.metadata(lone).get("original_status") == ["Failed"], 30, "Failed")
        failed = [j for j in svc.get("/API/jobs/v1/jobs/", object_id=lone)["objects"] if j["title"] == TITLE]
        assert [j["status"] for j in failed] == ["FAILED"]
        assert "is not linked to an Orange Logic asset" in failed[0]["message"]
        assert svc.get(f"/API/files/v1/assets/{lone}/files/")["objects"] == []

        # a wrong secret is refused and stores nothing
        response = httpx.post(
            f"http://127.0.0.1:{svc.port}/actions/iconik/original",
            json={"asset_ids": [lone], "date_created": "x"},
            headers={"X-AssetBridge-Secret": "wrong"},
            timeout=5,
        )
        assert response.status_code == 401
        assert len(requests_of(svc, lone)) == 1
        assert ICONIK_SECRET not in svc.output()
        assert svc.stop() == 0

        # a restart repairs the action (found by its title) instead of adding a second one
        changed = {"title": TITLE, "url": "http://127.0.0.1:9/elsewhere", "type": "POST", "headers": {}}
        assert svc.call("PUT", f"{ACTIONS}{action['id']}/", json=changed).status_code == 200
        svc.start()
        wait_for(lambda: our_actions(svc)[0]["url"] == action["url"], 30, "the action to be repaired")
        repaired = our_actions(svc)
        assert [a["id"] for a in repaired] == [action["id"]]
        assert repaired[0]["headers"] == {"X-AssetBridge-Secret": ICONIK_SECRET}
        assert svc.stop() == 0
    finally:
        svc.close()


def test_the_receiver_stores_each_click_once_without_the_user_token(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from assetbridge.engine.inbox_port import DatabaseInbox
    from assetbridge.engine.originals import take_new_requests
    from assetbridge.state import Database
    from assetbridge.web.app import create_web_app
    from assetbridge.web.server import WebServer
    from assetbridge.web.settings import ReceiverSettings

    db = Database(f"sqlite:///{tmp_path / 'state.db'}")
    db.upgrade()
    settings = ReceiverSettings(iconik_secret=SecretStr(ICONIK_SECRET))
    try:
        with WebServer(create_web_app(settings, DatabaseInbox(db), db=db)) as web:
            url = web.url + "/actions/iconik/original"
            ok = {"X-AssetBridge-Secret": ICONIK_SECRET}
            click_body = {
                "action_id": "a1",
                "user_id": "u1",
                "date_created": "2026-12-04T18:00:00+00:00",
                "asset_ids": ["asset-1", "asset-2"],
                "auth_token": "user-token-never-stored",
            }
            assert httpx.post(url, json=click_body, timeout=5).status_code == 401
            first = httpx.post(url, json=click_body, headers=ok, timeout=5)
            assert (first.status_code, first.json()) == (202, {"status": "accepted", "requests": 2})
            again = httpx.post(url, json=click_body, headers=ok, timeout=5)  # a re-delivery
            assert again.json() == {"status": "accepted", "requests": 0}
            refused = httpx.post(
                url, json={"action_id": "a1", "collection_ids": ["c"]}, headers=ok, timeout=5
            )
            assert refused.status_code == 202 and "no asset_ids" in refused.json()["reason"]
            garbage = httpx.post(url, content=b"not json", headers=ok, timeout=5)
            assert garbage.status_code == 400

        with db.session() as session:
            rows = OriginalRequestsRepo(session)
            stored = [(r.asset_id, r.status) for r in rows.for_asset("asset-1") + rows.for_asset("asset-2")]
            assert stored == [("asset-1", "new"), ("asset-2", "new")]
            invalid = rows.for_asset("")
            assert [(r.status, r.outcome) for r in invalid] == [
                ("failed", "payload has no asset_ids (the action must have context ASSET)")
            ]
        files = [p for p in tmp_path.iterdir() if p.name.startswith("state.db")]  # with the WAL
        assert not any(b"user-token-never-stored" in p.read_bytes() for p in files)
        assert sorted(a for _, a in take_new_requests(db)) == ["asset-1", "asset-2"]
        assert take_new_requests(db) == []
    finally:
        db.dispose()

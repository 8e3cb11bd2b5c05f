"""``assetbridge run`` with the archive flow: a project completed before start-up is found by the start-up
poll, one completed while it runs arrives by iconik's collection-metadata webhook (the poll interval is 30
minutes); both are archived into Orange Logic and attested without anyone running a command."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from assetbridge.state import Database


def _support() -> ModuleType:
    path = Path(__file__).resolve().parent / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support_archive", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()


def _project(svc: Any) -> tuple[str, dict[str, Any], str]:
    """The Orange Logic root folder, the seeded iconik project collection and its metadata path."""
    records = svc.ol_control.get("/assets").json()["assets"]
    brand = next(
        r for r in records if r["DocType"] == "Folder" and r["Fields"].get("CoreField.Title") == "Brand"
    )
    [collection] = svc.get("/API/assets/v1/collections/")["objects"]
    views = svc.get("/API/metadata/v1/views/")["objects"]
    project_view = next(v["id"] for v in views if v["name"] == "AssetBridge Project")
    return (
        brand["RecordID"],
        collection,
        f"/API/metadata/v1/collections/{collection['id']}/views/{project_view}/",
    )


def _complete(svc: Any, path: str) -> None:
    body = {"metadata_values": {"project_status": {"field_values": [{"value": "Completed"}]}}}
    assert svc.call("PUT", path, json=body).status_code == 200


def _enable_archive(svc: Any, root: str) -> None:
    document = yaml.safe_load(svc.config.read_text(encoding="utf-8"))
    document["flows"]["archive"] = {"enabled": True, "root_folder": root, "poll_interval_seconds": 1800}
    svc.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _check_archived(svc: Any, collection: dict[str, Any]) -> None:
    members = svc.get(f"/API/assets/v1/collections/{collection['id']}/contents/")["objects"]
    archived = [
        r
        for r in svc.ol_control.get("/assets").json()["assets"]
        if r["Fields"].get("AB.Project-id") == "PRJ-1000"
    ]
    names = sorted(r["FileName"] for r in archived)
    iconik_ids = {r["Fields"].get("AB.Iconik-id") for r in archived} - {None, ""}
    assert iconik_ids == {m["id"] for m in members}
    assert "PRJ-1000-manifest.json" in names
    assert {r["Path"] for r in archived} == {f"Root/Brand/PRJ-1000 {collection['title']}"}
    assert "archive.asset_failed" not in svc.output()
    assert svc.stop() == 0
    db = Database(svc.state_url)
    try:
        with db.unit_of_work() as uow:
            assert uow.audit.count(action="archive_attested") == 2
            assert uow.audit.count(action="archive_mismatch") == 0
    finally:
        db.dispose()


def test_run_archives_a_completed_project_found_by_polling(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    root, collection, path = _project(svc)
    _complete(svc, path)
    _enable_archive(svc, root)
    try:
        svc.start()
        support.wait_for(lambda: "archive.project" in svc.output(), 60, "the start-up archive poll")
        _check_archived(svc, collection)
    finally:
        svc.close()


def test_run_archives_a_project_completed_while_it_runs_by_webhook(
    sandbox_factory: Any, tmp_path: Path
) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    root, collection, path = _project(svc)
    _enable_archive(svc, root)
    try:
        svc.start()
        svc.first_pass_done()  # the start-up poll found nothing completed; the service is quiet
        assert "archive.project" not in svc.output()
        _complete(svc, path)
        support.wait_for(lambda: "archive.project" in svc.output(), 60, "the webhook-driven archive")
        _check_archived(svc, collection)
    finally:
        svc.close()

"""``assetbridge run`` with the publish flow: a publish pass at start-up, and a rights timer armed for a
published asset whose window ends later."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml


def _support() -> ModuleType:
    path = Path(__file__).resolve().parent / "test_run_live.py"
    spec = importlib.util.spec_from_file_location("run_live_support_publish", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


support = _support()


def test_run_publishes_at_start_up_and_arms_rights_timers(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 0.2, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = support.Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    document = yaml.safe_load(svc.config.read_text(encoding="utf-8"))
    document["flows"]["publish"] = {
        "enabled": True,
        "rules": [{"name": "videos", "query": "DocType:Video", "media": "proxy"}],
        "poll_interval_seconds": 1800,
        "reconcile_interval_seconds": 3600,
    }
    document["flows"]["rights"]["enabled"] = True
    svc.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    videos = {
        r["RecordID"]: r for r in svc.ol_control.get("/assets").json()["assets"] if r["DocType"] == "Video"
    }
    try:
        svc.start()
        support.wait_for(
            lambda: "publish armed rights timers" in svc.output(), 30, "the start-up publish pass"
        )
        published = {a["external_id"] for a in svc.iconik_assets() if a.get("external_id")}
        assert published and published <= set(videos)
        blocked = set(videos) - published
        assert blocked  # the seeded catalog has expired/withdrawn windows among the videos
        output = svc.output()
        assert "publish pass done" in output
        armed = [line for line in output.splitlines() if "rights timer armed" in line]
        assert any(record_id in line for line in armed for record_id in published)
        assert svc.stop() == 0
    finally:
        svc.close()

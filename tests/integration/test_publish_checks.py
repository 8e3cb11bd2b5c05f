"""Publish bad input and gates: rights-blocked assets, rules selecting nothing or everything (plan), bad
media as per-asset errors naming the value at fault, and the ``assetbridge publish`` command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import yaml
from click.testing import CliRunner
from tests.integration.test_publish import VIDEO_RULE, PublishBench, make_bench, publish_config
from tests.integration.test_sync_cli import env_for
from tests.integration.test_sync_engine import EXAMPLE

from assetbridge.cli.main import cli
from assetbridge.state import Database

__all__ = ["make_bench"]  # the fixture, imported for this module's tests


def audit_rows(bench: PublishBench, action: str) -> list[Any]:
    db = Database(bench.loaded.state_url)
    try:
        with db.unit_of_work() as uow:
            return [(e.reason, e.details) for e in uow.audit.recent(action=action)]
    finally:
        db.dispose()


def with_rights(change: Any) -> Any:
    def both(document: dict[str, Any]) -> None:
        change(document)
        document["flows"]["rights"]["enabled"] = True

    return both


def test_rights_blocked_assets_are_not_published_and_the_reason_is_recorded(make_bench: Any) -> None:
    bench = make_bench(with_rights(publish_config(VIDEO_RULE)))
    report = bench.publish()
    assert report.ok, report.to_dict()
    blocked = [o for o in report.outcomes if o.action == "blocked"]
    published = [o for o in report.outcomes if o.action == "publish"]
    assert blocked and published
    external = bench.asset_by_external()
    assert {o.record_id for o in published} == set(external)
    assert not {o.record_id for o in blocked} & set(external)
    snapshot = bench.ol_snapshot()
    for outcome in blocked:
        assert outcome.rights is not None and not outcome.rights.allowed
        assert outcome.reason == outcome.rights.reason
        fields = snapshot[outcome.record_id]["Fields"]
        assert outcome.rights.values["AB.Usage-rights-status"] == fields["AB.Usage-rights-status"]
    rows = audit_rows(bench, "publish_blocked")
    assert {d["record_id"] for _, d in rows} == {o.record_id for o in blocked}
    assert all("AB.Rights-end" in d["rights_values"] for _, d in rows)
    # an allowed window that ends later carries the time its decision flips (for the rights timer)
    expiring = [o for o in published if o.rights and o.rights.next_change_at]
    assert expiring


def test_plan_reports_rules_selecting_nothing_or_everything(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["flows"]["publish"] = {
        "enabled": True,
        "rules": [
            {"name": "nothing", "query": "CoreField.Purpose:Internal"},
            {"name": "everything", "query": "CoreField.Purpose:Public", "media": "original"},
            {"name": "broken", "query": "AB.No-such-field:x"},
        ],
    }
    config = tmp_path / "assetbridge.yaml"
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env = env_for(server, f"sqlite:///{tmp_path / 'state.db'}")

    planned = CliRunner().invoke(cli, ["plan", "--config", str(config), "--json"], env=env)
    assert planned.exit_code == 1, planned.output  # the broken rule; the other two are still planned
    payload = json.loads(planned.output)
    assert payload["summary"]["created"] == 0  # the metadata sync leaves creation to publish
    rules = {r["rule"]: r for r in payload["publish"]["rules"]}
    assert (rules["nothing"]["count"], rules["everything"]["count"]) == (0, 8)
    assert "selects nothing" in rules["nothing"]["warning"]
    assert "selects everything: all 8 assets" in rules["everything"]["warning"]
    assert "Unknown search criterion 'AB.No-such-field'" in rules["broken"]["error"]
    assert payload["publish"]["summary"]["publish"] == 8
    text = CliRunner().invoke(cli, ["plan", "--config", str(config)], env=env)
    assert "warning: rule 'nothing' selects nothing" in text.output
    assert "dry run: 8 published" in text.output
    assert "rule broken: ERROR" in text.output
    ran = CliRunner().invoke(cli, ["publish", "--config", str(config), "--rule", "everything"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "8 published" in ran.output
    again = CliRunner().invoke(cli, ["publish", "--config", str(config), "--json"], env=env)
    assert again.exit_code == 1  # the broken rule
    assert json.loads(again.output)["summary"]["publish"] == 0
    unknown = CliRunner().invoke(cli, ["publish", "--config", str(config), "--rule", "nope"], env=env)
    assert (
        unknown.exit_code == 2
        and "unknown rule 'nope' (configured: nothing, everything, broken)" in unknown.output
    )


def test_bad_media_is_a_per_asset_error_naming_the_value(make_bench: Any) -> None:
    rules = (
        {"name": "images-as-video-proxy", "query": "DocType:Image", "media": "proxy"},
        {"name": "audio", "query": "DocType:Audio", "media": "proxy"},
        {"name": "videos", "query": "DocType:Video", "media": "original"},
    )
    bench = make_bench(publish_config(*rules, proxy_renditions={"Image": "Path_WebHigh"}))
    snapshot = bench.ol_snapshot()
    empty_id = next(r for r, a in snapshot.items() if a["DocType"] == "Video")
    record = bench.server.orangelogic.records[empty_id]

    def empty_it() -> None:
        assert record.file_path is not None
        record.file_path.write_bytes(b"")
        record.size = 0

    bench.server.call_soon(empty_it)
    bench.ol_snapshot()  # a round trip: the change above has run
    report = bench.publish()
    errors = {o.record_id: o.error for o in report.outcomes if o.action == "error"}
    images = [r for r, a in snapshot.items() if a["DocType"] == "Image"]
    audio = [r for r, a in snapshot.items() if a["DocType"] == "Audio"]
    for record_id in images:
        assert "rendition Path_WebHigh is missing" in (errors[record_id] or "")
    for record_id in audio:
        assert "no proxy rendition configured for asset type 'Audio'" in (errors[record_id] or "")
        assert "(publish.proxy_renditions has: Image)" in (errors[record_id] or "")
    assert "the original is empty (CoreField.FileSize = '0')" in (errors[empty_id] or "")
    assert not report.ok
    # the other videos were published; the broken ones got nothing, not even an iconik asset
    external = bench.asset_by_external()
    assert set(external) == {r for r, a in snapshot.items() if a["DocType"] == "Video"} - {empty_id}
    failed = audit_rows(bench, "publish_failed")
    assert {d["record_id"] for _, d in failed} == set(errors)


def test_media_corrupted_on_the_way_is_a_per_asset_error_and_a_rerun_repairs_it(make_bench: Any) -> None:
    bench = make_bench(publish_config({"name": "images", "query": "DocType:Image", "media": "original"}))
    storage = bench.server.info()["storage"]["base_url"] + "/_sandbox/faults"
    rule = {"kind": "corrupt", "path": "/gcs/", "method": "PUT", "count": 1}
    httpx.put(storage, json={"rules": [rule]}, timeout=10).raise_for_status()
    report = bench.publish()
    errors = [o for o in report.outcomes if o.action == "error"]
    assert len(errors) == 1, report.to_dict()
    assert "md5 mismatch: expected" in (errors[0].error or ""), errors[0].error
    assert report.summary["publish"] == len(report.outcomes) - 1

    again = bench.publish(full=True)
    assert again.ok, again.to_dict()
    fixed = next(o for o in again.outcomes if o.record_id == errors[0].record_id)
    assert fixed.action == "publish" and not fixed.created
    images = bench.ol_kind("Image")
    assert set(bench.asset_by_external()) == set(images)
    asset_id = bench.asset_by_external()[fixed.record_id]["id"]
    closed = [f for f in bench.files(asset_id) if f["status"] == "CLOSED"]
    assert [f["size"] for f in closed] == [images[fixed.record_id]["FileSize"]]
    assert [r for r, _ in audit_rows(bench, "media_corrupted")] == [errors[0].error.split(": ", 1)[1]]

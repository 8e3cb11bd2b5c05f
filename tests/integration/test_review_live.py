"""The review flow under ``assetbridge run`` (a real subprocess): webhooks both ways, no loop.

The poll intervals are 30 minutes: the hand-off can only come from the iconik approvals webhook and the
decision only from the Orange Logic webhook. The approval AssetBridge writes comes back as an iconik
webhook too; the service takes it in and hands nothing off again.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.integration.test_run_live import Service, wait_for

from assetbridge.config import load_config
from assetbridge.connectors.iconik.requests import AssetCreate
from assetbridge.engine.context import open_context
from assetbridge.state.models import AuditEntry
from assetbridge.state.repositories.reviews import ReviewRepo

REVIEWER = str(uuid.uuid4())


def prepare(svc: Service) -> tuple[str, str, str]:
    """An Orange Logic folder for hand-offs and an iconik asset with an original: folder, asset, version."""
    saved = dict(os.environ)
    os.environ.update(svc.env)
    try:
        loaded = load_config(svc.config)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    media = svc.tmp_path / "cut.mp4"
    media.write_bytes(os.urandom(30_000))

    async def go() -> tuple[str, str, str]:
        async with open_context(loaded) as ctx:
            folder = (await ctx.ol.create_folder("Review")).record_id
            asset = await ctx.iconik.create_asset(AssetCreate(title="Festival cut"))
            await ctx.iconik.upload_original(
                asset.id, media, file_name="cut.mp4", size=30_000, content_type="video/mp4"
            )
            read = await ctx.iconik.get_asset(asset.id)
            return folder, asset.id, str(read.default_version_id or read.versions[0].id)

    return asyncio.run(go())


@pytest.fixture
def service(sandbox_factory: Any, tmp_path: Path) -> Iterator[tuple[Service, str, str]]:
    server = sandbox_factory(catalog_size=5, media="synthetic")
    flow = {"debounce_seconds": 0.5, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    folder, asset_id, version_id = prepare(svc)
    document = yaml.safe_load(svc.config.read_text(encoding="utf-8"))
    document["flows"]["review"] = {"enabled": True, "folder": folder, "poll_interval_seconds": 1800}
    svc.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    svc.subscribe_orangelogic()
    svc.start()
    yield svc, asset_id, version_id
    svc.close()


def handoff(svc: Service, asset_id: str, version_id: str) -> dict[str, Any] | None:
    db = svc.db()
    try:
        with db.session() as session:
            row = ReviewRepo(session).get(asset_id, version_id)
            if row is None:
                return None
            return {"status": row.status, "record_id": row.record_id, "written": row.written_status}
    finally:
        db.dispose()


def count(svc: Service, model: Any, *where: Any) -> int:
    db = svc.db()
    try:
        with db.session() as session:
            return int(session.query(model).filter(*where).count())
    finally:
        db.dispose()


def test_approval_webhook_hands_off_and_the_decision_webhook_comes_back_without_a_loop(
    service: tuple[Service, str, str],
) -> None:
    svc, asset_id, version_id = service
    svc.settle()
    response = svc.call(
        "PUT", f"/API/assets/v1/assets/{asset_id}/approvals/", json={"status": "APPROVED", "user": REVIEWER}
    )
    assert response.status_code == 200, response.text
    pending = wait_for(
        lambda: (h := handoff(svc, asset_id, version_id)) and h["status"] == "pending_review" and h,
        30,
        "the hand-off from the approvals webhook",
    )
    record_id = str(pending["record_id"])
    assert svc.ol_record(record_id)["Fields"]["AB.Status"] == "Pending Review"
    svc.settle()

    svc.ol_edit(record_id, "AB.Review-comment", "Cleared by brand")
    svc.ol_edit(record_id, "AB.Status", "Approved")
    wait_for(
        lambda: (h := handoff(svc, asset_id, version_id)) and h["status"] == "approved",
        30,
        "the decision from the Orange Logic webhook",
    )
    status = svc.get(f"/API/assets/v1/assets/{asset_id}/versions/{version_id}/approvals/request/")["status"]
    assert status == "APPROVED"
    assert svc.metadata(asset_id)["review_comment"] == ["Cleared by brand"]
    svc.settle()

    # our approval write comes back through the receiver and is worked off: no second hand-off
    def review_lines() -> list[str]:
        return [line for line in svc.output().splitlines() if '"review approval"' in line]

    ours = "the approval is the one AssetBridge wrote"
    wait_for(lambda: any(ours in line for line in review_lines()), 20, "our own approval event")
    svc.settle()
    assert sum('"handed_off"' in line for line in review_lines()) == 1
    assert count(svc, AuditEntry, AuditEntry.action == "review_handed_off") == 1
    assert handoff(svc, asset_id, version_id) == {
        "status": "approved",
        "record_id": record_id,
        "written": "APPROVED",
    }

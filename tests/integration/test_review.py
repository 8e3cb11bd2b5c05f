"""Review hand-off and approval bridge against both sandboxes over HTTP (engine level).

An iconik version approved by a reviewer goes to Orange Logic review (a new asset in the configured
folder, or a new version of the linked asset; multi-part above the lowered threshold); the Orange
Logic decision comes back as the version's approval status, the mapped review fields and a comment on
the version. The approvals AssetBridge writes are fed back through the event path: nothing happens.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner
from tests.conftest import iconik_client

from assetbridge.cli.main import cli
from assetbridge.config import LoadedConfig, load_config
from assetbridge.connectors.iconik.requests import AssetCreate, MetadataWrite
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.domain.review import review_event
from assetbridge.engine.context import OL_MODEL, SyncContext, open_context
from assetbridge.engine.records import find_link, link_pair
from assetbridge.engine.review import hand_off, hand_off_many
from assetbridge.engine.review_bridge import bridge_decision
from assetbridge.engine.review_poll import review_sweep
from assetbridge.errors import TransientError
from assetbridge.state.models import AuditEntry
from assetbridge.state.models_lineage import LineageEvent
from assetbridge.state.repositories.reviews import ReviewRepo

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
CHUNK = 131_072
THRESHOLD = 2 * CHUNK
REVIEWER = str(uuid.uuid4())


class Stage:
    def __init__(self, tmp_path: Path, server: Any) -> None:
        self.tmp_path = tmp_path
        self.server = server
        self.http = iconik_client(server)
        self.folder = ""
        self.state_url = f"sqlite:///{tmp_path / 'state.db'}"

    def loaded(self, **review: Any) -> LoadedConfig:
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        document["flows"]["review"] = {"enabled": True, "folder": self.folder or "0", **review}
        path = self.tmp_path / "assetbridge.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        env = {
            "ASSETBRIDGE_ICONIK_URL": self.server.urls["iconik"],
            "ASSETBRIDGE_OL_URL": self.server.urls["orangelogic"],
            "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
            "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
            "ASSETBRIDGE_STATE_URL": self.state_url,
        }
        return load_config(path, env)

    @asynccontextmanager
    async def context(self, **review: Any) -> AsyncIterator[SyncContext]:
        # the multi-part threshold lowered like the sandbox's (1.5 GiB on real tenants)
        review = {"multipart_threshold_bytes": THRESHOLD, "chunk_size_bytes": CHUNK, **review}
        if not self.folder:
            async with open_context(self.loaded(**review)) as ctx:
                self.folder = (await ctx.ol.create_folder("Review hand-offs")).record_id
        async with open_context(self.loaded(**review)) as ctx:
            yield ctx

    async def edit(self, ctx: SyncContext, title: str, size: int, name: str = "edit.mp4") -> tuple[str, str]:
        """An iconik asset with an uploaded original; its id and current version id."""
        asset = await ctx.iconik.create_asset(AssetCreate(title=title))
        path = self.tmp_path / f"{uuid.uuid4().hex}-{name}"
        path.write_bytes(os.urandom(size))
        await ctx.iconik.upload_original(asset.id, path, file_name=name, size=size, content_type="video/mp4")
        path.unlink()
        read = await ctx.iconik.get_asset(asset.id)
        return asset.id, str(read.default_version_id or read.versions[0].id)

    def approve(self, asset_id: str) -> None:
        body = {"status": "APPROVED", "user": REVIEWER}
        self.http.put(f"/API/assets/v1/assets/{asset_id}/approvals/", json=body).raise_for_status()

    def approval(self, asset_id: str, version_id: str) -> dict[str, Any]:
        response = self.http.get(f"/API/assets/v1/assets/{asset_id}/versions/{version_id}/approvals/")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def status(self, asset_id: str, version_id: str) -> str:
        response = self.http.get(f"/API/assets/v1/assets/{asset_id}/versions/{version_id}/approvals/request/")
        response.raise_for_status()
        return str(response.json()["status"])

    def events_since(self, since: int) -> list[dict[str, Any]]:
        control = self.server.info()["iconik"]["control_url"]
        data = httpx.get(f"{control}/iconik/events", params={"since": since}, timeout=10).json()
        return list(data["objects"])

    def event_count(self) -> int:
        control = self.server.info()["iconik"]["control_url"]
        return int(httpx.get(f"{control}/iconik/events", timeout=10).json()["total"])

    def comments(self, asset_id: str, version_id: str) -> list[str]:
        params = {"segment_type": "COMMENT", "version_id": version_id}
        response = self.http.get(f"/API/assets/v1/assets/{asset_id}/segments/", params=params)
        response.raise_for_status()
        return [str(s.get("segment_text")) for s in response.json()["objects"]]

    def cli(self, *args: str) -> Any:
        env = {
            "ASSETBRIDGE_ICONIK_URL": self.server.urls["iconik"],
            "ASSETBRIDGE_OL_URL": self.server.urls["orangelogic"],
            "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
            "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
            "ASSETBRIDGE_STATE_URL": self.state_url,
        }
        config = str(self.tmp_path / "assetbridge.yaml")
        done = CliRunner().invoke(cli, [*args, "--config", config], env=env, catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return json.loads(done.output)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def stage(sandbox_factory: Any, tmp_path: Path) -> Any:
    server = sandbox_factory(
        catalog_size=5, media="synthetic", orangelogic={"multipart_threshold_bytes": THRESHOLD}
    )
    made = Stage(tmp_path, server)
    yield made
    made.close()


async def metadata(ctx: SyncContext, asset_id: str) -> dict[str, list[Any]]:
    view_id = (await ctx.schema()).view_id
    values = await ctx.iconik.get_metadata("assets", asset_id, view_id)
    return {k: [v.get("value") for v in fv.field_values] for k, fv in values.metadata_values.items()}


async def decide(ctx: SyncContext, system_identifier: str, status: str, comment: str) -> None:
    writes = [set_value("AB.Status", status), set_value("AB.Review-comment", comment)]
    await ctx.ol.datatable.update(OL_MODEL, {IDENTIFIER: system_identifier}, writes)


def row(ctx: SyncContext, asset_id: str, version_id: str) -> dict[str, Any]:
    with ctx.db.session() as session:
        found = ReviewRepo(session).get(asset_id, version_id)
        assert found is not None
        return {
            c: getattr(found, c)
            for c in (
                "status",
                "record_id",
                "system_identifier",
                "written_status",
                "error",
                "comment",
                "multipart",
                "new_asset",
                "md5",
                "round",
            )
        }


def lineage(ctx: SyncContext, asset_id: str) -> list[str]:
    with ctx.db.session() as session:
        rows = session.query(LineageEvent).filter(
            LineageEvent.asset_id == asset_id, LineageEvent.flow == "review"
        )
        return [r.event for r in rows.order_by(LineageEvent.id)]


def audits(ctx: SyncContext, action: str) -> list[AuditEntry]:
    with ctx.db.session() as session:
        entries = session.query(AuditEntry).filter(AuditEntry.action == action).order_by(AuditEntry.id).all()
        session.expunge_all()
        return entries


async def replay_our_events(ctx: SyncContext, events: list[dict[str, Any]]) -> list[str]:
    """Every iconik approvals event since ``since`` through the webhook path; the outcomes."""
    outcomes = []
    for event in events:
        parsed = review_event("iconik", json.dumps(event).encode())
        if parsed is None:
            continue
        assert parsed.asset_id is not None
        result = await hand_off(ctx, parsed.asset_id, parsed.version_id, event_id="replayed")
        outcomes.append(result.outcome)
    return outcomes


async def test_unlinked_asset_handed_off_approved_back_and_no_loop(stage: Stage) -> None:
    async with stage.context() as ctx:
        asset_id, version_id = await stage.edit(ctx, "Spring cut", 50_000)
        assert (await hand_off(ctx, asset_id)).outcome == "skipped"  # not approved yet: nothing
        stage.approve(asset_id)
        result = await hand_off(ctx, asset_id, version_id, event_id="evt-1")
        assert result.outcome == "handed_off", result
        assert result.new_asset is True and result.multipart is False and result.record_id

        state = row(ctx, asset_id, version_id)
        assert state["status"] == "pending_review" and state["record_id"] == result.record_id
        ol = await ctx.ol.datatable.read_asset(state["system_identifier"], OL_MODEL)
        assert ol.value("AB.Status") == "Pending Review"
        assert ol.value("AB.Iconik-id") == asset_id
        assert ol.value("CoreField.Title") == "Spring cut"
        assert ol.value("CoreField.Parent-folder") in (stage.folder, None)
        link = find_link(ctx.db, asset_id=asset_id)
        assert link is not None and link.record_id == result.record_id
        assert (await ctx.iconik.get_asset(asset_id)).external_id == result.record_id
        assert (await metadata(ctx, asset_id)).get("review_status") == ["Pending Review"]

        # a second approval event while in review sends nothing
        assert (await hand_off(ctx, asset_id, version_id)).outcome == "skipped"

        since = stage.event_count()
        await decide(ctx, state["system_identifier"], "Approved", "Ready for distribution")
        [decision] = await bridge_decision(ctx, result.record_id or "")
        assert decision.outcome == "approved" and decision.comment == "Ready for distribution"
        assert stage.status(asset_id, version_id) == "APPROVED"
        ours = [d for d in stage.approval(asset_id, version_id)["objects"] if d.get("user") != REVIEWER]
        assert [d["status"] for d in ours] == ["APPROVED"]
        shown = await metadata(ctx, asset_id)
        assert shown["review_status"] == ["Approved"] and shown["review_comment"] == [
            "Ready for distribution"
        ]
        assert stage.comments(asset_id, version_id) == [
            "Orange Logic review: Approved. Ready for distribution"
        ]
        state = row(ctx, asset_id, version_id)
        assert (state["status"], state["written_status"]) == ("approved", "APPROVED")
        assert lineage(ctx, asset_id) == ["linked", "handed_off", "approved"]

        # our own approval write comes back as iconik events: none of them is a trigger
        events = [e for e in stage.events_since(since) if e["realm"] == "approvals"]
        assert events, "the bridge wrote an approval"
        outcomes = await replay_our_events(ctx, events)
        assert outcomes and set(outcomes) == {"skipped"}
        assert (await review_sweep(ctx)).handoffs == []
        assert len(audits(ctx, "review_handed_off")) == 1
        assert row(ctx, asset_id, version_id)["status"] == "approved"
        # a second pass over the same decision changes nothing
        assert await bridge_decision(ctx, result.record_id or "") == []
        assert len(stage.comments(asset_id, version_id)) == 1


async def test_linked_asset_gets_a_new_version_and_rejection_comes_back_with_comment(stage: Stage) -> None:
    async with stage.context() as ctx:
        path = stage.tmp_path / "master.mov"
        path.write_bytes(os.urandom(20_000))
        uploaded = await ctx.ol.uploads.upload(path, stage.folder)
        assert uploaded.record_id and uploaded.system_identifier
        await decide(ctx, uploaded.system_identifier, "Approved", "old comment of an earlier review")
        before = await ctx.ol.datatable.read_asset(uploaded.system_identifier, OL_MODEL)
        asset_id, version_id = await stage.edit(ctx, "Linked edit", 40_000)
        link_id = link_pair(
            ctx.db,
            uploaded.record_id,
            uploaded.system_identifier,
            asset_id,
            created=False,
            title="Linked edit",
        )
        view_id = (await ctx.schema()).view_id
        values = {"campaign": ["Summer 26"], "usage_restrictions": ["No broadcast before June"]}
        await ctx.iconik.put_metadata("assets", asset_id, view_id, MetadataWrite.of(values))
        stage.approve(asset_id)

        result = await hand_off(ctx, asset_id)
        assert result.outcome == "handed_off", result
        assert result.new_asset is False and result.record_id == uploaded.record_id
        after = await ctx.ol.datatable.read_asset(uploaded.system_identifier, OL_MODEL)
        assert after.value("AB.Status") == "Pending Review"
        assert not after.value("AB.Review-comment")  # the earlier review's comment is not carried over
        # iconik governs usage_restrictions: sent; Orange Logic owns the campaign: never overwritten
        assert after.value("AB.Restrictions") == "No broadcast before June"
        assert after.value("AB.Campaign") == before.value("AB.Campaign") != "Summer 26"
        assert int(after.value("CoreField.Version") or 0) == int(before.value("CoreField.Version") or 0) + 1
        assert find_link(ctx.db, asset_id=asset_id).id == link_id  # type: ignore[union-attr]

        await decide(ctx, uploaded.system_identifier, "Rejected", "Logo too small at 00:12")
        [decision] = await bridge_decision(ctx, uploaded.record_id)
        assert decision.outcome == "rejected"
        ours = [d for d in stage.approval(asset_id, version_id)["objects"] if d.get("user") != REVIEWER]
        assert [d["status"] for d in ours] == ["NOT_APPROVED"]
        assert stage.status(asset_id, version_id) != "APPROVED"
        shown = await metadata(ctx, asset_id)
        assert shown["review_status"] == ["Rejected"] and shown["review_comment"] == [
            "Logo too small at 00:12"
        ]
        assert stage.comments(asset_id, version_id) == [
            "Orange Logic review: Rejected. Logo too small at 00:12"
        ]
        state = row(ctx, asset_id, version_id)
        assert (state["status"], state["comment"], state["written_status"]) == (
            "rejected",
            "Logo too small at 00:12",
            "NOT_APPROVED",
        )
        assert lineage(ctx, asset_id)[-2:] == ["handed_off", "rejected"]
        [audit] = audits(ctx, "review_rejected")
        assert audit.reason == "Logo too small at 00:12"


async def test_file_above_the_threshold_uses_the_multipart_upload(stage: Stage) -> None:
    async with stage.context() as ctx:
        size = 3 * CHUNK + 777
        asset_id, version_id = await stage.edit(ctx, "Big master", size)
        stage.approve(asset_id)
        result = await hand_off(ctx, asset_id)
        assert result.outcome == "handed_off", result
        assert result.multipart is True
        state = row(ctx, asset_id, version_id)
        [file] = [f async for f in ctx.iconik.iter_files(asset_id)]
        assert state["md5"] == file.checksum and state["multipart"] is True
        await decide(ctx, state["system_identifier"], "Approved", "")
        # the safety net brings the decision (here: one sweep from the command line)
        swept = await asyncio.to_thread(stage.cli, "review", "sweep", "--json")
        assert swept["summary"] == {"approved": 1}, swept
        assert stage.status(asset_id, version_id) == "APPROVED"
        assert stage.comments(asset_id, version_id) == []  # no comment, nothing posted


async def test_orange_logic_can_import_from_the_iconik_signed_url(stage: Stage) -> None:
    async with stage.context(import_from_url=True) as ctx:
        asset_id, version_id = await stage.edit(ctx, "Pulled by Orange Logic", 20_000)
        stage.approve(asset_id)
        result = await hand_off(ctx, asset_id)
        assert result.outcome == "handed_off", result
        [file] = [f async for f in ctx.iconik.iter_files(asset_id)]
        # the hash of what Orange Logic serves back after pulling the URL matches iconik's checksum
        assert row(ctx, asset_id, version_id)["md5"] == file.checksum


async def test_bad_input_is_a_per_asset_error_and_the_batch_continues(stage: Stage) -> None:
    async with stage.context(rule={"media_types": ["video"]}) as ctx:
        good, good_version = await stage.edit(ctx, "Good", 10_000)
        audio, audio_version = await stage.edit(ctx, "Voice over", 10_000, name="voice.wav")
        gone, gone_version = await stage.edit(ctx, "Gone", 10_000)
        [file] = [f async for f in ctx.iconik.iter_files(gone)]
        await ctx.iconik.delete_file(gone, file.id)
        for asset_id in (audio, gone, good):
            stage.approve(asset_id)

        results = await hand_off_many(ctx, [(audio, None), (gone, None), (good, None)], from_event=True)
        outcomes = {r.asset_id: (r.outcome, r.detail) for r in results}
        assert outcomes[good][0] == "handed_off"
        assert row(ctx, good, good_version)["status"] == "pending_review"
        assert outcomes[audio] == (
            "excluded",
            "file 'voice.wav' has media type audio, not one of ['video']",
        )
        assert outcomes[gone][0] == "failed", outcomes[gone]
        assert "no usable ORIGINAL file (its file was deleted or purged)" in outcomes[gone][1]
        assert gone in outcomes[gone][1] and gone_version in outcomes[gone][1]
        assert row(ctx, audio, audio_version)["status"] == "excluded"
        assert row(ctx, gone, gone_version)["status"] == "failed"
        assert "voice.wav" in audits(ctx, "review_excluded")[0].reason
        # the safety-net sweep does not repeat the errors
        swept = await review_sweep(ctx)
        assert swept.handoffs == []
        shown = stage.cli("review", "status", "--json")
        by_asset = {h["asset_id"]: h for h in shown["handoffs"]}
        assert shown["counts"] == {"excluded": 1, "failed": 1, "pending_review": 1}
        assert by_asset[audio]["error"] == outcomes[audio][1]
        assert by_asset[good]["record_id"] and by_asset[good]["status"] == "pending_review"

    async with stage.context(pending_value="Awaiting Review") as ctx:
        other, other_version = await stage.edit(ctx, "Refused value", 10_000)
        stage.approve(other)
        result = await hand_off(ctx, other)
        assert result.outcome == "failed"
        assert "'AB.Status'" in result.detail and "'Awaiting Review'" in result.detail
        assert "Pending Review" in result.detail  # what is allowed
        state = row(ctx, other, other_version)
        assert state["status"] == "failed" and state["record_id"] is None  # nothing was sent


async def test_deleted_asset_is_reported(stage: Stage) -> None:
    async with stage.context() as ctx:
        asset_id, _ = await stage.edit(ctx, "Purged", 10_000)
        stage.approve(asset_id)
        await ctx.iconik.delete_asset(asset_id)
        result = await hand_off(ctx, asset_id)
        assert result.outcome == "failed"
        assert result.detail == f"iconik asset {asset_id} is deleted" or "no longer exists" in result.detail

        # a version already in review keeps its state when a later event finds the asset gone
        kept, kept_version = await stage.edit(ctx, "In review, then deleted", 10_000)
        stage.approve(kept)
        assert (await hand_off(ctx, kept)).outcome == "handed_off"
        await ctx.iconik.delete_asset(kept)
        late = await hand_off(ctx, kept, kept_version)
        assert late.outcome == "failed" and kept in late.detail
        assert row(ctx, kept, kept_version)["status"] == "pending_review"
        assert any(kept in a.reason for a in audits(ctx, "review_failed"))


async def test_an_interrupted_hand_off_is_finished_once(stage: Stage) -> None:
    control = httpx.Client(base_url=stage.server.info()["orangelogic"]["control_url"], timeout=10)
    rule = {"kind": "status", "path": "UploadNewMedia", "method": "POST", "status": 503, "count": 100}
    async with stage.context() as ctx:
        asset_id, version_id = await stage.edit(ctx, "Interrupted", 30_000)
        stage.approve(asset_id)
        control.put("/faults", json={"rules": [rule]}).raise_for_status()
        with pytest.raises(TransientError):
            await hand_off(ctx, asset_id)
        assert row(ctx, asset_id, version_id)["status"] == "handing_off"
        control.delete("/faults").raise_for_status()

        # the runner retries the job: the same version is finished, under the same transfer key
        result = await hand_off(ctx, asset_id)
        assert result.outcome == "handed_off", result
        assert row(ctx, asset_id, version_id)["round"] == 1
        carrying = [
            a
            for a in control.get("/orangelogic/assets").json()["assets"]
            if a["Fields"].get("AB.Iconik-id") == asset_id
        ]
        assert [a["RecordID"] for a in carrying] == [result.record_id]
        assert (await hand_off(ctx, asset_id)).outcome == "skipped"
    control.close()


async def test_hand_off_and_decision_on_postgresql(stage: Stage, postgres_url: str) -> None:
    stage.state_url = postgres_url
    async with stage.context() as ctx:
        asset_id, version_id = await stage.edit(ctx, "On PostgreSQL", 3 * CHUNK)
        stage.approve(asset_id)
        result = await hand_off(ctx, asset_id)
        assert result.outcome == "handed_off" and result.multipart is True, result
        state = row(ctx, asset_id, version_id)
        await decide(ctx, state["system_identifier"], "Rejected", "Wrong aspect ratio")
        [decision] = await bridge_decision(ctx, state["record_id"])
        assert decision.outcome == "rejected"
        assert row(ctx, asset_id, version_id)["comment"] == "Wrong aspect ratio"
        assert lineage(ctx, asset_id) == ["linked", "handed_off", "rejected"]

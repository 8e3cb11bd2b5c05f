"""The iconik client's contract: one battery run against the sandbox, or a live tenant when configured.

See ``iconik_target.py`` for how the target is chosen and what a live run may write. The fault
tests at the end need the sandbox's fault injection and run on the sandbox only.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tracemalloc
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import iconik_target as fixtures
import pytest
from iconik_target import KIB, IconikTarget, sandbox_config

from assetbridge.connectors.iconik import IconikClient
from assetbridge.connectors.iconik.models import Asset, WebhookEvent
from assetbridge.connectors.iconik.requests import (
    ApprovalDecision,
    ApprovalRequest,
    AssetCreate,
    AssetUpdate,
    CollectionCreate,
    CustomActionCreate,
    JobCreate,
    JobUpdate,
    MetadataFieldCreate,
    MetadataViewCreate,
    MetadataWrite,
    ProxyCreate,
    SearchCriteria,
    SearchFilter,
    SearchTerm,
    SegmentCreate,
    SegmentUpdate,
    ShareCreate,
    SortSpec,
    ViewField,
    WebhookCreate,
)
from assetbridge.connectors.iconik.upload_s3 import S3Upload
from assetbridge.errors import AuthError, ChecksumError, NotFoundError, TransientError, ValidationError

# The shared fixtures (pytest collects fixtures bound in the test module).
iconik_sandbox = fixtures.iconik_sandbox
iconik_target = fixtures.iconik_target
iconik = fixtures.iconik


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def new_asset(iconik: IconikClient, target: IconikTarget, title: str, **fields: Any) -> Asset:
    asset = await iconik.create_asset(AssetCreate(title=title, **fields))
    target.created_assets.append(asset.id)
    return asset


# --- assets and versions ---------------------------------------------------------------------------


async def test_token_is_accepted(iconik: IconikClient) -> None:
    assert await iconik.check_token()


async def test_asset_crud_and_versions(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    ext = unique("ol")
    created = await new_asset(iconik, iconik_target, "Contract asset", external_id=ext, type="ASSET")
    assert created.title == "Contract asset"
    assert created.external_id == ext
    assert len(created.versions) == 1
    first_version = created.latest_version_id

    fetched = await iconik.get_asset(created.id)
    assert fetched.id == created.id

    updated = await iconik.update_asset(created.id, AssetUpdate(title="Renamed"))
    assert updated.title == "Renamed"
    assert (await iconik.get_asset(created.id)).title == "Renamed"

    versions = await iconik.create_version(created.id)
    assert len(versions.versions) == 2
    after = await iconik.get_asset(created.id)
    assert after.latest_version_id not in (None, first_version)

    await iconik.delete_asset(created.id)
    try:
        gone = await iconik.get_asset(created.id)
    except NotFoundError:
        return
    assert gone.status == "DELETED"


async def test_asset_restore_purge_and_version_promotion(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    asset = await new_asset(iconik, iconik_target, "lifecycle")
    first = asset.latest_version_id
    assert first is not None
    versions = await iconik.create_version(asset.id)
    second = next(v.id for v in versions.versions if v.id != first)
    await iconik.promote_version(asset.id, first)
    assert (await iconik.get_asset(asset.id)).latest_version_id in (first, second)
    await iconik.delete_version(asset.id, second)
    assert [v.id for v in (await iconik.get_asset(asset.id)).versions if v.status != "DELETED"] == [first]

    await iconik.delete_asset(asset.id)
    await iconik.restore_asset(asset.id)
    assert (await iconik.get_asset(asset.id)).status == "ACTIVE"
    await iconik.purge_asset(asset.id)
    with pytest.raises(NotFoundError):
        await iconik.get_asset(asset.id)


async def test_missing_asset_is_not_found_with_the_call_named(iconik: IconikClient) -> None:
    with pytest.raises(NotFoundError) as info:
        await iconik.get_asset(str(uuid.uuid1()))
    assert "GET /API/assets/v1/assets/{asset_id}/" in str(info.value)
    assert info.value.status == 404


async def test_bad_input_is_a_validation_error(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates a field and a view")
    asset = await new_asset(iconik, iconik_target, "for bad input")
    field = unique("known")
    await iconik.create_field(MetadataFieldCreate(name=field, label="Known", field_type="string"))
    view = await iconik.create_view(MetadataViewCreate(name=unique("v"), view_fields=[ViewField(name=field)]))
    with pytest.raises(ValidationError) as info:
        await iconik.put_metadata("assets", asset.id, view.id, MetadataWrite.of({"not_in_view": ["y"]}))
    assert info.value.status == 400
    assert "PUT /API/metadata/v1/{object_type}/{object_id}/views/{view_id}/" in str(info.value)
    with pytest.raises(NotFoundError):
        await iconik.put_metadata("assets", asset.id, str(uuid.uuid1()), MetadataWrite.of({field: ["y"]}))


async def test_external_id_lookup_via_search(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    ext = unique("lookup")
    asset = await new_asset(iconik, iconik_target, "Lookup me", external_id=ext)
    await new_asset(iconik, iconik_target, "Someone else", external_id=unique("other"))
    found = await wait_for(lambda: iconik.find_assets_by_external_id(ext), iconik_target)
    assert [a.id for a in found] == [asset.id]


async def test_asset_list_spans_pages(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    ids = {(await new_asset(iconik, iconik_target, unique("page"))).id for _ in range(5)}
    seen: list[str] = []
    async for asset in iconik.iter_assets(per_page=2, sort="date_created,desc"):
        seen.append(asset.id)
        if ids <= set(seen):
            break  # newest first: on a live tenant the rest of the library need not be read
    assert ids <= set(seen), "five assets at two per page: at least three pages were followed"
    assert len(seen) == len(set(seen)), "an asset was yielded twice"


async def wait_for(probe: Any, target: IconikTarget, attempts: int = 20) -> Any:
    """Search is eventually consistent on real tenants (reference §7.4): poll briefly."""
    result = await probe()
    for _ in range(attempts if target.live else 0):
        if result:
            break
        await asyncio.sleep(1)
        result = await probe()
    return result


# --- search ----------------------------------------------------------------------------------------


async def test_search_pages_and_search_after_scan_agree(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    tag = unique("scan")
    ids = {
        (await new_asset(iconik, iconik_target, f"{tag} {i}", external_id=f"{tag}-{i}")).id for i in range(7)
    }
    criteria = SearchCriteria(
        doc_types=["assets"],
        query=tag,
        sort=[SortSpec(name="date_created", order="asc")],
    )

    async def paged() -> list[str]:
        return [hit["id"] async for hit in iconik.iter_search(criteria, per_page=3)]

    by_pages = await wait_for(lambda: _nonempty_if(paged, 7), iconik_target)
    assert set(by_pages) == ids and len(by_pages) == 7

    scanned = [hit async for hit in iconik.scan(criteria, per_page=3)]
    assert {h["id"] for h in scanned} == ids
    assert len(scanned) == 7
    assert all("_sort" in h for h in scanned)
    created = [h.get("date_created") for h in scanned]
    assert created == sorted(created)


async def _nonempty_if(fetch: Any, count: int) -> list[str]:
    result: list[str] = await fetch()
    return result if len(result) >= count else []


async def test_search_filter_terms(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    ext = unique("term")
    asset = await new_asset(iconik, iconik_target, "filtered", external_id=ext)
    criteria = SearchCriteria(filter=SearchFilter(terms=[SearchTerm(name="external_id", value_in=[ext])]))

    async def probe() -> list[str]:
        return [h["id"] async for h in iconik.iter_search(criteria)]

    assert await wait_for(probe, iconik_target) == [asset.id]


# --- collections, shares, approvals, segments, custom actions ---------------------------------------


async def test_collection_contents(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates a collection")
    collection = await iconik.create_collection(
        CollectionCreate(title=unique("campaign"), external_id="camp-1")
    )
    assets = [await new_asset(iconik, iconik_target, f"member {i}") for i in range(3)]
    for asset in assets:
        await iconik.add_to_collection(collection.id, asset.id)
    await iconik.add_to_collection(collection.id, assets[0].id)  # repeated: still one entry
    contents = [item.id async for item in iconik.iter_collection_contents(collection.id, per_page=2)]
    assert sorted(contents) == sorted(a.id for a in assets)
    await iconik.remove_from_collection(collection.id, assets[1].id)
    contents = [item.id async for item in iconik.iter_collection_contents(collection.id, per_page=2)]
    assert sorted(contents) == sorted([assets[0].id, assets[2].id])
    assert (await iconik.get_collection(collection.id)).external_id == "camp-1"
    in_asset = await iconik.get_asset(assets[0].id, include_collections=True)
    assert collection.id in (in_asset.in_collections or [])
    await iconik.delete_collection(collection.id)


async def test_shares(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates shares")
    asset = await new_asset(iconik, iconik_target, "shared")
    share = await iconik.create_share(
        "assets",
        asset.id,
        ShareCreate(title="review", allow_comments=True, expires="2030-01-01T00:00:00+00:00"),
    )
    assert share.url
    emailed = await iconik.create_share(
        "assets", asset.id, ShareCreate(emails=["a@example.com"], title="mail")
    )
    listed = [s.id async for s in iconik.iter_shares("assets", asset.id, per_page=1)]
    assert sorted(listed) == sorted([share.id, emailed.id])
    assert (await iconik.get_share("assets", asset.id, share.id)).title == "review"
    await iconik.delete_share("assets", asset.id, share.id)
    with pytest.raises(NotFoundError):
        await iconik.get_share("assets", asset.id, share.id)


async def test_approvals(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("requests approvals")
    asset = await new_asset(iconik, iconik_target, "to approve")
    user_id = iconik_target.require_sandbox("user id").config.iconik.user_id
    requested = await iconik.request_approval(
        "assets", asset.id, ApprovalRequest(users=[user_id], min_number=1)
    )
    assert requested.status == "REQUESTED"
    await iconik.set_approval("assets", asset.id, ApprovalDecision(status="APPROVED"))
    request = await iconik.get_approval_request("assets", asset.id)
    assert request.status == "APPROVED"
    decisions = [d async for d in iconik.iter_approvals("assets", asset.id)]
    assert [d.status for d in decisions] == ["APPROVED"]


async def test_comment_segments(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    asset = await new_asset(iconik, iconik_target, "commented")
    comments = [
        await iconik.create_segment(
            asset.id, SegmentCreate(segment_text=f"note {i}", time_start_milliseconds=i * 1000)
        )
        for i in range(3)
    ]
    listed = [s async for s in iconik.iter_segments(asset.id, segment_type="COMMENT", per_page=2)]
    assert sorted(s.id for s in listed) == sorted(c.id for c in comments)
    checked = await iconik.update_segment(asset.id, comments[0].id, SegmentUpdate(segment_checked=True))
    assert checked.segment_checked is True
    await iconik.delete_segment(asset.id, comments[1].id)
    remaining = [s.id async for s in iconik.iter_segments(asset.id, segment_type="COMMENT")]
    assert comments[1].id not in remaining


async def test_custom_actions(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates a custom action")
    action = await iconik.create_custom_action(
        CustomActionCreate(
            title="Request original", url="http://127.0.0.1:9/hook", headers={"x-secret": "s3cr3t"}
        )
    )
    assert action.context == "ASSET"
    assert action.id in [a.id for a in await iconik.list_custom_actions("ASSET")]
    renamed = await iconik.update_custom_action(
        action.id, CustomActionCreate(title="Get original", url="http://127.0.0.1:9/hook")
    )
    assert renamed.title == "Get original"
    await iconik.delete_custom_action("ASSET", action.id)
    with pytest.raises(NotFoundError):
        await iconik.get_custom_action("ASSET", action.id)


# --- metadata ------------------------------------------------------------------------------------------


async def test_metadata_write_read_round_trip(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    asset = await new_asset(iconik, iconik_target, "with metadata")
    if iconik_target.live:
        view_id = os.environ.get("ASSETBRIDGE_LIVE_ICONIK_VIEW_ID")
        field = os.environ.get("ASSETBRIDGE_LIVE_ICONIK_FIELD")
        if not view_id or not field:
            pytest.skip("live metadata round trip needs ASSETBRIDGE_LIVE_ICONIK_VIEW_ID and _FIELD")
        written = await iconik.put_metadata(
            "assets", asset.id, view_id, MetadataWrite.of({field: ["contract"]})
        )
        assert written.values(field) == ["contract"]
        assert (await iconik.get_metadata("assets", asset.id, view_id)).values(field) == ["contract"]
        return
    campaign, tags = unique("campaign"), unique("tags")
    await iconik.create_field(MetadataFieldCreate(name=campaign, label="Campaign", field_type="string"))
    await iconik.create_field(
        MetadataFieldCreate(name=tags, label="Tags", field_type="tag_cloud", multi=True)
    )
    view = await iconik.create_view(
        MetadataViewCreate(name=unique("view"), view_fields=[ViewField(name=campaign), ViewField(name=tags)])
    )
    assert {f.name for f in (await iconik.get_view(view.id)).view_fields} == {campaign, tags}
    assert view.id in [v.id for v in await iconik.list_views()]

    await iconik.put_metadata(
        "assets", asset.id, view.id, MetadataWrite.of({campaign: ["Spring"], tags: ["a", "b"]})
    )
    read = await iconik.get_metadata("assets", asset.id, view.id)
    assert read.values(campaign) == ["Spring"]
    assert read.values(tags) == ["a", "b"]

    await iconik.put_metadata("assets", asset.id, view.id, MetadataWrite.of({tags: ["c"]}, mode="append"))
    assert (await iconik.get_metadata("assets", asset.id, view.id)).values(tags) == ["a", "b", "c"]
    await iconik.put_metadata("assets", asset.id, view.id, MetadataWrite.of({tags: ["a"]}, mode="delete"))
    assert (await iconik.get_metadata("assets", asset.id, view.id)).values(tags) == ["b", "c"]
    await iconik.put_metadata("assets", asset.id, view.id, MetadataWrite.of({campaign: []}))
    assert (await iconik.get_metadata("assets", asset.id, view.id)).values(campaign) == []


async def test_metadata_fields_cursor_spans_pages(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates fields")
    names = {unique("f") for _ in range(5)}
    for name in names:
        await iconik.create_field(MetadataFieldCreate(name=name, label=name, field_type="string"))
    seen = [f.name async for f in iconik.iter_fields(per_page=2)]
    assert names <= set(seen)
    assert len(seen) == len(set(seen))
    await iconik.delete_field(sorted(names)[0])
    with pytest.raises(NotFoundError):
        await iconik.get_field(sorted(names)[0])


# --- webhooks and jobs ----------------------------------------------------------------------------------


async def test_webhooks_crud(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("registers a webhook")
    hook = await iconik.create_webhook(
        WebhookCreate(
            url="http://127.0.0.1:9/in", event_type="assets", realm="metadata", headers={"X-S": "v"}
        )
    )
    assert hook.status == "ENABLED"
    assert hook.id in [w.id for w in await iconik.list_webhooks()]
    changed = await iconik.update_webhook(
        hook.id, WebhookCreate(url="http://127.0.0.1:9/in2", event_type="assets", status="DISABLED")
    )
    assert (changed.url, changed.status) == ("http://127.0.0.1:9/in2", "DISABLED")
    assert (await iconik.get_webhook(hook.id)).url == "http://127.0.0.1:9/in2"
    await iconik.delete_webhook(hook.id)
    with pytest.raises(NotFoundError):
        await iconik.get_webhook(hook.id)


async def test_jobs_create_list_update_wait(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.require_sandbox("creates jobs")
    asset = await new_asset(iconik, iconik_target, "job subject")
    job = await iconik.create_job(
        JobCreate(title="transfer", type="TRANSFER", object_type="assets", object_id=asset.id)
    )
    assert job.status == "STARTED"
    listed = [j.id async for j in iconik.iter_jobs(object_id=asset.id)]
    assert job.id in listed

    async def finish_later() -> None:
        await asyncio.sleep(0.2)
        await iconik.update_job(job.id, JobUpdate(status="FINISHED", progress_processed=100))

    finisher = asyncio.create_task(finish_later())
    done = await iconik.wait_for_job(job.id, max_wait=10, poll_interval=0.05)
    await finisher
    assert done.status == "FINISHED"
    with pytest.raises(TransientError):
        other = await iconik.create_job(JobCreate(title="never ends"))
        await iconik.wait_for_job(other.id, max_wait=0.2, poll_interval=0.05)


async def test_event_payloads_parse_as_webhook_events(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    iconik_target.require_sandbox("reads the emulator's event log")
    with iconik_target.control() as control:
        since = control.get("/iconik/events").json()["total"]
    asset = await new_asset(iconik, iconik_target, "evented")
    with iconik_target.control() as control:
        payloads = control.get("/iconik/events", params={"since": since}).json()["objects"]
    events = [WebhookEvent.model_validate(p) for p in payloads]
    created = [e for e in events if e.object_id == asset.id and e.operation == "create"]
    assert created and created[0].event_type == "assets" and created[0].request_id


# --- media ------------------------------------------------------------------------------------------------


async def storage_ids(iconik: IconikClient) -> dict[str, str]:
    return {s.method or "": s.id for s in await iconik.list_storages(purpose="FILES")}


async def _upload_round_trip(
    iconik: IconikClient, target: IconikTarget, tmp_path: Path, method: str, size: int
) -> None:
    storages = await storage_ids(iconik)
    if method not in storages:
        pytest.skip(f"no {method} FILES storage on this tenant")
    data = os.urandom(size)
    src = tmp_path / "master.bin"
    src.write_bytes(data)
    asset = await new_asset(iconik, target, f"upload {method}")
    uploaded = await iconik.upload_original(
        asset.id, src, file_name="master.bin", size=size, storage_id=storages[method]
    )
    assert uploaded.method == method
    assert uploaded.file.status == "CLOSED"
    assert uploaded.digests.size == size
    files = [f async for f in iconik.iter_files(asset.id)]
    assert [f.id for f in files] == [uploaded.file.id]
    assert files[0].size == size

    dest = tmp_path / "copy.bin"
    digests = await iconik.download_file(asset.id, uploaded.file.id, dest)
    assert dest.read_bytes() == data
    assert digests.md5 == uploaded.digests.md5 and digests.sha1 == uploaded.digests.sha1


@pytest.mark.parametrize("method", ["GCS", "S3"])
async def test_upload_and_download_larger_than_a_chunk(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path, method: str
) -> None:
    size = 5 * iconik_target.config.s3_part_size + 12_345 if method == "S3" else 5 * 256 * KIB + 777
    await _upload_round_trip(iconik, iconik_target, tmp_path, method, size)


async def test_upload_from_async_iterator_of_unknown_chunking(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    chunks = [os.urandom(100_000) for _ in range(9)]

    async def produce() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    asset = await new_asset(iconik, iconik_target, "streamed")
    size = sum(len(c) for c in chunks)
    uploaded = await iconik.upload_original(asset.id, produce(), file_name="s.bin", size=size)
    assert uploaded.digests.md5 == hashlib.md5(b"".join(chunks), usedforsecurity=False).hexdigest()
    assert uploaded.file.size == size


async def test_proxy_upload_and_keyframes_job(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path
) -> None:
    asset = await new_asset(iconik, iconik_target, "proxied")
    data = os.urandom(300_000)
    proxy, digests = await iconik.upload_proxy(
        asset.id, _aiter(data), ProxyCreate(name="p.mp4", codec="h264"), size=len(data)
    )
    assert proxy.status == "CLOSED"
    assert [p.id async for p in iconik.iter_proxies(asset.id)] == [proxy.id]
    dest = tmp_path / "proxy.mp4"
    assert (await iconik.download_proxy(asset.id, proxy.id, dest)).md5 == digests.md5
    assert dest.read_bytes() == data
    await iconik.delete_proxy(asset.id, proxy.id)
    assert [p.id async for p in iconik.iter_proxies(asset.id)] == []

    uploaded = await iconik.upload_original(asset.id, _aiter(data), file_name="o.mp4", size=len(data))
    job_id = await iconik.generate_keyframes(asset.id, uploaded.file.id)
    assert job_id
    job = await iconik.wait_for_job(job_id, max_wait=30, poll_interval=0.05)
    assert job.status in ("FINISHED", "FINISHED_WITH_WARNING", "FAILED")
    assert [k async for k in iconik.iter_keyframes(asset.id)] or job.status == "FAILED"


async def _aiter(data: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


# --- behaviour under faults (sandbox fault injection) ------------------------------------------------------


async def test_upload_original_again_after_a_failure_reuses_format_and_file_set(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    asset = await new_asset(iconik, iconik_target, "upload twice")
    data = os.urandom(300_000)
    iconik_target.faults(
        [{"kind": "status", "status": 503, "method": "POST", "path": "/files/$", "count": 1}]
    )
    with pytest.raises(TransientError):
        await iconik.upload_original(asset.id, _aiter(data), file_name="t.bin", size=len(data))
    uploaded = await iconik.upload_original(asset.id, _aiter(data), file_name="t.bin", size=len(data))
    assert uploaded.file.status == "CLOSED"
    assert [f.name async for f in iconik.iter_formats(asset.id)] == ["ORIGINAL"]
    assert len([fs async for fs in iconik.iter_file_sets(asset.id)]) == 1


async def test_transient_503s_on_get_are_retried(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    asset = await new_asset(iconik, iconik_target, "flaky read")
    iconik_target.faults(
        [{"kind": "status", "status": 503, "method": "GET", "path": "/API/assets/", "count": 2}]
    )
    before = iconik.api.attempts
    assert (await iconik.get_asset(asset.id)).id == asset.id
    assert iconik.api.attempts - before == 3


async def test_503_on_create_is_not_blindly_resent(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    iconik_target.faults(
        [{"kind": "status", "status": 503, "method": "POST", "path": "/API/assets/v1/assets/$"}]
    )
    with pytest.raises(TransientError):
        await iconik.create_asset(AssetCreate(title="no external id"))
    assert await _count_assets(iconik_target, title="no external id") == 0


@pytest.mark.parametrize("kind", ["reset", "truncate"])
async def test_create_asset_after_a_failed_response_makes_no_duplicate(
    iconik: IconikClient, iconik_target: IconikTarget, kind: str
) -> None:
    """``reset``: the POST never reached the handler; ``truncate``: it created the asset, but the answer
    was cut. Either way exactly one asset exists afterwards."""
    ext = unique(kind)
    iconik_target.faults([{"kind": kind, "method": "POST", "path": "/API/assets/v1/assets/$", "count": 1}])
    asset = await iconik.create_asset(AssetCreate(title=f"once {kind}", external_id=ext))
    iconik_target.created_assets.append(asset.id)
    assert asset.external_id == ext
    assert await _count_assets(iconik_target, external_id=ext) == 1


async def _count_assets(target: IconikTarget, **match: str) -> int:
    sandbox = target.require_sandbox("inspects emulator state")
    return sum(
        1
        for a in list(sandbox.iconik.assets.values())
        if all(a.get(k) == v for k, v in match.items()) and a.get("status") != "DELETED"
    )


@pytest.mark.parametrize("send_retry_after", [True, False])
async def test_429_storm_is_honoured(iconik_target: IconikTarget, send_retry_after: bool) -> None:
    sandbox = iconik_target.require_sandbox("configures the emulator's rate limit")
    with iconik_target.control() as control:
        body = {"per_second": 20, "per_window": 1000, "send_retry_after": send_retry_after}
        assert control.put("/iconik/rate_limit", json=body).status_code == 200
    # A governor far above the server's limit: the server's 429s must slow us down, not fail us.
    config = sandbox_config(
        sandbox,
        rate={"per_second": 200, "per_window": 4000, "default_pause": 0.3},
        retry={"initial_interval": 0.05, "maximum_interval": 0.5, "maximum_attempts": 30},
    )
    async with IconikClient(config) as client:
        results = await asyncio.gather(*(client.check_token() for _ in range(26)))
        assert all(results)
        assert client.governor.throttled > 0
    with iconik_target.control() as control:
        stats = control.get("/iconik/rate_limit").json()
    assert stats["rejected"] > 0
    assert stats["allowed"] >= 26


async def test_injected_429s_with_retry_after_are_waited_out(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    iconik_target.faults([{"kind": "rate_limit", "retry_after": 1, "path": "/API/auth/", "count": 1}])
    started = asyncio.get_running_loop().time()
    assert await iconik.check_token()
    assert asyncio.get_running_loop().time() - started >= 0.95
    assert iconik.governor.throttled == 1


async def test_401_is_auth_error_without_the_token(iconik_target: IconikTarget) -> None:
    sandbox = iconik_target.require_sandbox("uses a wrong token")
    secret = "wrong-token-" + uuid.uuid4().hex
    async with IconikClient(sandbox_config(sandbox, auth_token=secret)) as client:
        with pytest.raises(AuthError) as info:
            await client.get_asset(str(uuid.uuid1()))
    assert info.value.status == 401
    assert secret not in str(info.value)
    assert "Token is invalid" in str(info.value)
    assert client.api.attempts == 1, "401 must not be retried"


async def test_truncated_body_is_transient_and_retried(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    asset = await new_asset(iconik, iconik_target, "truncated read")
    iconik_target.faults([{"kind": "truncate", "method": "GET", "path": "/API/assets/", "count": 1}])
    assert (await iconik.get_asset(asset.id)).id == asset.id
    iconik_target.faults([{"kind": "truncate", "method": "GET", "path": "/API/assets/"}])
    with pytest.raises(TransientError) as info:
        await iconik.get_asset(asset.id)
    assert info.value.retryable


async def test_download_resumes_after_a_reset_mid_stream(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path
) -> None:
    data = os.urandom(900_000)
    asset = await new_asset(iconik, iconik_target, "resumable download")
    uploaded = await iconik.upload_original(asset.id, _aiter(data), file_name="d.bin", size=len(data))
    iconik_target.faults([{"kind": "truncate", "method": "GET", "count": 2}], system="storage")
    file = await iconik.get_file(asset.id, uploaded.file.id)
    url = await iconik.file_download_url(asset.id, file.id)
    download = iconik.open_download(asset.id, file.model_copy(update={"url": url}))
    dest = tmp_path / "resumed.bin"
    digests = await download.to_path(dest)
    assert download.resumes == 2
    assert dest.read_bytes() == data
    assert digests.md5 == uploaded.digests.md5


async def test_corrupted_object_fails_the_checksum(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path
) -> None:
    sandbox = iconik_target.require_sandbox("corrupts a stored object")
    data = os.urandom(200_000)
    asset = await new_asset(iconik, iconik_target, "corrupted")
    uploaded = await iconik.upload_original(asset.id, _aiter(data), file_name="c.bin", size=len(data))
    with httpx.Client(base_url=sandbox.urls["storage"] + "/_sandbox", timeout=10) as control:
        objects = control.get("/storage/objects").json()
        items = objects.get("objects", objects) if isinstance(objects, dict) else objects
        keys = [o["key"] for o in items if o.get("size") == len(data)]
        assert len(keys) == 1
        assert control.post(f"/storage/objects/{keys[0]}/corrupt").status_code == 200
    with pytest.raises(ChecksumError) as info:
        await iconik.download_file(asset.id, uploaded.file.id, tmp_path / "bad.bin")
    assert info.value.algorithm == "md5"
    assert not (tmp_path / "bad.bin").exists()


async def test_expired_upload_url_is_refreshed(iconik: IconikClient, iconik_target: IconikTarget) -> None:
    sandbox = iconik_target.require_sandbox("advances the clock")
    ttl = sandbox.config.storage.url_ttl_seconds
    asset = await new_asset(iconik, iconik_target, "late upload")
    from assetbridge.connectors.iconik.requests import FileCreate, FileSetCreate, FormatCreate

    storage = await iconik.matching_storage("FILES")
    fmt = await iconik.create_format(asset.id, FormatCreate())
    fs = await iconik.create_file_set(
        asset.id, FileSetCreate(name="x", format_id=fmt.id, storage_id=storage.id)
    )
    data = os.urandom(600_000)
    file = await iconik.create_file(
        asset.id,
        FileCreate(
            original_name="x.bin", size=len(data), format_id=fmt.id, file_set_id=fs.id, storage_id=storage.id
        ),
    )
    with iconik_target.control("storage") as control:
        assert control.post("/clock/advance", json={"seconds": ttl + 60}).status_code == 200
    target = iconik._file_target(asset.id, file, "application/octet-stream")
    stale = target.upload_url
    digests = await iconik.upload_to_target(target, _aiter(data), len(data))
    assert target.upload_url != stale
    closed = await iconik.close_file(asset.id, file.id, size=digests.size, checksum=digests.md5)
    assert closed.status == "CLOSED"


async def test_expired_s3_part_urls_are_fetched_again(
    iconik: IconikClient, iconik_target: IconikTarget
) -> None:
    sandbox = iconik_target.require_sandbox("advances the clock mid-upload")
    ttl = sandbox.config.storage.url_ttl_seconds
    storages = await storage_ids(iconik)
    asset = await new_asset(iconik, iconik_target, "s3 part refresh")
    from assetbridge.connectors.iconik.requests import FileCreate, FileSetCreate, FormatCreate

    fmt = await iconik.create_format(asset.id, FormatCreate())
    fs = await iconik.create_file_set(
        asset.id, FileSetCreate(name="y", format_id=fmt.id, storage_id=storages["S3"])
    )
    part = iconik_target.config.s3_part_size
    data = os.urandom(4 * part + 99)
    file = await iconik.create_file(
        asset.id,
        FileCreate(
            original_name="y.bin",
            size=len(data),
            format_id=fmt.id,
            file_set_id=fs.id,
            storage_id=storages["S3"],
        ),
    )

    async def source() -> AsyncIterator[bytes]:
        for i in range(0, len(data), part):
            yield data[i : i + part]
            if i == part:  # two parts out: let every signed URL handed out so far expire
                async with httpx.AsyncClient(base_url=sandbox.urls["storage"] + "/_sandbox") as control:
                    await control.post("/clock/advance", json={"seconds": ttl + 60})

    upload = S3Upload(
        iconik.storage,
        iconik._file_target(asset.id, file, "application/octet-stream"),
        part_size=part,
        concurrency=1,
        policy=iconik_target.config.storage_retry,
    )
    digests = await upload.run(source(), len(data))
    assert upload.refreshed_parts >= 1
    await iconik.close_file(asset.id, file.id, size=digests.size, checksum=digests.md5)
    copy = b"".join(
        [
            c
            async for c in iconik.open_download(
                asset.id, (await _with_url(iconik, asset.id, file.id))
            ).chunks()
        ]
    )
    assert copy == data


async def _with_url(iconik: IconikClient, asset_id: str, file_id: str) -> Any:
    file = await iconik.get_file(asset_id, file_id)
    return file.model_copy(update={"url": await iconik.file_download_url(asset_id, file_id)})


@pytest.mark.parametrize("kind", ["reset", "truncate"])
async def test_gcs_upload_resumes_from_what_the_server_holds(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path, kind: str
) -> None:
    """``reset``: the chunk never arrived; ``truncate``: it was stored but the 308 was cut. The status
    query tells which, and the upload goes on from the right byte."""
    storages = await storage_ids(iconik)
    iconik_target.faults([{"kind": kind, "method": "PUT", "path": "^/gcs/", "count": 2}], system="storage")
    data = os.urandom(6 * 256 * KIB + 1000)
    asset = await new_asset(iconik, iconik_target, f"gcs {kind}")
    uploaded = await iconik.upload_original(
        asset.id, _aiter(data), file_name="g.bin", size=len(data), storage_id=storages["GCS"]
    )
    with iconik_target.control("storage") as control:
        assert control.get("/faults").json()["fired"] == [2]
    dest = tmp_path / "g.bin"
    await iconik.download_file(asset.id, uploaded.file.id, dest)
    assert dest.read_bytes() == data


async def test_s3_parts_are_retried_one_by_one(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path
) -> None:
    storages = await storage_ids(iconik)
    iconik_target.faults(
        [
            {"kind": "status", "status": 503, "method": "PUT", "path": "^/s3/", "count": 2},
            {"kind": "reset", "method": "PUT", "path": "^/s3/", "count": 1},
        ],
        system="storage",
    )
    data = os.urandom(6 * iconik_target.config.s3_part_size + 5)
    asset = await new_asset(iconik, iconik_target, "s3 retried parts")
    uploaded = await iconik.upload_original(
        asset.id, _aiter(data), file_name="s.bin", size=len(data), storage_id=storages["S3"]
    )
    with iconik_target.control("storage") as control:
        assert control.get("/faults").json()["fired"] == [2, 1]
    dest = tmp_path / "s.bin"
    await iconik.download_file(asset.id, uploaded.file.id, dest)
    assert dest.read_bytes() == data


async def _round_trip_peak(
    iconik: IconikClient, target: IconikTarget, tmp_path: Path, method: str, mib: int
) -> int:
    """Peak traced Python heap of an upload + download of ``mib`` MiB from and to disk."""
    storages = await storage_ids(iconik)
    src = tmp_path / f"big{mib}.bin"
    with src.open("wb") as handle:
        for _ in range(mib):
            handle.write(os.urandom(1024 * KIB))
    asset = await new_asset(iconik, target, f"big {method}")
    tracemalloc.start()
    try:
        uploaded = await iconik.upload_original(
            asset.id, src, file_name=src.name, size=mib * 1024 * KIB, storage_id=storages[method]
        )
        await iconik.download_file(asset.id, uploaded.file.id, tmp_path / "copy.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "copy.bin").read_bytes() == src.read_bytes()
    return peak


@pytest.mark.parametrize("method", ["GCS", "S3"])
async def test_transfers_use_constant_memory(
    iconik: IconikClient, iconik_target: IconikTarget, tmp_path: Path, method: str
) -> None:
    """Peak memory is flat in file size: 8 MiB costs about what 2 MiB costs (the sandbox shares the
    process, so its own buffers are in both numbers)."""
    iconik_target.require_sandbox("measures memory of a local transfer")
    small = await _round_trip_peak(iconik, iconik_target, tmp_path, method, 2)
    large = await _round_trip_peak(iconik, iconik_target, tmp_path, method, 8)
    assert large - small < 1536 * KIB, f"peak grew from {small / 2**20:.1f} to {large / 2**20:.1f} MiB"
    assert large < 6 * 1024 * KIB


async def test_logs_and_errors_carry_no_secrets(iconik_target: IconikTarget) -> None:
    from structlog.testing import capture_logs

    sandbox = iconik_target.require_sandbox("injects faults")
    iconik_target.faults([{"kind": "status", "status": 503, "method": "PUT", "count": 2}], system="storage")
    iconik_target.faults(
        [{"kind": "status", "status": 502, "method": "GET", "path": "/API/files/", "count": 1}]
    )
    token = sandbox.config.iconik.auth_token
    data = os.urandom(700 * KIB)
    async with IconikClient(sandbox_config(sandbox)) as client:
        with capture_logs() as logs:
            asset = await client.create_asset(AssetCreate(title="quiet"))
            iconik_target.created_assets.append(asset.id)
            await client.upload_original(asset.id, _aiter(data), file_name="q.bin", size=len(data))
        async with IconikClient(sandbox_config(sandbox, auth_token="another-secret-value")) as bad:
            with capture_logs() as bad_logs, pytest.raises(AuthError) as info:
                await bad.get_asset(asset.id)
    text = repr(logs) + repr(bad_logs) + str(info.value)
    assert any(entry.get("event") == "http.retry" for entry in logs)
    assert token not in text
    assert "another-secret-value" not in text
    assert "Signature=" not in text and "Signature%3D" not in text

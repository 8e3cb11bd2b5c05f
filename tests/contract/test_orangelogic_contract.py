"""Contract suite for the Orange Logic client: against the sandbox, or a live tenant with credentials."""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from orangelogic_support import LIVE_URL, OLTarget, make_target, reset_sandbox, start_sandbox

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.datatable import add_values, clear, remove_value, set_value
from assetbridge.connectors.orangelogic.query import field
from assetbridge.connectors.orangelogic.search import cursor_after
from assetbridge.connectors.orangelogic.settings import BearerAuth, ClientCredentialsAuth, OAuth2Auth
from assetbridge.connectors.orangelogic.webhooks import SignatureError, parse_event, verify_signature
from assetbridge.errors import AuthError, NotFoundError, ValidationError
from assetbridge_sandbox.server import SandboxServer

IMAGE = "Documents.Image.Default"


@pytest.fixture(scope="module")
def shared_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer | None]:
    if LIVE_URL:
        yield None
        return
    server = start_sandbox(tmp_path_factory.mktemp("orangelogic-contract"))
    yield server
    server.stop()


@pytest.fixture
def target(shared_sandbox: SandboxServer | None) -> Iterator[OLTarget]:
    yield make_target(shared_sandbox)
    if shared_sandbox is not None:
        reset_sandbox(shared_sandbox)


@pytest.fixture
async def ol(target: OLTarget) -> AsyncIterator[OrangeLogicClient]:
    async with OrangeLogicClient(target.settings()) as client:
        yield client
        for ident in reversed(target.created):
            await client.datatable.delete("Documents.All", {"CoreField.Identifier": ident})


async def new_image(ol: OrangeLogicClient, target: OLTarget, title: str, **extra: Any) -> str:
    writes = [set_value("CoreField.Title", f"{target.run} {title}")]
    writes += [set_value(name, value) for name, value in extra.items()]
    result = await ol.datatable.create(IMAGE, writes)
    assert result.system_identifier and result.record_id
    target.created.append(result.system_identifier)
    return result.system_identifier


async def new_folder(ol: OrangeLogicClient, target: OLTarget) -> str:
    folder = await ol.create_folder(f"{target.run} folder")
    assert folder.record_id and folder.system_identifier
    target.created.append(folder.system_identifier)
    return folder.record_id


def write_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


# --- auth -----------------------------------------------------------------------------------------


async def test_client_credentials_token_is_fetched_once_and_reused(target: OLTarget) -> None:
    async with OrangeLogicClient(target.settings()) as ol:
        await ol.datatable.list_fields(refresh=True)
        await ol.datatable.list_fields(refresh=True)
        assert ol.auth.fetches == 1


async def test_login_mode_sends_the_token_as_a_parameter(target: OLTarget) -> None:
    async with OrangeLogicClient(target.settings(target.login_auth())) as ol:
        fields = await ol.datatable.list_fields()
        assert "CoreField.Title" in fields
        page = await ol.search.page(field("Title", target.run))
        assert page.total_count == 0
        assert ol.auth.fetches == 1 and ol.auth.uses_query_token


async def test_oauth2_authorization_code_then_refresh_token(target: OLTarget) -> None:
    code = target.control("POST", "/orangelogic/oauth2/codes")["code"]
    auth = OAuth2Auth(client_id=target.client_id, client_secret=target.client_secret, authorization_code=code)
    async with OrangeLogicClient(target.settings(auth), clock=target.sandbox_clock()) as ol:
        await ol.datatable.list_fields()
        target.advance_clock(3600 + 5)
        # The code was single-use: this only works if the client switched to the refresh token.
        await ol.datatable.list_fields(refresh=True)
        assert ol.auth.fetches == 2 and ol.auth.rejections == 0


async def test_token_renewed_before_expiry_on_the_sandbox_clock(target: OLTarget) -> None:
    async with OrangeLogicClient(target.settings(), clock=target.sandbox_clock()) as ol:
        await ol.datatable.list_fields()
        target.advance_clock(3600 - 30)  # inside the 60 s refresh margin
        await ol.datatable.list_fields(refresh=True)
        assert ol.auth.fetches == 2 and ol.auth.rejections == 0


async def test_expired_token_gets_a_401_then_one_renewal(target: OLTarget) -> None:
    async with OrangeLogicClient(target.settings()) as ol:
        await ol.datatable.list_fields()
        target.advance_clock(3600 + 5)  # the client's own clock does not know
        fields = await ol.datatable.list_fields(refresh=True)
        assert "CoreField.Title" in fields
        assert ol.auth.fetches == 2 and ol.auth.rejections == 1


async def test_non_expiring_bearer_token_until_revoked(target: OLTarget) -> None:
    sandbox = target.require_sandbox()
    token = sandbox.config.orangelogic.static_bearer_token
    async with OrangeLogicClient(target.settings(BearerAuth(token=token))) as ol:
        target.advance_clock(30 * 24 * 3600)
        assert "CoreField.Title" in await ol.datatable.list_fields()
        target.control("POST", "/orangelogic/tokens/revoke", {"token": token})
        with pytest.raises(AuthError) as err:
            await ol.datatable.list_fields(refresh=True)
        assert err.value.status == 401 and ol.auth.rejections == 0
        assert token not in str(err.value)


async def test_secrets_never_reach_the_log_output(
    target: OLTarget, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with OrangeLogicClient(target.settings(target.login_auth())) as ol:
        token = await ol.auth.token()
        await ol.datatable.list_fields()
        with pytest.raises(NotFoundError):
            await ol.download_original("NOSUCHRECORD", tmp_path / "x")
    async with OrangeLogicClient(target.settings()) as ol:
        bearer = await ol.auth.token()
        await ol.search.page(field("Title", target.run))
    output = capsys.readouterr()
    logged = output.out + output.err
    assert "DataTable" in logged  # the calls were logged...
    secrets = [token, bearer, target.client_secret]
    if target.sandbox is None and target.password:
        secrets.append(target.password)  # the sandbox's password is the word "sandbox" itself
    for secret in secrets:
        assert secret not in logged  # ...without any secret


async def test_bad_credentials_raise_auth_error_without_the_secret(target: OLTarget) -> None:
    secret = "wrong-secret-value-42"
    auth = ClientCredentialsAuth(client_id=target.client_id, client_secret=secret)
    async with OrangeLogicClient(target.settings(auth)) as ol:
        with pytest.raises(AuthError) as err:
            await ol.datatable.list_fields()
    assert err.value.status == 401
    assert "authenticate_46H_v1" in str(err.value)
    assert secret not in str(err.value) and secret not in repr(err.value.detail)


# --- search ---------------------------------------------------------------------------------------


async def test_search_pages_through_every_match(ol: OrangeLogicClient, target: OLTarget) -> None:
    made = {await new_image(ol, target, f"page {i}") for i in range(5)}
    pages = [p async for p in ol.search.pages(field("Title", target.run), page_size=2)]
    assert [len(p.items) for p in pages] == [2, 2, 1]
    assert {a.system_identifier for p in pages for a in p.items} == made
    assert all(p.total_count == 5 for p in pages)
    found = [a async for a in ol.search.iterate(field("Title", target.run), page_size=2)]
    assert all(a.record_id for a in found)


async def test_changed_since_hands_out_each_change_once_with_tie_break(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    scope = field("Title", target.run)
    first = [await new_image(ol, target, f"inc {i}") for i in range(3)]
    batch = await ol.search.changed_since(None, scope=scope)
    assert {a.system_identifier for a in batch} == set(first)
    keys = [(a.edit_date, a.system_identifier) for a in batch]
    assert keys == sorted(keys)
    # Stop in the middle of the batch: the rest (same second, later identifier) must still come.
    middle = cursor_after(batch[0])
    rest = await ol.search.changed_since(middle, scope=scope)
    assert [a.system_identifier for a in rest] == [a.system_identifier for a in batch[1:]]
    cursor = cursor_after(batch[-1])
    assert await ol.search.changed_since(cursor, scope=scope) == []
    if target.sandbox is not None:
        target.advance_clock(2)
    await ol.datatable.update(
        IMAGE, {"CoreField.Identifier": first[1]}, [set_value(target.fields.text, "Spring")]
    )
    changed = await ol.search.changed_since(cursor, scope=scope)
    assert [a.system_identifier for a in changed] == [first[1]]
    again = await ol.search.changed_since(cursor, scope=scope, overlap=timedelta(seconds=5))
    assert first[1] in {a.system_identifier for a in again}


async def test_changed_since_rescans_when_a_deletion_shifts_the_pages(target: OLTarget) -> None:
    target.require_sandbox()
    scope = field("Title", target.run)
    async with (
        OrangeLogicClient(target.settings(search_page_size=2)) as ol,
        OrangeLogicClient(target.settings()) as other,
    ):
        made = [await new_image(ol, target, f"shift {i}") for i in range(5)]
        target.faults({"kind": "latency", "latency_ms": 300, "path": r"(?i)/search"})
        before = ol.session.attempts

        async def delete_while_page_two_is_in_flight() -> None:
            while ol.session.attempts < before + 2:
                await asyncio.sleep(0.005)
            await other.datatable.delete("Documents.All", {"CoreField.Identifier": made[0]})

        deleter = asyncio.create_task(delete_while_page_two_is_in_flight())
        batch = await ol.search.changed_since(None, scope=scope)
        await deleter
        # Page 2 was computed after the deletion, so one asset slid onto page 1 unseen; the rescan finds it.
        assert {a.system_identifier for a in batch} == set(made[1:])
        assert ol.session.attempts - before > 3


# --- DataTable ------------------------------------------------------------------------------------


async def options(ol: OrangeLogicClient, name: str, at_least: int) -> list[str]:
    spec = (await ol.datatable.list_fields(IMAGE))[name]
    assert spec.options is not None and len(spec.options) >= at_least, f"{name} needs {at_least} options"
    return spec.options


async def test_datatable_round_trip_with_multi_values(ol: OrangeLogicClient, target: OLTarget) -> None:
    multi, select = target.fields.multi, target.fields.select
    a, b, c = (await options(ol, multi, 3))[:3]
    status = (await options(ol, select, 2))[1]
    ident = await new_image(ol, target, "dt")
    key = {"CoreField.Identifier": ident}
    record = await ol.datatable.update(IMAGE, key, [set_value(multi, [a, b]), set_value(select, status)])
    assert record is not None
    assert record[multi] == f"{a}|{b}" and record[select] == status
    record = await ol.datatable.update(IMAGE, key, [add_values(multi, [c])])
    assert record is not None and record[multi] == f"{a}|{b}|{c}"
    record = await ol.datatable.update(IMAGE, key, [remove_value(multi, a)])
    assert record is not None and record[multi] == f"{b}|{c}"
    record = await ol.datatable.update(IMAGE, key, [clear(multi)])
    assert record is not None and record[multi] == ""
    asset = await ol.datatable.read_asset(ident)
    assert asset.system_identifier == ident and asset.record_id
    assert asset.title == f"{target.run} dt"


async def test_select_value_outside_options_is_refused_before_sending(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    select = target.fields.select
    allowed = await options(ol, select, 2)
    ident = await new_image(ol, target, "sel")
    with pytest.raises(ValidationError) as err:
        await ol.datatable.update(
            IMAGE, {"CoreField.Identifier": ident}, [set_value(select, "Not An Option 7")]
        )
    message = str(err.value)
    assert select in message and "'Not An Option 7'" in message and allowed[1] in message
    assert err.value.detail == {"field": select, "value": "Not An Option 7", "allowed": allowed}
    record = await ol.datatable.read(IMAGE, {"CoreField.Identifier": ident})
    assert record.get(select, "") == ""


async def test_unknown_field_error_comes_from_import_messages(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    ident = await new_image(ol, target, "unknown")
    with pytest.raises(ValidationError) as err:
        await ol.datatable.update(
            IMAGE,
            {"CoreField.Identifier": ident},
            [set_value("CoreField.Title", "kept"), set_value("AB.No-such-field", "x")],
            validate=False,
        )
    assert "AB.No-such-field" in str(err.value)
    assert err.value.detail["field"] == "AB.No-such-field"
    assert (await ol.datatable.read_asset(ident)).title == "kept"


async def test_create_or_update_keys_on_a_legacy_identifier(ol: OrangeLogicClient, target: OLTarget) -> None:
    key = {"CoreField.Id_Client": f"{target.run}-cou"}
    first = await ol.datatable.create_or_update(
        IMAGE, key, [set_value("CoreField.Title", f"{target.run} one")]
    )
    assert first.system_identifier and first.record_id
    target.created.append(first.system_identifier)
    second = await ol.datatable.create_or_update(
        IMAGE, key, [set_value("CoreField.Title", f"{target.run} two")]
    )
    assert second.record_id == first.record_id
    assert (await ol.datatable.read_asset(first.system_identifier)).title == f"{target.run} two"


async def test_only_new_import_messages_count_when_the_prior_record_is_given(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    ident = await new_image(ol, target, "stale")
    key = {"CoreField.Identifier": ident}
    with pytest.raises(ValidationError):
        await ol.datatable.update(IMAGE, key, [set_value("AB.Gone-field", "x")], validate=False)
    before = await ol.datatable.read(IMAGE, key)
    record = await ol.datatable.update(IMAGE, key, [set_value("CoreField.Title", "fine")], before=before)
    assert record is not None and record["CoreField.Title"] == "fine"
    # The same mistake again writes the same message again: it is new, so it still fails.
    with pytest.raises(ValidationError, match=r"AB\.Gone-field"):
        await ol.datatable.update(
            IMAGE, key, [set_value("AB.Gone-field", "x")], validate=False, before=record
        )


async def test_datatable_rejects_long_values_client_side(ol: OrangeLogicClient, target: OLTarget) -> None:
    ident = await new_image(ol, target, "long")
    with pytest.raises(ValidationError, match="2048"):
        await ol.datatable.update(
            IMAGE, {"CoreField.Identifier": ident}, [set_value(target.fields.text, "x" * 2049)]
        )


# --- uploads and downloads ------------------------------------------------------------------------


async def test_single_upload_with_metadata_then_original_download(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / f"{target.run}.bin"
    md5 = write_file(src, 300_000)
    result = await ol.uploads.upload(src, folder, metadata={"CoreField.Title": f"{target.run} up"})
    assert result.system_identifier and result.record_id
    target.created.append(result.system_identifier)
    asset = await ol.search.get(result.system_identifier)
    assert asset.title == f"{target.run} up"
    downloaded = await ol.download_original(result.record_id, tmp_path / "copy.bin")
    assert downloaded.digests.md5 == md5 and downloaded.digests.size == 300_000


async def test_upload_metadata_with_unknown_field_raises(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "meta.bin"
    write_file(src, 1000)
    with pytest.raises(ValidationError, match=r"AB\.Bogus"):
        await ol.uploads.upload(src, folder, metadata={"AB.Bogus": "1"})


async def test_multipart_upload_retries_only_the_failed_chunk(target: OLTarget, tmp_path: Path) -> None:
    target.control("PUT", "/orangelogic/multipart-threshold", {"bytes": 262_144})
    settings = target.settings(multipart_threshold_bytes=262_144, chunk_size_bytes=131_072)
    async with OrangeLogicClient(settings) as ol:
        folder = await new_folder(ol, target)
        src = tmp_path / "big.bin"
        md5 = write_file(src, 600_000)  # 5 chunks: 4 × 131072 + 75712
        target.faults({"kind": "status", "status": 503, "path": r"/item/26_v1/", "count": 1})
        before = ol.session.attempts
        result = await ol.uploads.upload(src, folder)
        assert target.fired() == [1]
        assert result.system_identifier and result.record_id
        assert ol.uploads.chunks_sent == 5
        # transaction + register + 5 chunks + complete, and exactly one re-send: the failed chunk.
        assert ol.session.attempts - before == 1 + 1 + 5 + 1 + 1
        downloaded = await ol.download_original(result.record_id, tmp_path / "big.copy")
        assert downloaded.digests.md5 == md5
        target.created.append(result.system_identifier)


async def test_multipart_chunk_corrupted_in_transit_is_detected_and_resent(
    target: OLTarget, tmp_path: Path
) -> None:
    target.require_sandbox()
    target.control("PUT", "/orangelogic/multipart-threshold", {"bytes": 262_144})
    settings = target.settings(multipart_threshold_bytes=262_144, chunk_size_bytes=131_072)
    async with OrangeLogicClient(settings) as ol:
        folder = await new_folder(ol, target)
        src = tmp_path / "flip.bin"
        md5 = write_file(src, 400_000)  # 4 chunks
        target.faults({"kind": "corrupt", "path": r"/item/26_v1/", "count": 1})
        before = ol.session.attempts
        result = await ol.uploads.upload(src, folder)
        assert target.fired() == [1]
        assert result.record_id
        # transaction + register + 4 chunks + complete, plus one re-send of the chunk whose MD5 failed
        assert ol.session.attempts - before == 1 + 1 + 4 + 1 + 1
        downloaded = await ol.download_original(result.record_id, tmp_path / "flip.copy")
        assert downloaded.digests.md5 == md5
        target.created.append(result.system_identifier)


async def test_download_resumes_with_range_after_a_reset(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "resume.bin"
    md5 = write_file(src, 1_000_000)
    result = await ol.uploads.upload(src, folder)
    assert result.record_id and result.system_identifier
    target.created.append(result.system_identifier)
    target.faults({"kind": "truncate", "path": r"(?i)getdocumentapi", "count": 1})
    downloaded = await ol.download_original(result.record_id, tmp_path / "resume.copy")
    assert target.fired() == [1]
    assert downloaded.resumes == 1
    assert downloaded.digests.md5 == md5 and downloaded.digests.size == 1_000_000


async def test_rendition_url_is_minted_again_after_600_seconds(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "pic.jpg"
    src.write_bytes(JPEG)
    result = await ol.uploads.upload(src, folder)
    assert result.system_identifier
    target.created.append(result.system_identifier)
    first = await ol.download_rendition(result.system_identifier, "TR1", tmp_path / "tr1-a.jpg")
    assert first.digests.size > 0 and first.refreshes == 0
    target.advance_clock(601)
    second = await ol.download_rendition(result.system_identifier, "TR1", tmp_path / "tr1-b.jpg")
    assert second.refreshes == 1
    assert second.digests.md5 == first.digests.md5
    assert ol.renditions.minted == 2


async def test_rendition_resume_after_a_reset_mints_a_new_url_when_the_old_one_expired(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "clip.jpg"
    src.write_bytes(JPEG)
    result = await ol.uploads.upload(src, folder)
    assert result.system_identifier
    target.created.append(result.system_identifier)
    reference = await ol.download_rendition(result.system_identifier, "TR1", tmp_path / "ref.jpg")
    # The latency leaves the clock mover time to act before the resumed request is checked.
    target.faults(
        {"kind": "latency", "latency_ms": 400, "path": r"(?i)^/assets/v2/", "count": 2},
        {"kind": "truncate", "path": r"(?i)^/assets/v2/", "count": 1},
    )

    async def expire_once_the_transfer_broke() -> None:
        while (await asyncio.to_thread(target.fired))[1] != 1:
            await asyncio.sleep(0.01)
        await asyncio.to_thread(target.advance_clock, 601)

    clock_mover = asyncio.create_task(expire_once_the_transfer_broke())
    resumed = await ol.download_rendition(result.system_identifier, "TR1", tmp_path / "resumed.jpg")
    await clock_mover
    assert resumed.resumes == 1 and resumed.refreshes == 1
    assert resumed.digests.md5 == reference.digests.md5


async def test_new_version_replaces_the_original(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    first, second = tmp_path / "v1.bin", tmp_path / "v2.bin"
    write_file(first, 5_000)
    md5 = write_file(second, 7_000)
    created = await ol.uploads.upload(first, folder)
    assert created.record_id and created.system_identifier
    target.created.append(created.system_identifier)
    version = await ol.uploads.upload_version(second, created.record_id)
    assert version.system_identifier == created.system_identifier
    downloaded = await ol.download_original(created.record_id, tmp_path / "v.copy")
    assert downloaded.digests.md5 == md5 and downloaded.digests.size == 7_000


async def test_import_from_url_lets_the_tenant_pull_the_bytes(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "source.jpg"
    src.write_bytes(JPEG)
    source = await ol.uploads.upload(src, folder)
    assert source.system_identifier
    target.created.append(source.system_identifier)
    link = await ol.renditions.get(source.system_identifier, "TR1")
    imported = await ol.uploads.import_from_url(link.uri, file_name="pulled.jpg", folder_record_id=folder)
    assert imported.system_identifier and imported.record_id
    target.created.append(imported.system_identifier)
    reference = await ol.download_rendition(source.system_identifier, "TR1", tmp_path / "ref.jpg")
    pulled = await ol.download_original(imported.record_id, tmp_path / "pulled.jpg")
    assert pulled.digests.md5 == reference.digests.md5


async def test_streamed_upload_is_sent_again_after_a_401(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / "after401.bin"
    md5 = write_file(src, 50_000)
    target.control("POST", "/orangelogic/tokens/expire", {"kind": "oauth"})
    result = await ol.uploads.upload(src, folder)
    assert ol.auth.rejections == 1
    assert result.record_id and result.system_identifier
    target.created.append(result.system_identifier)
    assert (await ol.download_original(result.record_id, tmp_path / "c")).digests.md5 == md5


# --- failures: classification, no duplicates, no secrets ---------------------------------------------


async def test_create_after_a_lost_response_does_not_duplicate(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    key = ("CoreField.Id_Client", f"{target.run}-k1")
    # The record is created, then the answer is cut off: the client must find it instead of re-creating.
    target.faults({"kind": "truncate", "path": r"(?i)Documents\.Image\.Default:Create", "count": 1})
    result = await ol.datatable.create(IMAGE, [set_value("CoreField.Title", f"{target.run} once")], key=key)
    assert target.fired() == [1]
    assert result.system_identifier
    target.created.append(result.system_identifier)
    page = await ol.search.page(field("Title", target.run))
    assert page.total_count == 1


async def test_upload_after_a_lost_response_does_not_duplicate(
    ol: OrangeLogicClient, target: OLTarget, tmp_path: Path
) -> None:
    folder = await new_folder(ol, target)
    src = tmp_path / f"{target.run}-once.bin"
    write_file(src, 20_000)
    target.faults({"kind": "truncate", "path": r"(?i)UploadNewMedia", "count": 1})
    result = await ol.uploads.upload(src, folder)
    assert target.fired() == [1]
    assert result.system_identifier
    target.created.append(result.system_identifier)
    found = [a async for a in ol.search.iterate(field("OriginalFileName", src.name))]
    assert [a.system_identifier for a in found] == [result.system_identifier]


async def test_errors_name_the_call_the_status_and_the_tenant_message(ol: OrangeLogicClient) -> None:
    with pytest.raises(ValidationError) as err:
        await ol.search.page("Title:(unclosed")
    assert "/API/Search/v4.0/Search" in str(err.value)
    assert "parenthesis" in err.value.message.lower()
    with pytest.raises(NotFoundError) as missing:
        await ol.datatable.read(IMAGE, {"CoreField.Identifier": "NOPE000"})
    assert "Documents.Image.Default:Read" in str(missing.value)


async def test_transient_errors_on_reads_are_retried(ol: OrangeLogicClient, target: OLTarget) -> None:
    target.faults({"kind": "status", "status": 503, "path": r"(?i)/search", "count": 2})
    page = await ol.search.page(field("Title", target.run))
    assert page.total_count == 0
    assert target.fired() == [2]


async def test_login_token_never_appears_in_errors(target: OLTarget, tmp_path: Path) -> None:
    async with OrangeLogicClient(target.settings(target.login_auth())) as ol:
        token = await ol.auth.token()
        with pytest.raises(NotFoundError) as err:
            await ol.download_original("NOSUCHRECORD", tmp_path / "x")
        assert token not in str(err.value) and token not in repr(err.value.detail)
        assert err.value.status == 404


# --- webhooks -------------------------------------------------------------------------------------


class _Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


async def test_sandbox_webhook_signature_verifies(ol: OrangeLogicClient, target: OLTarget) -> None:
    sandbox = target.require_sandbox()
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        _Receiver.received.clear()
        target.control("PUT", "/orangelogic/webhooks/enabled", {"enabled": True})
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        target.control("POST", "/orangelogic/webhooks", {"url": url, "topics": ["asset.created"]})
        ident = await new_image(ol, target, "hooked")
        for _ in range(100):
            if _Receiver.received:
                break
            await asyncio.sleep(0.05)
        headers, body = _Receiver.received[0]
        secret = sandbox.info()["orangelogic"]["webhook_secret"]
        verify_signature([secret], body, headers, now=datetime.fromtimestamp(target.sandbox_clock()(), UTC))
        event = parse_event(body)
        assert event.system_identifier == ident and event.action == "created"
        with pytest.raises(SignatureError):
            verify_signature(["not-the-secret"], body, headers, now=datetime.now(UTC))
    finally:
        server.shutdown()
        server.server_close()


# A 1×1 JPEG.
JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f14"
    "1d1a1f1e1d1a1c1c20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303020403050504040000"
    "017d01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a"
    "3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a9293949596"
    "9798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2"
    "f3f4f5f6f7f8f9faffda0008010100003f00fbfcffd9"
)

"""Contract suite for ``assetbridge.connectors.orangelogic`` — sandbox by default, live tenant with credentials."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from orangelogic_support import OLTarget, make_target

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.datatable import add_values, clear, remove_value, set_value
from assetbridge.connectors.orangelogic.query import field
from assetbridge.connectors.orangelogic.search import cursor_after
from assetbridge.connectors.orangelogic.settings import ClientCredentialsAuth, OAuth2Auth
from assetbridge.errors import AuthError, ValidationError
from assetbridge_sandbox.server import SandboxServer

IMAGE = "Documents.Image.Default"
FOLDER = "Documents.Folder.Default"


@pytest.fixture
def target(sandbox_factory: Callable[..., SandboxServer]) -> OLTarget:
    return make_target(sandbox_factory)


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
    result = await ol.datatable.create(FOLDER, [set_value("CoreField.Title", f"{target.run} folder")])
    assert result.record_id and result.system_identifier
    target.created.append(result.system_identifier)
    return result.record_id


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
    await ol.datatable.update(IMAGE, {"CoreField.Identifier": first[1]}, [set_value("AB.Campaign", "Spring")])
    changed = await ol.search.changed_since(cursor, scope=scope)
    assert [a.system_identifier for a in changed] == [first[1]]
    again = await ol.search.changed_since(cursor, scope=scope, overlap=timedelta(seconds=5))
    assert first[1] in {a.system_identifier for a in again}


# --- DataTable ------------------------------------------------------------------------------------


async def test_datatable_round_trip_with_multi_values(ol: OrangeLogicClient, target: OLTarget) -> None:
    ident = await new_image(ol, target, "dt")
    key = {"CoreField.Identifier": ident}
    record = await ol.datatable.update(
        IMAGE,
        key,
        [set_value("AB.Channels", ["Social", "Web"]), set_value("AB.Status", "Pending Review")],
    )
    assert record is not None
    assert record["AB.Channels"] == "Social|Web" and record["AB.Status"] == "Pending Review"
    record = await ol.datatable.update(IMAGE, key, [add_values("AB.Channels", ["Broadcast"])])
    assert record is not None and record["AB.Channels"] == "Social|Web|Broadcast"
    record = await ol.datatable.update(IMAGE, key, [remove_value("AB.Channels", "Social")])
    assert record is not None and record["AB.Channels"] == "Web|Broadcast"
    record = await ol.datatable.update(IMAGE, key, [clear("AB.Channels")])
    assert record is not None and record["AB.Channels"] == ""
    asset = await ol.datatable.read_asset(ident)
    assert asset.system_identifier == ident and asset.record_id
    assert asset.title == f"{target.run} dt"


async def test_select_value_outside_options_is_refused_before_sending(
    ol: OrangeLogicClient, target: OLTarget
) -> None:
    ident = await new_image(ol, target, "sel")
    with pytest.raises(ValidationError) as err:
        await ol.datatable.update(
            IMAGE, {"CoreField.Identifier": ident}, [set_value("AB.Status", "Published")]
        )
    message = str(err.value)
    assert "AB.Status" in message and "'Published'" in message and "Pending Review" in message
    assert err.value.detail["allowed"] == ["Draft", "Pending Review", "Approved", "Rejected"]
    record = await ol.datatable.read(IMAGE, {"CoreField.Identifier": ident})
    assert record.get("AB.Status", "") == ""


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


async def test_datatable_rejects_long_values_client_side(ol: OrangeLogicClient, target: OLTarget) -> None:
    ident = await new_image(ol, target, "long")
    with pytest.raises(ValidationError, match="2048"):
        await ol.datatable.update(
            IMAGE, {"CoreField.Identifier": ident}, [set_value("AB.Restrictions", "x" * 2049)]
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

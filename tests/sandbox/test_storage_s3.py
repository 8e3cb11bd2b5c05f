"""S3 multipart and single-part uploads against the running storage emulator, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import os
import re
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer


def md5(data: bytes = b"") -> Any:
    return hashlib.md5(data, usedforsecurity=False)


PART = 4096


@pytest.fixture
def small_parts(sandbox_factory: Any) -> SandboxServer:
    server: SandboxServer = sandbox_factory(storage={"port": 0, "s3_min_part_size": PART})
    return server


def _xml_value(xml: str, tag: str) -> str:
    match = re.search(rf"<{tag}>(.*?)</{tag}>", xml)
    assert match, xml
    return match.group(1)


def _create(sandbox: SandboxServer, key: str) -> str:
    resp = httpx.post(sandbox.storage.s3_create_multipart_url(key), timeout=10)
    assert resp.status_code == 200, resp.text
    return _xml_value(resp.text, "UploadId")


def _complete_body(parts: list[tuple[int, str]]) -> str:
    inner = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts)
    return f'<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">{inner}</CompleteMultipartUpload>'


def test_multipart_round_trip(small_parts: SandboxServer) -> None:
    storage = small_parts.storage
    data = os.urandom(2 * PART + 100)
    chunks = [data[0:PART], data[PART : 2 * PART], data[2 * PART :]]
    upload_id = _create(small_parts, "bkt/big.bin")
    urls = storage.s3_multipart_urls("bkt/big.bin", upload_id, len(chunks))
    etags = []
    for url, chunk in zip(urls.part_urls, chunks, strict=True):
        resp = httpx.put(url, content=chunk, timeout=10)
        assert resp.status_code == 200
        assert resp.headers["ETag"] == f'"{md5(chunk).hexdigest()}"'
        etags.append(resp.headers["ETag"])
    listed = httpx.get(urls.list_parts_url, timeout=10)
    assert listed.text.count("<Part>") == 3
    done = httpx.post(urls.complete_url, content=_complete_body(list(enumerate(etags, 1))), timeout=10)
    assert done.status_code == 200, done.text
    combined = md5(b"".join(md5(c).digest() for c in chunks)).hexdigest()
    assert _xml_value(done.text, "ETag") == f"&quot;{combined}-3&quot;"
    got = httpx.get(storage.signed_download_url("bkt/big.bin", protocol="s3"), timeout=10)
    assert got.content == data
    assert got.headers["ETag"] == f'"{combined}-3"'
    # Completed: the upload id is gone.
    assert httpx.get(urls.list_parts_url, timeout=10).status_code == 404


def test_complete_rejects_wrong_etag_bad_order_and_small_parts(small_parts: SandboxServer) -> None:
    storage = small_parts.storage
    upload_id = _create(small_parts, "bkt/bad.bin")
    urls = storage.s3_multipart_urls("bkt/bad.bin", upload_id, 2)
    e1 = httpx.put(urls.part_urls[0], content=b"a" * 10, timeout=10).headers["ETag"]
    e2 = httpx.put(urls.part_urls[1], content=b"b" * 10, timeout=10).headers["ETag"]
    wrong = httpx.post(urls.complete_url, content=_complete_body([(1, '"' + "0" * 32 + '"')]), timeout=10)
    assert wrong.status_code == 400 and "<Code>InvalidPart</Code>" in wrong.text
    order = httpx.post(urls.complete_url, content=_complete_body([(2, e2), (1, e1)]), timeout=10)
    assert order.status_code == 400 and "<Code>InvalidPartOrder</Code>" in order.text
    small = httpx.post(urls.complete_url, content=_complete_body([(1, e1), (2, e2)]), timeout=10)
    assert small.status_code == 400 and "<Code>EntityTooSmall</Code>" in small.text
    junk = httpx.post(urls.complete_url, content="<nope", timeout=10)
    assert junk.status_code == 400 and "<Code>MalformedXML</Code>" in junk.text
    assert storage.info("bkt/bad.bin") is None


def test_abort_discards_the_upload(small_parts: SandboxServer) -> None:
    storage = small_parts.storage
    upload_id = _create(small_parts, "bkt/abort.bin")
    urls = storage.s3_multipart_urls("bkt/abort.bin", upload_id, 1)
    httpx.put(urls.part_urls[0], content=b"x" * 10, timeout=10)
    assert httpx.delete(urls.abort_url, timeout=10).status_code == 204
    after = httpx.put(urls.part_urls[0], content=b"x" * 10, timeout=10)
    assert after.status_code == 404 and "<Code>NoSuchUpload</Code>" in after.text


def test_content_md5_is_checked(small_parts: SandboxServer) -> None:
    storage = small_parts.storage
    upload_id = _create(small_parts, "bkt/md5.bin")
    url = storage.s3_part_url("bkt/md5.bin", upload_id, 1)
    good = base64.b64encode(md5(b"payload").digest()).decode()
    bad = base64.b64encode(md5(b"other").digest()).decode()
    assert httpx.put(url, content=b"payload", headers={"Content-MD5": good}, timeout=10).status_code == 200
    resp = httpx.put(url, content=b"payload", headers={"Content-MD5": bad}, timeout=10)
    assert resp.status_code == 400 and "<Code>BadDigest</Code>" in resp.text


def test_part_url_signature_covers_the_part_number(small_parts: SandboxServer) -> None:
    storage = small_parts.storage
    upload_id = _create(small_parts, "bkt/sig.bin")
    url = storage.s3_part_url("bkt/sig.bin", upload_id, 1).replace("partNumber=1", "partNumber=2")
    resp = httpx.put(url, content=b"x", timeout=10)
    assert resp.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in resp.text


def test_default_minimum_part_size_is_five_mib(sandbox: SandboxServer) -> None:
    storage = sandbox.storage
    upload_id = _create(sandbox, "bkt/min.bin")
    urls = storage.s3_multipart_urls("bkt/min.bin", upload_id, 2)
    e1 = httpx.put(urls.part_urls[0], content=b"a" * (1024 * 1024), timeout=10).headers["ETag"]
    e2 = httpx.put(urls.part_urls[1], content=b"b", timeout=10).headers["ETag"]
    resp = httpx.post(urls.complete_url, content=_complete_body([(1, e1), (2, e2)]), timeout=10)
    assert resp.status_code == 400 and "EntityTooSmall" in resp.text


def test_single_put_upload(sandbox: SandboxServer) -> None:
    url = sandbox.storage.s3_put_url("bkt/one.txt")
    resp = httpx.put(url, content=b"hello", headers={"Content-Type": "text/plain"}, timeout=10)
    assert resp.status_code == 200 and resp.headers["ETag"] == f'"{md5(b"hello").hexdigest()}"'
    info = sandbox.storage.info("bkt/one.txt")
    assert info is not None and info.content_type == "text/plain" and info.size == 5

"""Signed downloads (Range, HEAD, expiry, tampering), the control API and streaming memory use."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil  # type: ignore[import-untyped]

from assetbridge_sandbox.server import SandboxServer


def md5(data: bytes = b"") -> Any:
    return hashlib.md5(data, usedforsecurity=False)


def _stored(sandbox: SandboxServer, tmp_path: Path, key: str, data: bytes) -> str:
    source = tmp_path / "source.bin"
    source.write_bytes(data)
    info = sandbox.storage.put_file(key, source, "application/octet-stream")
    assert info.md5 == md5(data).hexdigest()
    return sandbox.storage.signed_download_url(key)


def test_range_requests(sandbox: SandboxServer, tmp_path: Path) -> None:
    data = os.urandom(10_000)
    url = _stored(sandbox, tmp_path, "dl/range.bin", data)
    part = httpx.get(url, headers={"Range": "bytes=100-199"}, timeout=10)
    assert part.status_code == 206
    assert part.content == data[100:200]
    assert part.headers["Content-Range"] == "bytes 100-199/10000"
    tail = httpx.get(url, headers={"Range": "bytes=-50"}, timeout=10)
    assert tail.status_code == 206 and tail.content == data[-50:]
    open_ended = httpx.get(url, headers={"Range": "bytes=9990-"}, timeout=10)
    assert open_ended.content == data[9990:]
    beyond = httpx.get(url, headers={"Range": "bytes=10000-"}, timeout=10)
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == "bytes */10000"
    assert "<Code>InvalidRange</Code>" in beyond.text


def test_head_reports_size_and_checksums(sandbox: SandboxServer, tmp_path: Path) -> None:
    data = b"checksum me"
    url = _stored(sandbox, tmp_path, "dl/head.bin", data)
    head = httpx.head(url, timeout=10)
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(data))
    assert head.headers["ETag"] == f'"{md5(data).hexdigest()}"'
    assert head.headers["x-goog-hash"].startswith("md5=")
    assert head.content == b""


def test_expired_url_is_403_after_the_clock_moves(sandbox: SandboxServer, tmp_path: Path) -> None:
    _stored(sandbox, tmp_path, "dl/exp.bin", b"data")
    gcs = sandbox.storage.signed_download_url("dl/exp.bin", ttl=60)
    s3 = sandbox.storage.signed_download_url("dl/exp.bin", ttl=60, protocol="s3")
    assert httpx.get(gcs, timeout=10).status_code == 200
    control = sandbox.urls["storage"] + "/_sandbox/clock/advance"
    assert httpx.post(control, json={"seconds": 61}, timeout=10).status_code == 200
    for url in (gcs, s3):
        resp = httpx.get(url, timeout=10)
        assert resp.status_code == 403
        assert "<Code>AccessDenied</Code>" in resp.text and "expired" in resp.text


def test_tampered_or_missing_signature_is_403(sandbox: SandboxServer, tmp_path: Path) -> None:
    url = _stored(sandbox, tmp_path, "dl/tamper.bin", b"data")
    longer = url.replace("X-Goog-Expires=3600", "X-Goog-Expires=999999")
    assert longer != url
    resp = httpx.get(longer, timeout=10)
    assert resp.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in resp.text
    bare = url.split("?", 1)[0]
    assert httpx.get(bare, timeout=10).status_code == 403
    assert httpx.put(url, content=b"overwrite", timeout=10).status_code == 403  # signed for GET only


def test_content_disposition_filename(sandbox: SandboxServer, tmp_path: Path) -> None:
    _stored(sandbox, tmp_path, "dl/named.bin", b"data")
    url = sandbox.storage.signed_download_url("dl/named.bin", filename="clip été.mp4")
    resp = httpx.get(url, timeout=10)
    assert resp.status_code == 200
    assert "filename*=UTF-8''clip%20%C3%A9t%C3%A9.mp4" in resp.headers["Content-Disposition"]


def test_control_api_lists_and_corrupts(sandbox: SandboxServer, tmp_path: Path) -> None:
    data = b"0123456789"
    url = _stored(sandbox, tmp_path, "dl/corrupt.bin", data)
    base = sandbox.urls["storage"] + "/_sandbox/storage"
    listed = httpx.get(base + "/objects", params={"prefix": "dl/"}, timeout=10).json()
    assert [o["key"] for o in listed["objects"]] == ["dl/corrupt.bin"]
    assert listed["objects"][0]["md5"] == md5(data).hexdigest()
    flipped = httpx.post(base + "/objects/dl/corrupt.bin/corrupt", params={"offset": 3}, timeout=10)
    assert flipped.status_code == 200 and flipped.json()["offset"] == 3
    got = httpx.get(url, timeout=10)
    assert got.content != data and len(got.content) == len(data)
    assert got.headers["ETag"] == f'"{md5(data).hexdigest()}"'  # recorded checksum unchanged
    missing = httpx.post(base + "/objects/dl/nope.bin/corrupt", timeout=10)
    assert missing.status_code == 404


def test_large_upload_and_download_stream(sandbox: SandboxServer) -> None:
    size = 64 * 1024 * 1024
    block = os.urandom(1024 * 1024)
    process = psutil.Process()

    def body() -> Iterator[bytes]:
        for _ in range(size // len(block)):
            yield block

    baseline = process.memory_info().rss
    url = sandbox.storage.s3_put_url("dl/huge.bin")
    resp = httpx.put(url, content=body(), headers={"Content-Length": str(size)}, timeout=60)
    assert resp.status_code == 200
    after_upload = process.memory_info().rss
    digest = md5()
    with httpx.stream("GET", sandbox.storage.signed_download_url("dl/huge.bin"), timeout=60) as got:
        for chunk in got.iter_bytes():
            digest.update(chunk)
    after_download = process.memory_info().rss
    expected = md5()
    for chunk in body():
        expected.update(chunk)
    assert digest.hexdigest() == expected.hexdigest()
    # Client and server share this process: neither side may hold the 64 MiB file in memory.
    assert after_upload - baseline < size // 4
    assert after_download - baseline < size // 4


def test_injected_faults_use_the_xml_error_shape(sandbox: SandboxServer, tmp_path: Path) -> None:
    url = _stored(sandbox, tmp_path, "dl/fault.bin", b"data")
    control = sandbox.urls["storage"] + "/_sandbox/faults"
    rule = {"rules": [{"kind": "status", "status": 503, "count": 1, "path": "^/gcs/"}]}
    assert httpx.put(control, json=rule, timeout=10).status_code == 200
    failed = httpx.get(url, timeout=10)
    assert failed.status_code == 503 and "<Code>SlowDown</Code>" in failed.text
    assert httpx.get(url, timeout=10).content == b"data"

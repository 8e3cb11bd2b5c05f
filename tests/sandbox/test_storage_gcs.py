"""GCS resumable uploads against the running storage emulator, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import os
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer


def md5(data: bytes = b"") -> Any:
    return hashlib.md5(data, usedforsecurity=False)


CHUNK = 256 * 1024


def _start(sandbox: SandboxServer, key: str, **headers: str) -> str:
    url = sandbox.storage.gcs_upload_url(key)
    start_headers = {"x-goog-resumable": "start", "Content-Length": "0", **headers}
    resp = httpx.post(url, headers=start_headers, timeout=10)
    assert resp.status_code == 201, resp.text
    assert resp.headers["X-GUploader-UploadID"]
    return resp.headers["Location"]


def _put(session: str, data: bytes, first: int, total: int | str) -> httpx.Response:
    last = first + len(data) - 1
    headers = {"Content-Range": f"bytes {first}-{last}/{total}"}
    return httpx.put(session, content=data, headers=headers, timeout=30)


def test_chunked_round_trip_returns_object_metadata_and_same_bytes(sandbox: SandboxServer) -> None:
    data = os.urandom(3 * 1024 * 1024 + 12345)
    session = _start(sandbox, "bucket-a/media/clip.bin", **{"x-upload-content-type": "video/mp4"})
    chunk = 4 * CHUNK
    offset = 0
    while offset + chunk < len(data):
        resp = _put(session, data[offset : offset + chunk], offset, "*")
        assert resp.status_code == 308
        assert resp.headers["Range"] == f"bytes=0-{offset + chunk - 1}"
        offset += chunk
    final = _put(session, data[offset:], offset, len(data))
    assert final.status_code == 200, final.text
    body = final.json()
    assert body["size"] == str(len(data))
    assert body["md5Hash"] == base64.b64encode(md5(data).digest()).decode()
    assert body["name"] == "media/clip.bin" and body["bucket"] == "bucket-a"
    assert body["contentType"] == "video/mp4"
    info = sandbox.storage.info("bucket-a/media/clip.bin")
    assert info is not None and info.size == len(data) and info.md5 == md5(data).hexdigest()
    downloaded = httpx.get(sandbox.storage.signed_download_url("bucket-a/media/clip.bin"), timeout=30)
    assert downloaded.content == data
    assert downloaded.headers["x-goog-hash"] == f"md5={body['md5Hash']}"


def test_non_final_chunk_must_be_a_multiple_of_256_kib(sandbox: SandboxServer) -> None:
    session = _start(sandbox, "bucket-a/odd.bin")
    resp = _put(session, b"x" * (CHUNK + 1), 0, CHUNK * 4)
    assert resp.status_code == 400
    assert "<Code>InvalidArgument</Code>" in resp.text
    status = httpx.put(session, headers={"Content-Range": f"bytes */{CHUNK * 4}"}, timeout=10)
    assert status.status_code == 308 and "Range" not in status.headers  # nothing persisted


def test_content_range_length_must_match_the_body(sandbox: SandboxServer) -> None:
    session = _start(sandbox, "bucket-a/short.bin")
    resp = httpx.put(session, content=b"a" * 100, headers={"Content-Range": "bytes 0-199/200"}, timeout=10)
    assert resp.status_code == 400


def test_status_query_then_resume_after_a_lost_chunk(sandbox: SandboxServer) -> None:
    data = os.urandom(3 * CHUNK + 500)
    session = _start(sandbox, "bucket-a/resume.bin")
    assert _put(session, data[:CHUNK], 0, len(data)).status_code == 308
    # The client believes it also sent chunk 2, but it never arrived; it asks where to resume.
    status = httpx.put(session, headers={"Content-Range": f"bytes */{len(data)}"}, timeout=10)
    assert status.status_code == 308
    assert status.headers["Range"] == f"bytes=0-{CHUNK - 1}"
    # Jumping ahead of the persisted offset is refused.
    assert _put(session, data[2 * CHUNK : 3 * CHUNK], 2 * CHUNK, len(data)).status_code == 400
    # Re-sending from an earlier offset is accepted; the already-persisted prefix is skipped.
    assert _put(session, data[0 : 2 * CHUNK], 0, len(data)).status_code == 308
    final = _put(session, data[2 * CHUNK :], 2 * CHUNK, len(data))
    assert final.status_code == 200
    assert final.json()["md5Hash"] == base64.b64encode(md5(data).digest()).decode()
    again = httpx.put(session, headers={"Content-Range": f"bytes */{len(data)}"}, timeout=10)
    assert again.status_code == 200  # a finished session reports the object


def test_unknown_total_is_finalised_by_a_status_put(sandbox: SandboxServer) -> None:
    data = os.urandom(2 * CHUNK)
    session = _start(sandbox, "bucket-a/stream.bin")
    assert _put(session, data, 0, "*").status_code == 308
    done = httpx.put(session, headers={"Content-Range": f"bytes */{len(data)}"}, timeout=10)
    assert done.status_code == 200 and done.json()["size"] == str(len(data))


def test_start_needs_the_resumable_header_and_a_valid_signature(sandbox: SandboxServer) -> None:
    url = sandbox.storage.gcs_upload_url("bucket-a/x.bin")
    assert httpx.post(url, timeout=10).status_code == 400
    tampered = url.replace("bucket-a/x.bin", "bucket-a/y.bin")
    resp = httpx.post(tampered, headers={"x-goog-resumable": "start"}, timeout=10)
    assert resp.status_code == 403
    assert "<Code>SignatureDoesNotMatch</Code>" in resp.text


def test_cancelled_session_is_gone(sandbox: SandboxServer) -> None:
    session = _start(sandbox, "bucket-a/cancel.bin")
    assert httpx.delete(session, timeout=10).status_code == 499
    assert _put(session, b"x", 0, 1).status_code == 404


@pytest.mark.parametrize("bad", ["bytes 0-/10", "items 0-1/2", "bytes 5-1/10"])
def test_malformed_content_range_is_400(sandbox: SandboxServer, bad: str) -> None:
    session = _start(sandbox, "bucket-a/bad.bin")
    resp = httpx.put(session, content=b"ab", headers={"Content-Range": bad}, timeout=10)
    assert resp.status_code == 400


def test_session_expires_with_the_sandbox_clock(sandbox_factory: Any) -> None:
    server: SandboxServer = sandbox_factory(storage={"port": 0, "gcs_session_ttl_seconds": 10})
    session = _start(server, "bucket-a/late.bin")
    server.clock.advance(11)
    resp = _put(session, b"x", 0, 1)
    assert resp.status_code == 404 and "<Code>NoSuchUpload</Code>" in resp.text

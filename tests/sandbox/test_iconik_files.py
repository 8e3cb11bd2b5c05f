"""The iconik files service upload flow (reference §5.4) end to end, over real HTTP against the sandbox."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assetbridge_sandbox.server import SandboxServer

FILES = "/API/files/v1"
CHUNK = 256 * 1024


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture
def small_parts(sandbox_factory: Any) -> SandboxServer:
    server: SandboxServer = sandbox_factory(storage={"port": 0, "s3_min_part_size": 1024})
    return server


@pytest.fixture
def small_http(small_parts: SandboxServer) -> Iterator[httpx.Client]:
    info = small_parts.info()["iconik"]
    headers = {"App-ID": info["app_id"], "Auth-Token": info["auth_token"]}
    with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as client:
        yield client


def new_asset(client: httpx.Client, title: str = "Clip") -> dict[str, Any]:
    resp = client.post("/API/assets/v1/assets/", json={"title": title, "type": "ASSET"})
    assert resp.status_code == 201, resp.text
    asset: dict[str, Any] = resp.json()
    return asset


def prepare(
    client: httpx.Client, asset_id: str, storage: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    fmt = client.post(
        f"{FILES}/assets/{asset_id}/formats/",
        json={
            "name": "ORIGINAL",
            "metadata": [{"internet_media_type": "video/mp4"}],
            "storage_methods": ["GCS"],
        },
    )
    assert fmt.status_code == 201, fmt.text
    file_set = client.post(
        f"{FILES}/assets/{asset_id}/file_sets/",
        json={
            "format_id": fmt.json()["id"],
            "storage_id": storage["id"],
            "base_dir": "uploads",
            "name": "clip.mp4",
            "component_ids": [],
        },
    )
    assert file_set.status_code == 201, file_set.text
    return fmt.json(), file_set.json()


def create_file(client: httpx.Client, asset_id: str, file_set: dict[str, Any], size: int) -> dict[str, Any]:
    resp = client.post(
        f"{FILES}/assets/{asset_id}/files/",
        json={
            "original_name": "clip.mp4",
            "directory_path": "uploads",
            "size": str(size),  # the tutorials send sizes as strings
            "type": "FILE",
            "file_set_id": file_set["id"],
            "format_id": file_set["format_id"],
            "storage_id": file_set["storage_id"],
        },
    )
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    assert body["status"] == "OPEN" and body["size"] == size
    return body


def gcs_upload(upload_url: str, data: bytes) -> None:
    start = httpx.post(upload_url, headers={"x-goog-resumable": "start", "Content-Length": "0"}, timeout=10)
    assert start.status_code == 201
    session = start.headers["Location"]
    for first in range(0, len(data), 4 * CHUNK):
        chunk = data[first : first + 4 * CHUNK]
        rng = f"bytes {first}-{first + len(chunk) - 1}/{len(data)}"
        resp = httpx.put(session, content=chunk, headers={"Content-Range": rng}, timeout=30)
        assert resp.status_code in (200, 308), resp.text


def close_and_check(client: httpx.Client, asset_id: str, file_id: str, data: bytes) -> None:
    closed = client.patch(f"{FILES}/assets/{asset_id}/files/{file_id}/", json={"status": "CLOSED"})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "CLOSED"
    listed = client.get(f"{FILES}/assets/{asset_id}/files/", params={"generate_signed_url": "true"}).json()
    [entry] = listed["objects"]
    assert entry["id"] == file_id and entry["size"] == len(data) and entry["checksum"] == md5(data)
    assert httpx.get(entry["url"], timeout=30).content == data
    url = client.get(f"{FILES}/assets/{asset_id}/files/{file_id}/download_url/").json()["url"]
    downloaded = httpx.get(url, timeout=30)
    assert downloaded.content == data
    assert downloaded.headers["Content-Disposition"].startswith('attachment; filename="clip.mp4"')
    same = client.get(f"{FILES}/files/checksum/{md5(data)}/").json()["objects"]
    assert [f["id"] for f in same] == [file_id]


def test_gcs_upload_flow(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    storage = iconik_http.get(f"{FILES}/storages/matching/FILES/").json()
    assert storage["method"] == "GCS" and storage["purpose"] == "FILES"
    asset = new_asset(iconik_http)
    _, file_set = prepare(iconik_http, asset["id"], storage)
    data = os.urandom(CHUNK * 5 + 77)
    file = create_file(iconik_http, asset["id"], file_set, len(data))
    assert file["storage_method"] == "GCS" and file["upload_url"].startswith(sandbox.urls["storage"])
    assert file["version_id"] == asset["versions"][0]["id"]
    gcs_upload(file["upload_url"], data)
    close_and_check(iconik_http, asset["id"], file["id"], data)
    realms = {(e.realm, e.operation) for e in sandbox.iconik.events if e.object_id == file["id"]}
    assert {("files", "create"), ("files", "update")} <= realms


def test_s3_multipart_upload_flow(small_parts: SandboxServer, small_http: httpx.Client) -> None:
    client = small_http
    storage = client.get(f"{FILES}/storages/matching/FILES/method/S3/").json()
    assert storage["method"] == "S3"
    asset = new_asset(client)
    _, file_set = prepare(client, asset["id"], storage)
    data = os.urandom(5000)
    file = create_file(client, asset["id"], file_set, len(data))
    base = f"{FILES}/assets/{asset['id']}/files/{file['id']}"
    created = httpx.post(file["multipart_upload_url"], timeout=10)
    upload_id = re.search(r"<UploadId>(.*?)</UploadId>", created.text)
    assert upload_id, created.text
    parts = client.get(
        f"{base}/multipart_url/part/", params={"upload_id": upload_id.group(1), "parts_num": 3, "per_page": 2}
    ).json()["objects"]
    assert [p["number"] for p in parts] == [1, 2]
    page2 = client.get(
        f"{base}/multipart_url/part/",
        params={"upload_id": upload_id.group(1), "parts_num": 3, "page": 2, "per_page": 2},
    ).json()["objects"]
    etags = []
    for part, chunk in zip(parts + page2, (data[:2000], data[2000:4000], data[4000:]), strict=True):
        etags.append(httpx.put(part["url"], content=chunk, timeout=10).headers["ETag"])
    complete_url = client.get(
        f"{base}/multipart_url/", params={"upload_id": upload_id.group(1), "type": "complete_url"}
    ).json()["complete_url"]
    xml = "".join(
        f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in enumerate(etags, 1)
    )
    done = httpx.post(
        complete_url, content=f"<CompleteMultipartUpload>{xml}</CompleteMultipartUpload>", timeout=10
    )
    assert done.status_code == 200, done.text
    close_and_check(client, asset["id"], file["id"], data)


def test_s3_single_put_upload(small_parts: SandboxServer, small_http: httpx.Client) -> None:
    storage = small_http.get(f"{FILES}/storages/matching/FILES/method/S3/").json()
    asset = new_asset(small_http)
    _, file_set = prepare(small_http, asset["id"], storage)
    data = b"small original"
    file = create_file(small_http, asset["id"], file_set, len(data))
    assert httpx.put(file["upload_url"], content=data, timeout=10).status_code == 200
    close_and_check(small_http, asset["id"], file["id"], data)


def test_close_without_upload_or_with_wrong_size_is_400(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    storage = iconik_http.get(f"{FILES}/storages/matching/FILES/").json()
    asset = new_asset(iconik_http)
    _, file_set = prepare(iconik_http, asset["id"], storage)
    file = create_file(iconik_http, asset["id"], file_set, 10)
    url = f"{FILES}/assets/{asset['id']}/files/{file['id']}/"
    missing = iconik_http.patch(url, json={"status": "CLOSED"})
    assert missing.status_code == 400 and missing.json()["errors"]
    gcs_upload(file["upload_url"], b"0123456789ABC")
    wrong = iconik_http.patch(url, json={"status": "CLOSED"})
    assert wrong.status_code == 400 and "size" in wrong.json()["errors"]
    assert iconik_http.get(url).json()["status"] == "OPEN"
    fixed = iconik_http.patch(url, json={"status": "CLOSED", "size": 13})
    assert fixed.status_code == 200 and fixed.json()["checksum"] == md5(b"0123456789ABC")


def test_formats_by_name_file_sets_and_version_lists(
    sandbox: SandboxServer, iconik_http: httpx.Client
) -> None:
    storage = iconik_http.get(f"{FILES}/storages/matching/FILES/").json()
    asset = new_asset(iconik_http)
    fmt, file_set = prepare(iconik_http, asset["id"], storage)
    by_name = iconik_http.get(f"{FILES}/assets/{asset['id']}/formats/ORIGINAL/")
    assert by_name.status_code == 200 and by_name.json()["id"] == fmt["id"]
    version_id = asset["versions"][0]["id"]
    sets = iconik_http.get(f"{FILES}/assets/{asset['id']}/versions/{version_id}/file_sets/").json()
    assert [s["id"] for s in sets["objects"]] == [file_set["id"]]
    create_file(iconik_http, asset["id"], file_set, 1)
    assert (
        iconik_http.get(f"{FILES}/assets/{asset['id']}/file_sets/{file_set['id']}/").json()["file_count"] == 1
    )
    other = iconik_http.get(f"{FILES}/assets/{asset['id']}/versions/{os.urandom(16).hex()}/files/").json()
    assert other["objects"] == []


def test_cursor_pagination_of_files(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    storage = iconik_http.get(f"{FILES}/storages/matching/FILES/").json()
    asset = new_asset(iconik_http)
    _, file_set = prepare(iconik_http, asset["id"], storage)
    ids = [create_file(iconik_http, asset["id"], file_set, 1)["id"] for _ in range(3)]
    first = iconik_http.get(f"{FILES}/assets/{asset['id']}/files/", params={"per_page": 2}).json()
    assert [f["id"] for f in first["objects"]] == ids[:2] and first["next_url"]
    second = iconik_http.get(first["next_url"]).json()
    assert [f["id"] for f in second["objects"]] == ids[2:]


def test_errors(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    missing = iconik_http.get(f"{FILES}/assets/{os.urandom(4).hex()}/files/")
    assert missing.status_code == 404 and missing.json() == {"errors": ["Asset does not exist"]}
    asset = new_asset(iconik_http)
    no_file = iconik_http.get(f"{FILES}/assets/{asset['id']}/files/00000000-0000-1000-8000-000000000000/")
    assert no_file.status_code == 404
    bad = iconik_http.post(f"{FILES}/assets/{asset['id']}/files/", json={"original_name": "x"})
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"directory_path", "type"}
    bad_set = iconik_http.post(f"{FILES}/assets/{asset['id']}/file_sets/", json={"name": "x", "base_dir": ""})
    assert bad_set.status_code == 400
    assert iconik_http.get(f"{FILES}/storages/matching/EXPORTS/").status_code == 404
    assert iconik_http.get(f"{FILES}/assets/{asset['id']}/formats/NOPE/").status_code == 404
    assert iconik_http.get(f"{FILES}/files/checksum/{'0' * 32}/").status_code == 404

"""Proxies, keyframes (the generation job and custom uploads) and the seeding helpers, over real HTTP."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from assetbridge_sandbox.iconik.files_seed import attach_original, attach_proxy
from assetbridge_sandbox.server import SandboxServer

FILES = "/API/files/v1"
T = TypeVar("T")


def on_loop(sandbox: SandboxServer, fn: Callable[[], T]) -> T:
    """Run ``fn`` on the sandbox's event loop thread and return its result."""
    done = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the test thread
            box["error"] = exc
        done.set()

    sandbox.call_soon(run)
    assert done.wait(10)
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def new_asset(client: httpx.Client) -> dict[str, Any]:
    resp = client.post("/API/assets/v1/assets/", json={"title": "Media", "type": "ASSET"})
    assert resp.status_code == 201, resp.text
    asset: dict[str, Any] = resp.json()
    return asset


def gcs_put(upload_url: str, data: bytes) -> None:
    start = httpx.post(upload_url, headers={"x-goog-resumable": "start"}, timeout=10)
    session = start.headers["Location"]
    done = httpx.put(session, content=data, headers={"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    assert done.status_code == 200, done.text


def wait_job(client: httpx.Client, sandbox: SandboxServer, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        job = sandbox.iconik.jobs[job_id]
        if job["status"] not in {"READY", "STARTED"}:
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "clip.mp4"
    if shutil.which("ffmpeg") is None:
        path.write_bytes(b"not really a video")
        return path
    command = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "1"]
    subprocess.run([*command, "-pix_fmt", "yuv420p", str(path)], check=True, timeout=60)
    return path


def test_proxy_flow(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    base = f"{FILES}/assets/{asset['id']}/proxies/"
    created = iconik_http.post(
        base,
        json={
            "codec": "h264",
            "format": "mp4",
            "frame_rate": "29.97",
            "name": "p.mp4",
            "resolution": {"width": 1280, "height": 720},
        },
    )
    assert created.status_code == 201, created.text
    proxy = created.json()
    assert proxy["status"] == "OPEN" and proxy["upload_url"] and proxy["storage_method"] == "GCS"
    assert iconik_http.patch(f"{base}{proxy['id']}/", json={"status": "CLOSED"}).status_code == 400
    gcs_put(proxy["upload_url"], b"proxy-bytes")
    closed = iconik_http.patch(f"{base}{proxy['id']}/", json={"status": "CLOSED"})
    assert closed.status_code == 200 and closed.json()["size"] == len(b"proxy-bytes")
    listed = iconik_http.get(base).json()["objects"]  # generate_signed_url defaults to true for proxies
    assert httpx.get(listed[0]["url"], timeout=10).content == b"proxy-bytes"
    url = iconik_http.get(f"{base}{proxy['id']}/download_url/").json()["url"]
    assert httpx.get(url, timeout=10).content == b"proxy-bytes"
    assert iconik_http.delete(f"{base}{proxy['id']}/").status_code == 204
    assert iconik_http.get(f"{base}{proxy['id']}/").status_code == 404
    assert httpx.get(url, timeout=10).status_code == 404  # the object went with it


def test_keyframes_job_from_an_uploaded_original(
    sandbox: SandboxServer, iconik_http: httpx.Client, video: Path
) -> None:
    asset = new_asset(iconik_http)
    version_id = asset["versions"][0]["id"]
    file = on_loop(
        sandbox,
        lambda: attach_original(sandbox.iconik, asset["id"], version_id, video, "clip.mp4", "video/mp4"),
    )
    assert file["status"] == "CLOSED" and file["size"] == video.stat().st_size
    resp = iconik_http.post(f"{FILES}/assets/{asset['id']}/files/{file['id']}/keyframes/", json={})
    assert resp.status_code == 200, resp.text
    job = wait_job(iconik_http, sandbox, resp.json()["job_id"])
    assert job["status"] == "FINISHED", job
    keyframes = iconik_http.get(f"{FILES}/assets/{asset['id']}/keyframes/").json()["objects"]
    assert sorted(k["type"] for k in keyframes) == ["KEYFRAME", "POSTER"]
    image = httpx.get(keyframes[0]["url"], timeout=10).content
    if shutil.which("ffmpeg"):
        assert image.startswith(b"\xff\xd8") and keyframes[0]["format"] == "JPEG"
        assert keyframes[0]["resolution"] == {"width": 320, "height": 240}
    else:
        assert image.startswith(b"\x89PNG")
    assert len(image) == keyframes[0]["size"]


def test_keyframes_job_without_an_original_fails(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    resp = iconik_http.post(f"{FILES}/assets/{asset['id']}/keyframes/", json={"priority": 5})
    assert resp.status_code == 200
    assert wait_job(iconik_http, sandbox, resp.json()["job_id"])["status"] == "FAILED"
    bad = iconik_http.post(f"{FILES}/assets/{asset['id']}/keyframes/", json={"type": "THUMB"})
    assert bad.status_code == 400 and "type" in bad.json()["errors"]


def test_custom_keyframe_upload(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    asset = new_asset(iconik_http)
    created = iconik_http.post(
        f"{FILES}/assets/{asset['id']}/keyframes/", json={"type": "POSTER", "name": "poster.png"}
    )
    assert created.status_code == 201, created.text
    keyframe = created.json()
    gcs_put(keyframe["upload_url"], b"\x89PNG fake")
    url = f"{FILES}/assets/{asset['id']}/keyframes/{keyframe['id']}/"
    assert iconik_http.patch(url, json={"status": "CLOSED"}).json()["size"] == len(b"\x89PNG fake")
    assert httpx.get(iconik_http.get(url).json()["url"], timeout=10).content == b"\x89PNG fake"


def test_seeded_proxy_is_listed_with_a_url(
    sandbox: SandboxServer, iconik_http: httpx.Client, tmp_path: Path
) -> None:
    asset = new_asset(iconik_http)
    source = tmp_path / "p.mp4"
    source.write_bytes(b"seeded proxy")
    version_id = asset["versions"][0]["id"]
    on_loop(
        sandbox,
        lambda: attach_proxy(
            sandbox.iconik, asset["id"], version_id, source, "p.mp4", "video/mp4", codec="h264"
        ),
    )
    [proxy] = iconik_http.get(f"{FILES}/assets/{asset['id']}/proxies/").json()["objects"]
    assert proxy["status"] == "CLOSED" and proxy["codec"] == "h264"
    assert httpx.get(proxy["url"], timeout=10).content == b"seeded proxy"


def test_storages_listing_and_lookup(sandbox: SandboxServer, iconik_http: httpx.Client) -> None:
    storages = iconik_http.get(f"{FILES}/storages/").json()["objects"]
    assert {(s["purpose"], s["method"]) for s in storages} >= {
        ("FILES", "GCS"),
        ("FILES", "S3"),
        ("PROXIES", "GCS"),
    }
    one = storages[0]
    assert iconik_http.get(f"{FILES}/storages/{one['id']}/").json()["id"] == one["id"]
    assert iconik_http.get(f"{FILES}/storages/KEYFRAMES/default/").json()["purpose"] == "KEYFRAMES"
    assert iconik_http.get(f"{FILES}/storages/00000000-0000-1000-8000-000000000000/").status_code == 404


def test_default_storage_method_s3(sandbox_factory: Any) -> None:
    server: SandboxServer = sandbox_factory(iconik={"port": 0, "default_storage_method": "S3"})
    info = server.info()["iconik"]
    headers = {"App-ID": info["app_id"], "Auth-Token": info["auth_token"]}
    with httpx.Client(base_url=info["base_url"], headers=headers, timeout=10) as client:
        assert client.get(f"{FILES}/storages/matching/FILES/").json()["method"] == "S3"
        asset = new_asset(client)
        proxy = client.post(f"{FILES}/assets/{asset['id']}/proxies/", json={"name": "p.mp4"}).json()
        assert proxy["storage_method"] == "S3" and "multipart_upload_url" in proxy
        assert httpx.put(proxy["upload_url"], content=b"s3 proxy", timeout=10).status_code == 200
        closed = client.patch(
            f"{FILES}/assets/{asset['id']}/proxies/{proxy['id']}/", json={"status": "CLOSED"}
        )
        assert closed.status_code == 200

"""Sandbox configuration errors, the seeded catalog and its media files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assetbridge_sandbox.config import SandboxConfigError, load_config
from assetbridge_sandbox.seed import generate_catalog


def test_defaults_are_the_documented_ports_and_credentials() -> None:
    config = load_config(None)
    assert (config.iconik.port, config.orangelogic.port, config.storage.port) == (8701, 8702, 8703)
    assert config.iconik.app_id == "sandbox-app-id"
    assert config.iconik.rate_limit.per_second == 50
    assert config.iconik.rate_limit.per_window == 1000


def test_unknown_key_is_named_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "sb.yaml"
    path.write_text("iconik:\n  port: 0\n  rate_limt: {per_second: 5}\n", encoding="utf-8")
    with pytest.raises(SandboxConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    assert "iconik.rate_limt" in str(info.value)


def test_wrong_type_names_key_and_value(tmp_path: Path) -> None:
    path = tmp_path / "sb.yaml"
    path.write_text("storage:\n  port: eighty\n", encoding="utf-8")
    with pytest.raises(SandboxConfigError, match=r"storage\.port.*'eighty'"):
        load_config(path)


def test_malformed_yaml_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("iconik: [unclosed\n", encoding="utf-8")
    with pytest.raises(SandboxConfigError, match="not valid YAML"):
        load_config(path)
    with pytest.raises(SandboxConfigError, match="cannot read"):
        load_config(tmp_path / "missing.yaml")


def test_catalog_is_deterministic_and_varied(tmp_path: Path) -> None:
    first = generate_catalog(3, 24, tmp_path / "a", media_mode="synthetic")
    second = generate_catalog(3, 24, tmp_path / "b", media_mode="synthetic", now=first.now)
    assert [a.title for a in first.assets] == [a.title for a in second.assets]
    assert [a.rights for a in first.assets] == [a.rights for a in second.assets]
    assert {a.kind for a in first.assets} == {"Video", "Image", "Audio"}
    assert len({a.language for a in first.assets}) >= 5
    assert any(not a.title.isascii() for a in first.assets)
    now = first.now
    ends = [a.rights.end for a in first.assets]
    assert any(e is not None and e < now for e in ends), "no expired rights window"
    assert any(e is not None and now < e < now.replace(year=now.year + 1) for e in ends)
    assert any(a.rights.start is not None and a.rights.start > now for a in first.assets), (
        "none not yet started"
    )
    statuses = {a.rights.status for a in first.assets}
    assert "Approved" in statuses and statuses & {"Withdrawn", "Pending"}
    different = generate_catalog(4, 24, tmp_path / "c", media_mode="synthetic", now=first.now)
    assert [a.title for a in different.assets] != [a.title for a in first.assets]


def test_synthetic_media_are_valid_files(tmp_path: Path) -> None:
    catalog = generate_catalog(1, 4, tmp_path, media_mode="synthetic")
    magic = {"Video": b"YUV4MPEG2", "Image": b"\x89PNG\r\n\x1a\n", "Audio": b"RIFF"}
    for asset in catalog.assets:
        assert asset.media_path.read_bytes().startswith(magic[asset.kind])
    if shutil.which("ffprobe"):
        for asset in catalog.assets:
            probe = subprocess.run(
                ["ffprobe", "-v", "error", str(asset.media_path)], capture_output=True, text=True
            )
            assert probe.returncode == 0, probe.stderr


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed: real media not checked")
def test_ffmpeg_media_are_real_video(tmp_path: Path) -> None:
    catalog = generate_catalog(1, 1, tmp_path, media_mode="ffmpeg")
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name",
            "-of",
            "csv=p=0",
            str(catalog.assets[0].media_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "h264" in probe.stdout and "aac" in probe.stdout


def test_sandbox_up_writes_info_and_serves(tmp_path: Path) -> None:
    config = tmp_path / "sb.yaml"
    config.write_text(
        f"data_dir: '{tmp_path / 'data'}'\ncatalog_size: 0\niconik: {{port: 0}}\norangelogic: {{port: 0}}\n"
        "storage: {port: 0}\n",
        encoding="utf-8",
    )
    info_path = tmp_path / "info.json"
    exe = Path(sys.executable).parent / "assetbridge"
    proc = subprocess.Popen(
        [str(exe), "sandbox", "up", "--config", str(config), "--info", str(info_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = time.monotonic() + 30
        while not info_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        info = json.loads(info_path.read_text(encoding="utf-8"))
        assert set(info) >= {"iconik", "orangelogic", "storage"}
        assert set(info["iconik"]) >= {"base_url", "app_id", "auth_token"}
        assert "base_url" in info["storage"]
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(info["iconik"]["base_url"] + "/_sandbox/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        token = httpx.get(
            info["iconik"]["base_url"] + "/API/auth/v1/auth/token/",
            headers={"App-ID": info["iconik"]["app_id"], "Auth-Token": info["iconik"]["auth_token"]},
            timeout=5,
        )
        assert token.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_sandbox_up_reports_a_bad_config_clearly(tmp_path: Path) -> None:
    config = tmp_path / "sb.yaml"
    config.write_text("iconik:\n  port: -1\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "assetbridge"
    result = subprocess.run(
        [str(exe), "sandbox", "up", "--config", str(config)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0
    assert "iconik.port" in result.stderr and str(config) in result.stderr
    assert "Traceback" not in result.stderr

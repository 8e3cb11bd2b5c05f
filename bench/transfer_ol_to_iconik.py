"""Transfer engine benchmark: an Orange Logic original copied into iconik storage by ``copy_to_iconik``.

For each size, a sparse file is uploaded to the Orange Logic sandbox as a new asset, then:

- **baseline**: ``curl`` downloads the original (``GetDocumentAPI.aspx?F=TRX``) and pipes it into a
  second ``curl`` uploading it to a fresh iconik file's storage URL (GCS: one resumable-session PUT;
  S3: one PUT): the same endpoints, no checksum, no parts, no state;
- **engine**: ``copy_to_iconik`` in a fresh child process (its own peak RSS), with the state database,
  Range windows, parts, md5 and the check against what iconik records.

Reports MB/s of each, the ratio (target >= 0.7) and the child's peak RSS per size (target: flat). The
sandbox runs in its own process; its files live in a temporary directory removed at the end.

    .venv/bin/python bench/transfer_ol_to_iconik.py [--sizes-mib 1024 2048 4096] [--methods GCS S3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process, write_config

from assetbridge.config import LoadedConfig, load_config
from assetbridge.connectors.iconik.requests import AssetCreate
from assetbridge.connectors.orangelogic.downloads import ORIGINAL_PATH
from assetbridge.engine.context import open_context
from assetbridge.engine.media_copy import copy_to_iconik
from assetbridge.logs import configure_logging

MIB = 1024 * 1024


def loaded_from(path: Path, env: dict[str, str]) -> LoadedConfig:
    return load_config(path, env)


async def prepare(loaded: LoadedConfig, workdir: Path, size: int) -> dict[str, Any]:
    """A new Orange Logic asset whose original is ``size`` zero bytes (a sparse file), and for the
    baseline: an iconik file awaiting its bytes and the authenticated Orange Logic original URL."""
    source = workdir / f"original-{size // MIB}.mxf"
    with source.open("wb") as out:
        out.truncate(size)
    async with open_context(loaded) as ctx:
        folder = await ctx.ol.create_folder(f"bench {size // MIB} MiB {time.time()}")
        uploaded = await ctx.ol.uploads.upload(source, folder.record_id)
        source.unlink()
        asset = await ctx.ol.search.get(uploaded.system_identifier or "")
        token = await ctx.ol.auth.token()
        headers, params = ctx.ol.auth.request_auth(token)
        query = urlencode({"F": "TRX", "DocID": asset.record_id, **params})
        ol_url = f"{ctx.ol.settings.base_url}{ORIGINAL_PATH}?{query}"
        baseline_asset = await ctx.iconik.create_asset(AssetCreate(title=f"curl {size}"))
        file = await ctx.iconik.create_original_file(baseline_asset.id, file_name="curl.mxf", size=size)
        engine_asset = await ctx.iconik.create_asset(AssetCreate(title=f"engine {size}"))
    return {
        "system_identifier": uploaded.system_identifier,
        "ol_url": ol_url,
        "ol_headers": headers,
        "upload_url": file.upload_url,
        "method": (file.storage_method or file.upload_method or "").upper(),
        "engine_asset": engine_asset.id,
    }


def curl_pipe(prep: dict[str, Any], size: int) -> float:
    """Seconds for ``curl GET original | curl PUT storage`` of the whole file."""
    down = ["curl", "-sS", "--fail", "-o", "-", prep["ol_url"]]
    for name, value in prep["ol_headers"].items():
        down += ["-H", f"{name}: {value}"]
    target = prep["upload_url"]
    if prep["method"] == "GCS":
        started = httpx.post(
            target, headers={"x-goog-resumable": "start", "X-Upload-Content-Length": str(size)}
        )
        started.raise_for_status()
        target = started.headers["location"]
    up = ["curl", "-sS", "--fail", "-o", "/dev/null", "-T", "-", "-X", "PUT"]
    up += ["-H", f"Content-Length: {size}", "-H", "Transfer-Encoding:", "-H", "Expect:", target]
    start = time.monotonic()
    reader = subprocess.Popen(down, stdout=subprocess.PIPE)
    writer = subprocess.run(up, stdin=reader.stdout, check=False)
    assert reader.stdout is not None
    reader.stdout.close()
    reader.wait()
    elapsed = time.monotonic() - start
    if reader.returncode or writer.returncode:
        raise RuntimeError(f"curl pipe failed: download {reader.returncode}, upload {writer.returncode}")
    return elapsed


async def child(spec: dict[str, Any]) -> dict[str, Any]:
    loaded = loaded_from(Path(spec["config"]), spec["env"])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with open_context(loaded) as ctx:
        start = time.monotonic()
        result = await copy_to_iconik(
            ctx,
            system_identifier=spec["system_identifier"],
            rendition="original",
            asset_id=spec["asset_id"],
            role="original",
            file_name="engine.mxf",
            content_type="application/mxf",
            key=f"bench:{spec['asset_id']}",
        )
        elapsed = time.monotonic() - start
    return {
        "seconds": elapsed,
        "size": result.size,
        "parts": result.parts_sent,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": rss_before / 1024,
    }


def clear_storage(info: dict[str, Any]) -> None:
    control = info["storage"]["control_url"]
    objects = httpx.get(control + "/objects", timeout=30).json()
    for item in objects.get("objects", []):
        httpx.delete(f"{control}/objects/{item['key']}", timeout=30)


def measure(info: dict[str, Any], workdir: Path, size: int, part_mb: int, parallel: int) -> dict[str, Any]:
    config, env = write_config(
        info,
        f"sqlite:///{workdir / 'state.db'}",
        workdir,
        {"media": {"part_size_mb": part_mb, "parallel_parts": parallel, "source_window_mb": 256}},
    )
    prep = asyncio.run(prepare(loaded_from(config, env), workdir, size))
    curl_s = curl_pipe(prep, size)
    spec = {
        "config": str(config),
        "env": env,
        "system_identifier": prep["system_identifier"],
        "asset_id": prep["engine_asset"],
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    engine = json.loads(out.stdout.strip().splitlines()[-1])
    clear_storage(info)
    return {"method": prep["method"], "curl_s": curl_s, **engine}


def main() -> None:
    configure_logging("WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[1024, 2048, 4096])
    parser.add_argument("--methods", nargs="+", default=["GCS", "S3"])
    parser.add_argument("--part-mb", type=int, default=32)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(json.loads(args.child)))))
        return
    rows: list[tuple[str, str]] = []
    for method in args.methods:
        config = {
            "iconik": {"default_storage_method": method, "rate_limit": {"enabled": False}},
        }
        with sandbox_process(config) as info, tempfile.TemporaryDirectory(prefix="ab-transfer-") as tmp:
            for size_mib in args.sizes_mib:
                r = measure(info, Path(tmp), size_mib * MIB, args.part_mb, args.parallel)
                engine_mb_s = size_mib / r["seconds"]
                curl_mb_s = size_mib / r["curl_s"]
                rows.append(
                    (
                        f"{r['method']} {size_mib} MiB",
                        f"engine {engine_mb_s:.0f} MiB/s, curl|curl {curl_mb_s:.0f} MiB/s, "
                        f"ratio {engine_mb_s / curl_mb_s:.2f}, {r['parts']} parts, "
                        f"peak RSS {r['peak_rss_mib']:.0f} MiB (at start {r['rss_before_mib']:.0f} MiB)",
                    )
                )
                print(rows[-1], flush=True)
    title = (
        f"Orange Logic original -> iconik storage ({time.strftime('%Y-%m-%d')}, "
        f"parts {args.part_mb} MiB x {args.parallel})"
    )
    print_table(title, rows)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

"""Transfer benchmark: upload a file into iconik (storage upload_url) and download it back through the
production client; reports MB/s each way and the client's peak RSS, for a small and a large file, so
that "memory flat in file size" is visible. Both storage styles: GCS resumable and S3 multipart.

Each transfer runs in a fresh child process (peak RSS is per process); the sandbox runs in another.

    .venv/bin/python bench/iconik_transfer.py [--sizes-mib 100 1024] [--methods GCS S3]
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

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process

from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.config import IconikConfig
from assetbridge.connectors.iconik.requests import AssetCreate
from assetbridge.logs import configure_logging

MIB = 1024 * 1024


def make_file(path: Path, size: int) -> None:
    block = os.urandom(4 * MIB)
    with path.open("wb") as out:
        written = 0
        while written < size:
            n = min(len(block), size - written)
            out.write(block[:n])
            written += n


async def child(info: dict[str, Any], size: int, method: str, workdir: Path) -> dict[str, Any]:
    ic = info["iconik"]
    config = IconikConfig(
        base_url=ic["base_url"], app_id=ic["app_id"], auth_token=SecretStr(ic["auth_token"])
    )
    src = workdir / "source.bin"
    make_file(src, size)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    async with IconikClient(config) as iconik:
        storages = await iconik.list_storages(purpose="FILES")
        storage = next(s for s in storages if s.method == method)
        asset = await iconik.create_asset(
            AssetCreate(title=f"transfer {size}", external_id=f"transfer-{method}-{size}")
        )
        start = time.monotonic()
        uploaded = await iconik.upload_original(
            asset.id, src, file_name="source.bin", size=size, storage_id=storage.id
        )
        up = time.monotonic() - start
        dest = workdir / "back.bin"
        start = time.monotonic()
        digests = await iconik.download_file(asset.id, uploaded.file.id, dest)
        down = time.monotonic() - start
    assert digests.md5 == uploaded.digests.md5, "downloaded bytes differ"
    dest.unlink()
    src.unlink()
    return {
        "size_mib": size // MIB,
        "method": method,
        "upload_mb_s": size / MIB / up,
        "download_mb_s": size / MIB / down,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mib": rss_before / 1024,
    }


def main() -> None:
    configure_logging("WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[100, 1024])
    parser.add_argument("--methods", nargs="+", default=["GCS", "S3"])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        spec = json.loads(args.child)
        with tempfile.TemporaryDirectory(prefix="ab-transfer-") as tmp:
            result = asyncio.run(child(spec["info"], spec["size"], spec["method"], Path(tmp)))
        print(json.dumps(result))
        return
    rows: list[tuple[str, str]] = []
    with sandbox_process({}) as info:
        for method in args.methods:
            for size_mib in args.sizes_mib:
                spec = json.dumps({"info": info, "size": size_mib * MIB, "method": method})
                out = subprocess.run(
                    [sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=True
                )
                r = json.loads(out.stdout.strip().splitlines()[-1])
                rows.append(
                    (
                        f"{method} {size_mib} MiB",
                        f"up {r['upload_mb_s']:.0f} MB/s, down {r['download_mb_s']:.0f} MB/s, "
                        f"peak RSS {r['peak_rss_mib']:.0f} MiB (at start {r['rss_before_mib']:.0f} MiB)",
                    )
                )
    print_table(f"iconik transfer through the client ({time.strftime('%Y-%m-%d')})", rows)


if __name__ == "__main__":
    main()

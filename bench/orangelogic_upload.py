"""Upload benchmark: a file of random bytes uploaded into Orange Logic through the production client;
reports MB/s and the client's peak RSS. Above the 1.5 GiB threshold the client switches to the §7.4
multi-part flow by itself (128 KiB-aligned chunks, each with its MD5); 100 MiB goes in one call.

Each upload runs in a fresh child process (peak RSS is per process, measured right after the upload);
the sandbox runs in another. Afterwards the asset is checked through the control API (file size) and
downloaded back through the client (MD5 of the bytes the tenant stored).

    .venv/bin/python bench/orangelogic_upload.py [--sizes-mib 100 2048] [--chunk-mib 8]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import structlog
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.settings import ClientCredentialsAuth, OrangeLogicSettings

MIB = 1024 * 1024
BLOCK = 4 * MIB


def make_file(path: Path, size: int) -> str:
    """``size`` random bytes (fresh ``os.urandom`` per 4 MiB block); returns their MD5."""
    md5 = hashlib.md5(usedforsecurity=False)
    with path.open("wb") as out:
        written = 0
        while written < size:
            block = os.urandom(min(BLOCK, size - written))
            md5.update(block)
            out.write(block)
            written += len(block)
    return md5.hexdigest()


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


async def child(info: dict[str, Any], size: int, chunk_mib: int, workdir: Path) -> dict[str, Any]:
    ol_info = info["orangelogic"]
    settings = OrangeLogicSettings(
        base_url=ol_info["base_url"],
        auth=ClientCredentialsAuth(
            client_id=ol_info["client_id"], client_secret=SecretStr(ol_info["client_secret"])
        ),
        chunk_size_bytes=chunk_mib * MIB,
    )
    src = workdir / f"random-{size // MIB}MiB.bin"
    source_md5 = make_file(src, size)
    rss_start = _rss_mib()
    async with OrangeLogicClient(settings) as ol:
        folder = await ol.create_folder(f"Upload bench {size // MIB} MiB")
        calls = ol.session.attempts
        start = time.monotonic()
        result = await ol.uploads.upload(src, folder.record_id)
        elapsed = time.monotonic() - start
        peak = _rss_mib()
        upload_calls = ol.session.attempts - calls
        chunks = ol.uploads.chunks_sent
        src.unlink()
        ident = result.system_identifier or result.record_id or ""
        stored = await asyncio.to_thread(
            lambda: httpx.get(f"{ol_info['control_url']}/orangelogic/assets/{ident}", timeout=30).json()
        )
        back = await ol.download_original(stored["RecordID"], workdir / "back.bin")
        back.path.unlink()
    return {
        "size_mib": size // MIB,
        "mb_s": size / 1e6 / elapsed,
        "seconds": elapsed,
        "calls": upload_calls,
        "chunks": chunks,
        "multipart": chunks > 0,
        "rss_start_mib": rss_start,
        "peak_rss_mib": peak,
        "size_ok": stored["FileSize"] == size,
        "md5_ok": back.digests.md5 == source_md5 and back.digests.size == size,
        "identifier": stored["SystemIdentifier"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[100, 2048])
    parser.add_argument("--chunk-mib", type=int, default=8, help="multi-part chunk size (client default 8)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    if args.child:
        spec = json.loads(args.child)
        with tempfile.TemporaryDirectory(prefix="ab-ol-upload-") as tmp:
            result = asyncio.run(child(spec["info"], spec["size"], spec["chunk_mib"], Path(tmp)))
        print(json.dumps(result))
        return
    rows: list[tuple[str, str]] = []
    failed = False
    with sandbox_process({}) as info:
        for size_mib in args.sizes_mib:
            spec = json.dumps({"info": info, "size": size_mib * MIB, "chunk_mib": args.chunk_mib})
            out = subprocess.run(
                [sys.executable, __file__, "--child", spec], capture_output=True, text=True, check=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            flow = (
                f"multi-part, {r['chunks']} chunks of {args.chunk_mib} MiB"
                if r["multipart"]
                else "single call"
            )
            ok = r["size_ok"] and r["md5_ok"]
            failed |= not ok
            rows.append(
                (
                    f"{size_mib} MiB ({flow})",
                    f"{r['mb_s']:.0f} MB/s ({r['seconds']:.1f} s, {r['calls']} HTTP calls), "
                    f"peak RSS {r['peak_rss_mib']:.0f} MiB (at start {r['rss_start_mib']:.0f} MiB), "
                    f"stored size and MD5 {'match' if ok else 'DIFFER'}",
                )
            )
    print_table(f"Orange Logic upload through the client ({time.strftime('%Y-%m-%d')})", rows)
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()

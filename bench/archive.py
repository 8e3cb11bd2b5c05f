"""Archive benchmark (issue 6, job 7): a completed iconik project of N assets of S MiB archived into
Orange Logic by ``engine.archive.archive_project``, then re-checked by ``verify_project``.

Setup (not timed): the sandbox in its own process (iconik rate limit off), one iconik collection marked
``Completed`` holding N assets, each with an original of S MiB (zeros with a distinct 16-byte head, so
every file has its own md5), uploaded through the iconik API.

Timed, each in a fresh child process (its own peak RSS, read from ``VmHWM``):

- **archive**: every file streamed iconik → Orange Logic (md5 + sha256 while streaming, iconik's md5
  checked), then read back from Orange Logic and hashed again (the proof), attestation + audit + lineage
  rows, and the manifest;
- **verify**: ``verify_project`` alone — the read-back and hash of every archived file. Its time is the
  cost of the verification step inside the archive; the overhead is verify / (archive - verify).

    .venv/bin/python bench/archive.py [--assets 200] [--size-mib 50] [--chunk-mib 8]
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

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process, write_config

from assetbridge.config import LoadedConfig, load_config
from assetbridge.connectors.iconik.requests import AssetCreate, CollectionCreate, MetadataWrite
from assetbridge.engine.archive import archive_project, verify_project
from assetbridge.engine.context import open_context
from assetbridge.logs import configure_logging

MIB = 1024 * 1024


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def prepare(loaded: LoadedConfig, workdir: Path, assets: int, size: int) -> dict[str, str]:
    """The Orange Logic root folder and a completed iconik project of ``assets`` files of ``size`` bytes."""
    source = workdir / "master.mxf"
    with source.open("wb") as out:
        out.truncate(size)
    async with open_context(loaded) as ctx:
        root = await ctx.ol.create_folder("Archive bench")
        views = {v.name: v.id for v in await ctx.iconik.list_views()}
        collection = await ctx.iconik.create_collection(CollectionCreate(title="Bench project"))
        values = {
            "project_status": ["Completed"],
            "project_id": ["PRJ-BENCH"],
            "retention_period": ["7 years"],
        }
        write = MetadataWrite.of({k: list(v) for k, v in values.items()})
        await ctx.iconik.put_metadata("collections", collection.id, views["AssetBridge Project"], write)
        for index in range(assets):
            with source.open("r+b") as out:
                out.write(f"asset-{index:010d}".encode())
            asset = await ctx.iconik.create_asset(AssetCreate(title=f"master {index}"))
            await ctx.iconik.upload_original(asset.id, source, file_name=f"master-{index}.mxf", size=size)
            await ctx.iconik.add_to_collection(collection.id, asset.id)
    source.unlink()
    return {"root": root.record_id, "collection_id": collection.id}


async def child(spec: dict[str, Any]) -> dict[str, Any]:
    loaded = load_config(Path(spec["config"]), spec["env"])
    async with open_context(loaded) as ctx:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        spec_cpu = usage.ru_utime + usage.ru_stime
        start = time.monotonic()
        if spec["step"] == "archive":
            report = await archive_project(ctx, spec["collection_id"])
            failed = len(report.failed)
            done = sum(1 for o in report.outcomes if o.outcome == "archived")
        else:
            _, checks = await verify_project(ctx, spec["collection_id"])
            failed = sum(1 for c in checks if not c.ok)
            done = len(checks) - failed
        elapsed = time.monotonic() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - spec_cpu
    return {"seconds": elapsed, "cpu": cpu, "done": done, "failed": failed, "peak_rss_mib": peak_rss_mib()}


def cpu_share(result: dict[str, Any]) -> str:
    return f"{result['cpu'] / result['seconds']:.0%}"


def run_child(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True, check=False
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    configure_logging("WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--size-mib", type=int, default=50)
    parser.add_argument("--chunk-mib", type=int, default=8)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(json.loads(args.child)))))
        return
    config = {"catalog_size": 5, "media": "synthetic", "iconik": {"rate_limit": {"enabled": False}}}
    with sandbox_process(config) as info, tempfile.TemporaryDirectory(prefix="ab-archive-") as tmp:
        workdir = Path(tmp)
        path, env = write_config(info, f"sqlite:///{workdir / 'state.db'}", workdir)
        started = time.monotonic()
        prep = asyncio.run(prepare(load_config(path, env), workdir, args.assets, args.size_mib * MIB))
        setup_s = time.monotonic() - started
        archive = {"enabled": True, "root_folder": prep["root"], "chunk_size_mb": args.chunk_mib}
        path, env = write_config(info, f"sqlite:///{workdir / 'state.db'}", workdir, {"archive": archive})
        base = {"config": str(path), "env": env, "collection_id": prep["collection_id"]}
        archived = run_child({**base, "step": "archive"})
        verified = run_child({**base, "step": "verify"})
    total_mib = args.assets * args.size_mib
    transfer_s = archived["seconds"] - verified["seconds"]
    rows = [
        ("assets x size", f"{args.assets} x {args.size_mib} MiB = {total_mib / 1024:.2f} GiB"),
        ("setup (iconik uploads, not timed)", f"{setup_s:.1f} s"),
        (
            "archive (stream + prove + record)",
            f"{archived['seconds']:.1f} s, {total_mib / archived['seconds']:.0f} MiB/s, "
            f"{archived['done']} attested, {archived['failed']} failed",
        ),
        (
            "verify (read back + hash)",
            f"{verified['seconds']:.1f} s, {total_mib / verified['seconds']:.0f} MiB/s",
        ),
        (
            "verification overhead",
            f"{verified['seconds'] / transfer_s:.0%} on top of the transfer ({transfer_s:.1f} s without it)",
        ),
        (
            "AssetBridge CPU archive / verify",
            f"{archived['cpu']:.1f} s / {verified['cpu']:.1f} s ({cpu_share(archived)} / "
            f"{cpu_share(verified)} of one core; the sandbox process has the other core)",
        ),
        (
            "peak RSS archive / verify",
            f"{archived['peak_rss_mib']:.0f} MiB / {verified['peak_rss_mib']:.0f} MiB",
        ),
    ]
    print_table(f"Archive {args.assets} x {args.size_mib} MiB ({time.strftime('%Y-%m-%d')})", rows)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()

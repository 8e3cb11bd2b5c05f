"""Backfill benchmark: create N iconik assets with metadata through the production client, against the
sandbox at its default limit (50 requests/s and 1000 per 20 s per App-ID).

Reports the achieved request rate as a share of the limit (target ≥ 90 %), the 429s the server sent
(target < 1 % of requests) and iconik calls per asset (the minimum for "asset + metadata" is 2: one
create, one metadata PUT through a view).

    .venv/bin/python bench/iconik_backfill.py [--assets 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process

from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.config import IconikConfig
from assetbridge.connectors.iconik.requests import (
    AssetCreate,
    MetadataFieldCreate,
    MetadataViewCreate,
    MetadataWrite,
    ViewField,
)
from assetbridge.logs import configure_logging

LIMIT_PER_SECOND = 50


async def run(
    info: dict[str, Any], assets: int, concurrency: int, per_second: int | None
) -> list[tuple[str, str]]:
    ic = info["iconik"]
    config = IconikConfig(
        base_url=ic["base_url"], app_id=ic["app_id"], auth_token=SecretStr(ic["auth_token"])
    )
    if per_second is not None:
        rate = config.rate.model_copy(update={"per_second": per_second})
        config = config.model_copy(update={"rate": rate})
    control = ic["control_url"] + "/iconik/rate_limit"
    async with IconikClient(config) as iconik:
        await iconik.create_field(MetadataFieldCreate(name="campaign", label="Campaign", field_type="string"))
        await iconik.create_field(MetadataFieldCreate(name="language", label="Language", field_type="string"))
        view = await iconik.create_view(
            MetadataViewCreate(
                name="Bench", view_fields=[ViewField(name="campaign"), ViewField(name="language")]
            )
        )
        await asyncio.sleep(1.1)  # start with the per-second window empty
        before = await asyncio.to_thread(lambda: httpx.get(control, timeout=5).json())
        attempts_before = iconik.api.attempts
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(assets):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                asset = await iconik.create_asset(
                    AssetCreate(title=f"Backfill {i:05d}", external_id=f"bench-{i}")
                )
                values = MetadataWrite.of({"campaign": [f"Campaign {i % 7}"], "language": ["en"]})
                await iconik.put_metadata("assets", asset.id, view.id, values)

        start = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.monotonic() - start
        after = await asyncio.to_thread(lambda: httpx.get(control, timeout=5).json())
        client_calls = iconik.api.attempts - attempts_before
    allowed = after["allowed"] - before["allowed"]
    rejected = after["rejected"] - before["rejected"]
    rate = allowed / elapsed
    return [
        ("assets created (with metadata)", f"{assets}"),
        ("client concurrency", f"{concurrency}"),
        (
            "governor rate",
            f"{config.rate.per_second}/s, {config.rate.per_window} per {config.rate.window_seconds:g} s",
        ),
        ("elapsed", f"{elapsed:.1f} s"),
        ("requests served (2xx/4xx, excl. 429)", f"{allowed}"),
        ("achieved rate", f"{rate:.1f} req/s"),
        ("share of the 50 req/s limit", f"{100 * rate / LIMIT_PER_SECOND:.1f} %"),
        ("429 responses", f"{rejected} ({100 * rejected / max(1, allowed + rejected):.2f} % of requests)"),
        ("iconik calls per asset", f"{client_calls / assets:.2f}"),
    ]


def main() -> None:
    configure_logging("WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--per-second", type=int, default=None, help="override the governor's default rate")
    args = parser.parse_args()
    with sandbox_process({}) as info:
        rows = asyncio.run(run(info, args.assets, args.concurrency, args.per_second))
    print_table(f"iconik backfill ({time.strftime('%Y-%m-%d')})", rows)


if __name__ == "__main__":
    main()

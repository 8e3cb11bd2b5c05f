"""Publish benchmark: N Orange Logic assets published proxy-only into iconik, against the sandbox's default
iconik limit (50 requests/s and 1000 per 20 s per App-ID).

A fresh sandbox (its own process, synthetic media, renditions copied rather than transcoded so the
sandbox's CPU is not the bottleneck) seeds N assets; one rule selects all of them in proxy mode (videos
send ``Path_WebHigh``, images ``Path_TR1``, audio its original as the proxy), keyframes on, campaigns and
rights off. One ``run_publish`` pass runs through ``open_context`` with the default governor, exactly as
``assetbridge publish`` does. Reported: the achieved iconik request rate as a share of the limit (target
≥ 90 %), the 429s the sandbox sent, iconik calls per asset (the clients' ``attempts`` counter: every
exchange tried) next to the minimum the API allows, Orange Logic calls, and a re-run's calls.

    .venv/bin/python bench/publish_proxy_only.py [--assets 1000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process, write_config

from assetbridge.config import LoadedConfig, load_config
from assetbridge.engine.context import open_context
from assetbridge.engine.publish import run_publish
from assetbridge.engine.publish_report import PublishReport
from assetbridge.logs import configure_logging

LIMIT_PER_SECOND = 50
# Per asset: create (external_id = RecordID set in the create), one metadata PUT through the view,
# create the proxy, PATCH it CLOSED, ask for keyframes = 5; the bytes go to the storage URL, outside
# iconik's API budget. Match-then-create adds the external_id search (iconik has no idempotency key).
MINIMUM = 5
MINIMUM_SAFE = 6


def loaded_config(info: dict[str, Any], tmp: Path) -> LoadedConfig:
    publish = {
        "enabled": True,
        "rules": [{"name": "all", "query": "CoreField.Purpose:Public", "media": "proxy"}],
        "proxy_renditions": {"Video": "Path_WebHigh", "Image": "Path_TR1", "Audio": "original"},
        "keyframes": True,
    }
    path, env = write_config(info, f"sqlite:///{tmp / 'state.db'}", tmp, {"publish": publish})
    return load_config(path, env)


def rate_counters(info: dict[str, Any]) -> tuple[int, int]:
    body = httpx.get(info["iconik"]["control_url"] + "/iconik/rate_limit", timeout=10).json()
    return int(body["allowed"]), int(body["rejected"])


async def one_pass(loaded: LoadedConfig, concurrency: int) -> tuple[PublishReport, float, int, int]:
    async with open_context(loaded) as ctx:
        await ctx.schema()  # the run's schema reads are not per-asset work
        ic0, ol0 = ctx.iconik.api.attempts, ctx.ol.session.attempts
        start = time.monotonic()
        report = await run_publish(ctx, concurrency=concurrency)
        elapsed = time.monotonic() - start
        return report, elapsed, ctx.iconik.api.attempts - ic0, ctx.ol.session.attempts - ol0


def run(info: dict[str, Any], assets: int, concurrency: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="ab-publish-") as tmp:
        loaded = loaded_config(info, Path(tmp))
        time.sleep(1.1)
        allowed0, rejected0 = rate_counters(info)
        report, elapsed, ic_calls, ol_calls = asyncio.run(one_pass(loaded, concurrency))
        allowed1, rejected1 = rate_counters(info)
        time.sleep(1.1)
        again, again_s, again_ic, again_ol = asyncio.run(one_pass(loaded, concurrency))
    published = report.summary["publish"]
    if published != assets or not report.ok:
        failed = [o.to_dict() for o in report.outcomes if o.action != "publish"][:3]
        raise SystemExit(f"published {published} of {assets}: {failed}")
    allowed, rejected = allowed1 - allowed0, rejected1 - rejected0
    rate = allowed / elapsed
    return [
        ("assets published proxy-only", f"{published} (videos WebHigh, images TR1, audio original as proxy)"),
        ("publish concurrency", f"{concurrency}"),
        ("elapsed", f"{elapsed:.1f} s ({published / elapsed:.1f} assets/s)"),
        ("iconik requests served (excl. 429)", f"{allowed}"),
        ("achieved iconik rate", f"{rate:.1f} req/s"),
        ("share of the 50 req/s limit", f"{100 * rate / LIMIT_PER_SECOND:.1f} %"),
        ("429 responses", f"{rejected} ({100 * rejected / max(1, allowed + rejected):.2f} % of requests)"),
        (
            "iconik calls per asset",
            f"{ic_calls / published:.2f} (minimum {MINIMUM}; {MINIMUM_SAFE} with the match)",
        ),
        ("Orange Logic calls per asset", f"{ol_calls / published:.2f}"),
        (
            "re-run (nothing changed)",
            f"{again.summary['up_to_date']} up to date, {again_ic} iconik + {again_ol} OL calls,"
            f" {again_s:.1f} s",
        ),
    ]


def main() -> None:
    configure_logging("WARNING")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    sandbox = {"catalog_size": args.assets, "media": "synthetic", "orangelogic": {"renditions": "copy"}}
    with sandbox_process(sandbox) as info:
        rows = run(info, args.assets, args.concurrency)
    print_table(f"Publish proxy-only ({time.strftime('%Y-%m-%d')})", rows)


if __name__ == "__main__":
    main()

"""Incremental-read benchmark: in a catalog of N assets of which 50 changed since the last cursor, how many
API calls and how long does the production client's ``changed_since`` take to find exactly those 50?
(Target: a few calls, independent of catalog size.)

Per catalog size, in a fresh sandbox (its own process): an initial full ``changed_since(None)`` pass gives
the cursor (``cursor_after`` of the last asset handed out, as a consumer would store it; reported as
setup); 50 random assets are then edited through DataTable (setup, not measured); then
``changed_since(cursor)`` is timed and its HTTP attempts counted.

    .venv/bin/python bench/orangelogic_incremental.py [--sizes 2000 20000] [--changed 50]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

import structlog
from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import sandbox_process

from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.connectors.orangelogic.search import cursor_after
from assetbridge.connectors.orangelogic.settings import ClientCredentialsAuth, OrangeLogicSettings

CONTAINER_TYPES = {"Story", "Album", "Folder"}


async def run(info: dict[str, Any], size: int, changed: int, seed: int) -> dict[str, Any]:
    ol_info = info["orangelogic"]
    settings = OrangeLogicSettings(
        base_url=ol_info["base_url"],
        auth=ClientCredentialsAuth(
            client_id=ol_info["client_id"], client_secret=SecretStr(ol_info["client_secret"])
        ),
    )
    async with OrangeLogicClient(settings) as ol:
        start = time.monotonic()
        calls = ol.session.attempts
        everything = await ol.search.changed_since(None)
        full_time = time.monotonic() - start
        full_calls = ol.session.attempts - calls
        cursor = cursor_after(everything[-1])
        media = [a.system_identifier for a in everything if a.media_type not in CONTAINER_TYPES]
        assert len(media) == size, f"expected {size} seeded assets, the full pass saw {len(media)}"
        # Edits in the cursor's own second with a lower identifier would sort before it (the client's
        # `overlap` exists for that); start the edits in the next second.
        await asyncio.sleep(1.1)
        chosen = random.Random(seed).sample(media, changed)
        for n, ident in enumerate(chosen):
            await ol.datatable.update(
                "Documents.All",
                {IDENTIFIER: ident},
                [set_value("CoreField.Title", f"Edited {n}")],
                verify=False,
            )
        calls = ol.session.attempts
        start = time.monotonic()
        found = await ol.search.changed_since(cursor)
        elapsed = time.monotonic() - start
        inc_calls = ol.session.attempts - calls
    ids = [a.system_identifier for a in found]
    return {
        "size": size,
        "changed": changed,
        "calls": inc_calls,
        "seconds": elapsed,
        "exact": len(ids) == len(set(ids)) and set(ids) == set(chosen),
        "returned": len(ids),
        "full_calls": full_calls,
        "full_seconds": full_time,
    }


def print_grid(title: str, header: list[str], rows: list[list[str]]) -> None:
    print(f"### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2000, 20000])
    parser.add_argument("--changed", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results = []
    for size in args.sizes:
        with sandbox_process({"catalog_size": size, "media": "synthetic"}) as info:
            results.append(asyncio.run(run(info, size, args.changed, args.seed)))
    header = ["catalog size", "changed", "calls", "time", "exact match", "initial full pass (setup)"]
    rows = [
        [
            f"{r['size']:,}",
            str(r["changed"]),
            str(r["calls"]),
            f"{r['seconds'] * 1000:.0f} ms",
            f"yes ({r['returned']} returned)" if r["exact"] else f"NO ({r['returned']} returned)",
            f"{r['full_calls']} calls, {r['full_seconds']:.1f} s",
        ]
        for r in results
    ]
    print_grid(f"Orange Logic incremental read via changed_since ({time.strftime('%Y-%m-%d')})", header, rows)
    if not all(r["exact"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()

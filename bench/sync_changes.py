"""Changed-assets benchmark: on a linked catalog, 100 assets change (half in Orange Logic, half in iconik,
one field each); one sync pass must carry every change across. Reports API calls per change per system
and wall time next to the minimum the APIs allow, and verifies every change arrived.

Setup (not measured, raised rate limits as in ``sync_steady_state.py``): the first and settling passes
link the catalog; then one throwaway edit per side, the sandbox clock moved past the capture lookback and
a pass, so the cursors sit on those two edits and the setup's last seconds are no longer inside the
lookback window; the clock is moved past the lookback again and the 100 edits are made through the
production clients. The limit is put back to the sandbox default and the measured pass runs through
``open_context`` (default governor).

    .venv/bin/python bench/sync_changes.py [--size 1000] [--changed 100]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table
from sync_steady_state import (
    Measured,
    default_pass,
    fast_context,
    linked_sandbox,
    measure,
    raise_limit,
    rejected_429s,
    restore_default_limit,
)

from assetbridge.config import LoadedConfig
from assetbridge.connectors.iconik.requests import MetadataWrite
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.engine.capture import SETTLE
from assetbridge.engine.context import OL_MODEL, SyncContext
from assetbridge.logs import configure_logging
from assetbridge.state import Database

OL_FIELD, OL_CANONICAL = "AB.Campaign", "campaign"  # edited in Orange Logic, lands in iconik metadata
IC_FIELD, IC_TARGET = "usage_restrictions", "AB.Restrictions"  # edited in iconik, lands in Orange Logic
Pair = tuple[str, str, str]  # record id, system identifier, iconik asset id


def advance_clock(info: dict[str, Any], seconds: float) -> None:
    url = info["iconik"]["control_url"] + "/clock/advance"
    httpx.post(url, json={"seconds": seconds}, timeout=10).raise_for_status()


async def edit(ctx: SyncContext, ol_pairs: list[Pair], ic_pairs: list[Pair], tag: str) -> None:
    view_id = (await ctx.schema()).view_id
    for n, (_, identifier, _) in enumerate(ol_pairs):
        await ctx.ol.datatable.update(
            OL_MODEL, {IDENTIFIER: identifier}, [set_value(OL_FIELD, f"{tag} OL {n}")], verify=False
        )
    for n, (_, _, asset_id) in enumerate(ic_pairs):
        await ctx.iconik.put_metadata(
            "assets", asset_id, view_id, MetadataWrite.of({IC_FIELD: [f"{tag} IC {n}"]})
        )


async def setup(info: dict[str, Any], loaded: LoadedConfig, changed: int, seed: int) -> list[Pair]:
    db = Database(loaded.state_url)
    try:
        async with fast_context(loaded, db) as ctx:
            first = await measure(ctx)
            await measure(ctx)
            pairs = sorted(
                (o.record_id, o.system_identifier, o.asset_id) for o in first.report.outcomes if o.asset_id
            )
            chosen = random.Random(seed).sample(pairs, changed + 2)
            await asyncio.to_thread(advance_clock, info, 10)
            await edit(ctx, chosen[:1], chosen[1:2], "Primer")
            await measure(ctx)
            await asyncio.to_thread(advance_clock, info, 10)
            edits = chosen[2:]
            await edit(ctx, edits[: changed // 2], edits[changed // 2 :], "Changed")
            return edits
    finally:
        db.dispose()


def settled_quiet_pass(info: dict[str, Any], loaded: LoadedConfig) -> Measured:
    """A pass with nothing to do: a pass's fixed calls (each pass opens its own context, so each reads
    the schema, as the measured one did). Before it, one pass reads back the measured pass's writes
    (echoes), once every change stamp has settled: the setup moved the sandbox clock ahead of the
    engine's, so that is its offset plus ``SETTLE`` later."""
    clock = httpx.get(info["iconik"]["control_url"] + "/clock", timeout=10).json()
    time.sleep(float(clock["offset"]) + SETTLE.total_seconds() + 0.5)
    asyncio.run(default_pass(loaded))
    return asyncio.run(default_pass(loaded))


def verify(info: dict[str, Any], edits: list[Pair], changed: int) -> list[str]:
    """The changes that did not arrive on the other side (empty when all did)."""
    ic = info["iconik"]
    headers = {"App-ID": ic["app_id"], "Auth-Token": ic["auth_token"]}
    missing = []
    with httpx.Client(base_url=ic["base_url"], headers=headers, timeout=10) as client:
        views = client.get("/API/metadata/v1/views/").json()["objects"]
        view_id = next(v["id"] for v in views if v["name"] == "AssetBridge")
        for n, (record_id, _, asset_id) in enumerate(edits[: changed // 2]):
            response = client.get(f"/API/metadata/v1/assets/{asset_id}/views/{view_id}/")
            response.raise_for_status()
            body = response.json()
            values = [
                v["value"] for v in body["metadata_values"].get(OL_CANONICAL, {}).get("field_values", [])
            ]
            if values != [f"Changed OL {n}"]:
                missing.append(f"{record_id}: iconik {OL_CANONICAL} = {values}")
    ol = httpx.get(info["orangelogic"]["control_url"] + "/orangelogic/assets", timeout=30).json()["assets"]
    by_record = {a["RecordID"]: a["Fields"] for a in ol}
    for n, (record_id, _, _) in enumerate(edits[changed // 2 :]):
        value = by_record[record_id].get(IC_TARGET)
        if value != f"Changed IC {n}":
            missing.append(f"{record_id}: Orange Logic {IC_TARGET} = {value!r}")
    return missing


def minimum_calls(changed: int) -> tuple[int, int]:
    """(Orange Logic, iconik) calls the changes need beyond a quiet pass's fixed ones, with these APIs.

    Orange Logic-edited: the feed page already holds the record; iconik is read with an asset GET
    (``title`` is an asset attribute) and a metadata GET (view fields are not on the asset), then one
    metadata PUT. iconik-edited: the feed's search hit is the asset, so one metadata GET; Orange Logic
    is read (DataTable), written (one update for all fields) and read back (read-only fields are dropped
    without an error, so a write is verified).
    """
    half = changed // 2
    return (changed - half) * 3, half * 3 + (changed - half) * 1


def rows_for(
    size: int, changed: int, m: Measured, quiet: tuple[int, int], missing: list[str]
) -> list[tuple[str, str]]:
    s = m.report.summary
    half = changed // 2
    min_ol, min_ic = minimum_calls(changed)
    quiet_ol, quiet_ic = quiet
    extra_ol, extra_ic = m.ol_calls - quiet_ol, m.iconik_calls - quiet_ic
    return [
        ("linked catalog", f"{size:,}"),
        ("changed assets", f"{changed} ({half} in Orange Logic, {changed - half} in iconik, one field each)"),
        ("pairs synced in the pass", str(s["pairs"])),
        ("writes (Orange Logic / iconik)", f"{s['writes_orangelogic']} / {s['writes_iconik']}"),
        ("Orange Logic calls", f"{m.ol_calls} ({m.ol_calls / changed:.2f} per change)"),
        ("iconik calls", f"{m.iconik_calls} ({m.iconik_calls / changed:.2f} per change)"),
        ("total calls per change", f"{(m.ol_calls + m.iconik_calls) / changed:.2f}"),
        ("a quiet pass's fixed calls (OL / iconik)", f"{quiet_ol} / {quiet_ic}"),
        (
            "calls beyond the quiet pass (OL / iconik)",
            f"{extra_ol} / {extra_ic} ({(extra_ol + extra_ic) / changed:.2f} per change)",
        ),
        (
            "minimum with these APIs (see note)",
            f"OL {min_ol}, iconik {min_ic} ({(min_ol + min_ic) / changed:.2f} per change) "
            "beyond the fixed calls",
        ),
        ("pass time", f"{m.seconds:.2f} s ({m.seconds / changed * 1000:.0f} ms per change)"),
        ("all changes arrived", "yes" if not missing else f"NO ({len(missing)} missing)"),
    ]


def main() -> None:
    configure_logging("ERROR")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    with linked_sandbox(args.size) as (info, loaded):
        edits = asyncio.run(setup(info, loaded, args.changed, args.seed))
        restore_default_limit(info)
        before = rejected_429s(info)
        measured = asyncio.run(default_pass(loaded))
        throttled = rejected_429s(info) - before
        raise_limit(info)  # for the verification reads
        missing = verify(info, edits, args.changed)
        quiet = settled_quiet_pass(info, loaded)
    rows = rows_for(args.size, args.changed, measured, (quiet.ol_calls, quiet.iconik_calls), missing)
    rows.insert(-1, ("iconik 429 responses", str(throttled)))
    print_table(f"Sync of {args.changed} changed assets ({time.strftime('%Y-%m-%d')})", rows)
    print(
        "\nMeasured with the sandbox's default iconik limit and the default governor (48/s); setup with "
        "raised limits (PUT /_sandbox/iconik/rate_limit). Minimum: "
        + " ".join(line.strip() for line in (minimum_calls.__doc__ or "").splitlines()[2:] if line.strip())
        + " The fixed calls (token, schema, one feed page per side) are measured by a quiet pass "
        "afterwards; the feed pages of a pass with changes hold up to 100 (Orange Logic) and 500 (iconik) "
        "changed records each."
    )
    for line in missing:
        print(f"MISSING: {line}", file=sys.stderr)
    if missing or not measured.report.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

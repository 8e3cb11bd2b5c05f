"""Rights expiry benchmark: K assets whose rights windows end at the same second while ``assetbridge run``
runs (poll interval 30 min, so only the durable timers can act). How long after the window end is each
asset's access revoked (the ``rights_revoked`` audit row, written once iconik is done)? p50/p95/max over K.

Setup (not measured): a sandbox in its own process with N records, a first sync pass in this process links
the catalog, the sandbox's iconik limit goes back to its default (50/s), ``assetbridge run`` starts with
``flows.rights`` enabled (action ``unshare``) and Orange Logic webhooks on; its start-up evaluation gives
every record a rights state. K records with open rights are each put into a shared collection with one URL
share, then their ``AB.Rights-end`` is set to the same time T (now + lead seconds) through the production
client; the webhook → sync → evaluation path arms one timer per record. At T the timers fire.

    .venv/bin/python bench/rights_expiry.py [--size 60] [--expiring 40] [--lead 25]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process
from sync_steady_state import rejected_429s, restore_default_limit, sandbox_overrides, write_config
from sync_webhook_latency import free_port, link_catalog, percentile, running_service

from assetbridge.config import load_config
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.engine.context import OL_MODEL, open_context
from assetbridge.logs import configure_logging
from assetbridge.state import Database
from assetbridge.state.repositories.rights import RightsRepo

OL_SECRET = "bench-ol-webhook-secret"


def enable_rights(config: Path, env: dict[str, str], port: int) -> None:
    document = yaml.safe_load(config.read_text(encoding="utf-8"))
    document["flows"]["metadata_sync"]["poll_interval_seconds"] = 1800
    document["flows"]["rights"] = {**document["flows"]["rights"], "enabled": True, "action": "unshare"}
    document["receiver"] = {"host": "127.0.0.1", "port": port, "orangelogic_secrets": ["${BENCH_OL_SECRET}"]}
    config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env["BENCH_OL_SECRET"] = OL_SECRET


def rights_rows(state_url: str) -> dict[str, tuple[str, datetime | None]]:
    db = Database(state_url)
    try:
        with db.session() as session:
            return {r.record_id: (r.access, r.next_change_at) for r in RightsRepo(session).all()}
    finally:
        db.dispose()


def revocations(state_url: str) -> dict[str, datetime]:
    db = Database(state_url)
    try:
        with db.unit_of_work() as uow:
            rows = uow.audit.recent(action="rights_revoked", limit=100_000)
            return {str((e.details or {}).get("record_id")): e.at for e in rows}
    finally:
        db.dispose()


def wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise RuntimeError(f"timed out waiting for {what}")


async def set_ends(config: Path, env: dict[str, str], identifiers: list[str], end: str) -> None:
    loaded = load_config(config, env)
    async with open_context(loaded, upgrade=False) as ctx:
        for identifier in identifiers:
            await ctx.ol.datatable.update(
                OL_MODEL, {IDENTIFIER: identifier}, [set_value("AB.Rights-end", end)]
            )


def post(iconik: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """A setup call, waiting out the sandbox's rate limit (the service shares it)."""
    for _ in range(100):
        response = iconik.post(path, json=body)
        if response.status_code != 429:
            response.raise_for_status()
            data: dict[str, Any] = response.json() if response.content else {}
            return data
        time.sleep(0.2)
    raise RuntimeError(f"iconik kept answering 429 to POST {path}")


def share_and_collect(iconik: httpx.Client, collection_id: str, asset_id: str) -> None:
    post(
        iconik,
        f"/API/assets/v1/collections/{collection_id}/contents/",
        {"object_id": asset_id, "object_type": "assets"},
    )
    flags = {
        "allow_approving_comments": False,
        "allow_comments": True,
        "allow_download": False,
        "allow_setting_approve_status": False,
    }
    post(iconik, f"/API/assets/v1/assets/{asset_id}/shares/url/", {"title": "agency", **flags})


def run(size: int, expiring: int, lead: float) -> tuple[list[tuple[str, str]], bool]:
    with (
        sandbox_process(sandbox_overrides(size)) as info,
        tempfile.TemporaryDirectory(prefix="ab-rights-") as tmp,
    ):
        state_url = f"sqlite:///{Path(tmp) / 'state.db'}"
        config, env = write_config(info, state_url, Path(tmp), {"metadata_sync": {"debounce_seconds": 0}})
        port = free_port()
        enable_rights(config, env, port)
        pairs = dict(asyncio.run(link_catalog(config, env)))
        restore_default_limit(info)
        ic = info["iconik"]
        headers = {"App-ID": ic["app_id"], "Auth-Token": ic["auth_token"]}
        control = info["orangelogic"]["control_url"] + "/orangelogic"
        with (
            httpx.Client(base_url=ic["base_url"], headers=headers, timeout=10) as iconik,
            httpx.Client(base_url=control, timeout=10) as ol,
        ):
            ol.put("/webhooks/enabled", json={"enabled": True}).raise_for_status()
            ol.post(
                "/webhooks",
                json={"url": f"http://127.0.0.1:{port}/webhooks/orangelogic", "secret": OL_SECRET},
            )
            with running_service(config, env):
                states = wait(
                    lambda: (s := rights_rows(state_url)) and len(s) == len(pairs) and s, 120, "states"
                )
                granted = sorted(r for r, (access, _) in states.items() if access == "granted")[:expiring]
                collection = post(iconik, "/API/assets/v1/collections/", {"title": "Agency share"})
                for record_id in granted:
                    share_and_collect(iconik, collection["id"], pairs[record_id])
                records = {a["RecordID"]: a["SystemIdentifier"] for a in ol.get("/assets").json()["assets"]}
                end = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)
                throttled = rejected_429s(info)
                asyncio.run(
                    set_ends(config, env, [records[r] for r in granted], end.strftime("%Y-%m-%dT%H:%M:%S"))
                )
                armed = wait(
                    lambda: all(rights_rows(state_url)[r][1] == end for r in granted), lead, "timers armed"
                )
                armed_by = datetime.now(UTC)
                done = wait(
                    lambda: (rev := revocations(state_url)) and all(r in rev for r in granted) and rev,
                    lead + 120,
                    "revocations",
                )
                throttled = rejected_429s(info) - throttled
                left = iconik.get(f"/API/assets/v1/collections/{collection['id']}/contents/").json()[
                    "objects"
                ]
        lags = [(done[r] - end).total_seconds() for r in granted]
    rows = [
        ("catalog size / assets expiring at the same second", f"{size} / {len(granted)}"),
        ("action", "unshare (1 collection + 1 URL share per asset)"),
        ("timers armed before the end", f"{armed} ({(end - armed_by).total_seconds():.1f} s to spare)"),
        ("revoked", f"{len(lags)} of {len(granted)}; left in the shared collection: {len(left)}"),
        ("revoked before the window end", str(sum(1 for lag in lags if lag < 0))),
        ("lag after the end p50", f"{percentile(lags, 50) * 1000:.0f} ms"),
        ("lag after the end p95", f"{percentile(lags, 95) * 1000:.0f} ms"),
        ("lag after the end max", f"{max(lags) * 1000:.0f} ms"),
        ("iconik 429 responses from the edits to the last revocation", str(throttled)),
    ]
    return rows, not left and all(lag >= 0 for lag in lags)


def main() -> None:
    configure_logging("ERROR")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--expiring", type=int, default=40)
    parser.add_argument("--lead", type=float, default=25.0, help="seconds from the edits to the window end")
    args = parser.parse_args()
    rows, ok = run(args.size, args.expiring, args.lead)
    print_table(f"Rights expiry, timers under assetbridge run ({time.strftime('%Y-%m-%d')})", rows)
    print(
        "\nLag = the rights_revoked audit row's time (written after the iconik calls) minus the window end; "
        "`assetbridge run` in its own process (4 jobs at a time), sandbox in another, default iconik limit."
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Webhook-to-write benchmark: with ``assetbridge run`` running (debounce 0), how long from an iconik edit
(its API call returned) until the value is visible in Orange Logic? p50/p95 over N edits (target p95 < 1 s).

Setup: a sandbox in its own process (N linked-to-be records, synthetic media), a first sync pass in this
process links the catalog, the sandbox's iconik rate limit goes back to its default (50/s), then
``assetbridge run --config FILE`` starts as a subprocess on a free receiver port; it registers its own
iconik webhook and runs its start-up poll (waited out). Each edit is a metadata PUT through the view on
a different linked asset (``usage_restrictions``, mapped to ``AB.Restrictions``); the sandbox's control
API is then polled every 5 ms for that record until the value appears (10 s timeout = a lost edit). The
next edit starts after the previous one arrived.

    .venv/bin/python bench/sync_webhook_latency.py [--edits 50]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from _sandbox import print_table, sandbox_process
from sync_steady_state import (
    fast_context,
    measure,
    rejected_429s,
    restore_default_limit,
    sandbox_overrides,
    write_config,
)

from assetbridge.config import load_config
from assetbridge.logs import configure_logging
from assetbridge.state import Database

IC_FIELD, OL_FIELD = "usage_restrictions", "AB.Restrictions"
TIMEOUT = 10.0
POLL = 0.005


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def link_catalog(config: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """First sync pass; the (RecordID, iconik asset id) of every linked pair."""
    loaded = load_config(config, env)
    db = Database(loaded.state_url)
    try:
        async with fast_context(loaded, db) as ctx:
            first = await measure(ctx)
    finally:
        db.dispose()
    if not first.report.ok:
        raise RuntimeError(f"setup pass failed: {first.report.summary}")
    return sorted((o.record_id, o.asset_id) for o in first.report.outcomes if o.asset_id)


@contextmanager
def running_service(config: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    exe = Path(sys.executable).parent / "assetbridge"
    proc = subprocess.Popen(
        [str(exe), "--log-level", "WARNING", "run", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "assetbridge running: …" once the receiver and webhooks are up
        if "assetbridge running" not in line:
            raise RuntimeError(f"assetbridge run did not start (exit {proc.poll()}): {line!r}")
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def edit_and_wait(
    iconik: httpx.Client, control: httpx.Client, view_id: str, record_id: str, asset_id: str, value: str
) -> float | None:
    body = {"metadata_values": {IC_FIELD: {"field_values": [{"value": value}]}}}
    response = iconik.put(f"/API/metadata/v1/assets/{asset_id}/views/{view_id}/", json=body)
    response.raise_for_status()
    start = time.monotonic()
    while time.monotonic() - start < TIMEOUT:
        fields = control.get(f"/assets/{record_id}").json().get("Fields", {})
        if fields.get(OL_FIELD) == value:
            return time.monotonic() - start
        time.sleep(POLL)
    return None


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def run(edits: int, settle: float) -> tuple[list[tuple[str, str]], bool]:
    with (
        sandbox_process(sandbox_overrides(edits + 5)) as info,
        tempfile.TemporaryDirectory(prefix="ab-webhook-") as tmp,
    ):
        state_url = f"sqlite:///{Path(tmp) / 'state.db'}"
        config, env = write_config(info, state_url, Path(tmp), {"metadata_sync": {"debounce_seconds": 0}})
        env["ASSETBRIDGE_RECEIVER_PORT"] = str(free_port())
        pairs = asyncio.run(link_catalog(config, env))[:edits]
        restore_default_limit(info)
        ic = info["iconik"]
        headers = {"App-ID": ic["app_id"], "Auth-Token": ic["auth_token"]}
        latencies: list[float] = []
        lost: list[str] = []
        with (
            httpx.Client(base_url=ic["base_url"], headers=headers, timeout=10) as iconik,
            httpx.Client(base_url=info["orangelogic"]["control_url"] + "/orangelogic", timeout=10) as control,
            running_service(config, env),
        ):
            time.sleep(settle)  # the start-up poll (a full capture pass) runs first
            views = iconik.get("/API/metadata/v1/views/").json()["objects"]
            view_id = next(v["id"] for v in views if v["name"] == "AssetBridge")
            receiver = f":{env['ASSETBRIDGE_RECEIVER_PORT']}/"
            hooks = [
                h
                for h in iconik.get("/API/notifications/v1/webhooks/").json().get("objects", [])
                if receiver in str(h.get("url", ""))
            ]
            throttled = rejected_429s(info)
            for n, (record_id, asset_id) in enumerate(pairs):
                latency = edit_and_wait(iconik, control, view_id, record_id, asset_id, f"Webhook edit {n}")
                if latency is None:
                    lost.append(record_id)
                else:
                    latencies.append(latency)
            throttled = rejected_429s(info) - throttled
    rows = [
        ("edits (one iconik metadata PUT each, different assets)", str(len(pairs))),
        ("iconik webhooks registered by assetbridge run", str(len(hooks))),
        ("debounce", "0 s"),
        ("arrived in Orange Logic", f"{len(latencies)} of {len(pairs)}"),
    ]
    if latencies:
        p95 = percentile(latencies, 95)
        rows += [
            ("p50", f"{percentile(latencies, 50) * 1000:.0f} ms"),
            ("p95", f"{p95 * 1000:.0f} ms (target < 1000 ms: {'met' if p95 < 1 else 'NOT met'})"),
            ("min / max", f"{min(latencies) * 1000:.0f} ms / {max(latencies) * 1000:.0f} ms"),
        ]
    rows.append(("iconik 429 responses during the edits", str(throttled)))
    return rows, not lost and len(pairs) == edits


def main() -> None:
    configure_logging("ERROR")
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--settle", type=float, default=8.0, help="seconds to let the start-up poll finish")
    args = parser.parse_args()
    rows, ok = run(args.edits, args.settle)
    print_table(f"Webhook to write, iconik edit → Orange Logic ({time.strftime('%Y-%m-%d')})", rows)
    print(
        "\nMeasured from the iconik PUT's response to the first control-API read showing the value in "
        "Orange Logic (polled every 5 ms); `assetbridge run` in its own process, sandbox in another, "
        "default iconik limit and governor."
    )
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()

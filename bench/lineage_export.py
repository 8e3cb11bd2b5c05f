"""Lineage export benchmark: N lineage events (default 100,000) exported as CSV, JSON Lines and Parquet
through the real ``assetbridge lineage export`` command; reports rows/s and the command's peak RSS, and the
peak RSS for a tenth of the events, to show memory does not grow with the table (exports stream in batches).

The state is a SQLite file filled directly through the lineage repository's table (one bulk insert); each
export runs as a fresh child process (peak RSS is per process).

    .venv/bin/python bench/lineage_export.py [--events 100000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _sandbox import print_table

from assetbridge.state import Database
from assetbridge.state.models_lineage import LINEAGE_EVENTS, LineageEvent

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sandbox.yaml"


def fill(state_url: str, count: int) -> None:
    db = Database(state_url)
    db.upgrade()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        {
            "at": start + timedelta(seconds=i),
            "event": LINEAGE_EVENTS[i % len(LINEAGE_EVENTS)],
            "flow": "bench",
            "record_id": f"REC{i:08d}",
            "system_identifier": f"AB-{i:08d}",
            "asset_id": f"{i:08d}-0000-4000-8000-000000000000",
            "version_id": f"v-{i:08d}",
            "related_kind": "collection",
            "related_id": f"coll-{i % 97}",
            "details": {"n": i, "note": "benchmark row"},
        }
        for i in range(count)
    ]
    with db.engine.begin() as conn:
        for first in range(0, count, 10_000):
            conn.execute(sa.insert(LineageEvent), rows[first : first + 10_000])
    db.dispose()


# The child runs the real command in-process and reports its own peak RSS and the command's own time
# (interpreter and import start-up excluded; they are the same for any table size).
CHILD = """
import re, sys, time
from pathlib import Path
from assetbridge.cli.main import cli
started = time.perf_counter()
try:
    cli(sys.argv[1:])
except SystemExit as exit:
    if exit.code:
        raise
seconds = time.perf_counter() - started
# VmHWM: this process's own peak (ru_maxrss would carry the forking parent's peak across exec)
hwm_kib = int(re.search(r"VmHWM:\\s+(\\d+)", Path("/proc/self/status").read_text()).group(1))
print(seconds, hwm_kib / 1024, file=sys.stderr)
"""


def export(state_url: str, fmt: str, out: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one ``assetbridge lineage export`` in a fresh child process."""
    env = {
        **os.environ,
        "ASSETBRIDGE_STATE_URL": state_url,
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "unused",
        "ASSETBRIDGE_OL_CLIENT_SECRET": "unused",
    }
    args = ["lineage", "export", "--format", fmt, "-o", str(out), "--config", str(EXAMPLE)]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args], env=env, check=True, capture_output=True, text=True
    )
    seconds, rss = done.stderr.strip().splitlines()[-1].split()
    return float(seconds), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    small = max(1, args.events // 10)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="ab-lineage-bench-") as tmp:
        results: dict[tuple[int, str], tuple[float, float, int]] = {}
        for count in (small, args.events):
            state_url = f"sqlite:///{tmp}/state-{count}.db"
            fill(state_url, count)
            for fmt in ("csv", "jsonl", "parquet"):
                out = Path(tmp) / f"lineage-{count}.{fmt}"
                seconds, rss = export(state_url, fmt, out)
                results[(count, fmt)] = (seconds, rss, out.stat().st_size)
        for (count, fmt), (seconds, rss, size) in results.items():
            rows.append(
                (
                    f"{count:,} events, {fmt}",
                    f"{seconds:.2f} s ({count / seconds:,.0f} rows/s), {size / 1e6:.1f} MB, "
                    f"peak RSS {rss:.0f} MiB",
                )
            )
    print_table(f"lineage export ({datetime.now(UTC):%Y-%m-%d})", rows)


if __name__ == "__main__":
    main()

"""``assetbridge demo --exit-after-sync`` end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml


def test_demo_starts_checks_syncs_and_exits(tmp_path: Path) -> None:
    sandbox_config = tmp_path / "sandbox.yaml"
    sandbox_config.write_text(
        yaml.safe_dump(
            {
                "data_dir": str(tmp_path / "data"),
                "catalog_size": 8,
                "media": "synthetic",
                "iconik": {"port": 0},
                "orangelogic": {"port": 0},
                "storage": {"port": 0},
            }
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETBRIDGE_")}
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "assetbridge"),
            "demo",
            "--sandbox-config",
            str(sandbox_config),
            "--exit-after-sync",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "AssetBridge sandbox is running" in out
    assert "check passed" in out
    assert "8 assets, 8 created, 8 linked" in out and "0 failed" in out
    assert "assetbridge sync --config" in out and "assetbridge history" in out
    assert (tmp_path / "data" / "assetbridge-demo.db").exists()

    # the lineage export the demo suggests reads what the demo did: one "linked" row per seeded asset
    assert "assetbridge lineage export --format csv" in out
    example = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
    exported = subprocess.run(
        [
            str(Path(sys.executable).parent / "assetbridge"),
            "lineage",
            "export",
            "--format=jsonl",
            "--config",
            str(example),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **env,
            "ASSETBRIDGE_STATE_URL": f"sqlite:///{tmp_path / 'data' / 'assetbridge-demo.db'}",
            "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "not-used-by-an-export",
            "ASSETBRIDGE_OL_CLIENT_SECRET": "not-used-by-an-export",
        },
    )
    assert exported.returncode == 0, exported.stderr
    rows = [line for line in exported.stdout.splitlines() if line.strip()]
    assert len(rows) == 8 and all('"event": "linked"' in row for row in rows)

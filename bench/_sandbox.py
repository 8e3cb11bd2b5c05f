"""Start the sandbox in its own process for a benchmark, so client and server don't share a CPU budget
or a memory measurement. Loopback only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "sandbox.yaml"


def write_config(
    info: dict[str, Any], state_url: str, tmp: Path, flows: dict[str, dict[str, Any]] | None = None
) -> tuple[Path, dict[str, str]]:
    """``examples/sandbox.yaml`` written in ``tmp`` with ``flows`` settings merged over the example's, and the
    env vars pointing it at the running sandbox (``info``) and the state database."""
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    for name, settings in (flows or {}).items():
        document["flows"][name] = {**(document["flows"].get(name) or {}), **settings}
    path = tmp / "assetbridge.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    env = {
        "ASSETBRIDGE_ICONIK_URL": info["iconik"]["base_url"],
        "ASSETBRIDGE_ICONIK_APP_ID": info["iconik"]["app_id"],
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": info["iconik"]["auth_token"],
        "ASSETBRIDGE_OL_URL": info["orangelogic"]["base_url"],
        "ASSETBRIDGE_OL_CLIENT_ID": info["orangelogic"]["client_id"],
        "ASSETBRIDGE_OL_CLIENT_SECRET": info["orangelogic"]["client_secret"],
        "ASSETBRIDGE_STATE_URL": state_url,
    }
    return path, env


@contextmanager
def sandbox_process(config: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Run ``assetbridge sandbox up`` with ``config`` (ports default to 0) and yield its info JSON."""
    with tempfile.TemporaryDirectory(prefix="ab-bench-") as tmp:
        base: dict[str, Any] = {
            "data_dir": str(Path(tmp) / "data"),
            "catalog_size": 0,
            "iconik": {"port": 0},
            "orangelogic": {"port": 0},
            "storage": {"port": 0},
        }
        for key, value in config.items():
            current = base.get(key)
            base[key] = (
                {**current, **value} if isinstance(value, dict) and isinstance(current, dict) else value
            )
        cfg_path = Path(tmp) / "sandbox.yaml"
        cfg_path.write_text(yaml.safe_dump(base), encoding="utf-8")
        info_path = Path(tmp) / "info.json"
        exe = Path(sys.executable).parent / "assetbridge"
        proc = subprocess.Popen(
            [str(exe), "sandbox", "up", "--config", str(cfg_path), "--info", str(info_path)],
            stdout=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if info_path.exists():
                    info: dict[str, Any] = json.loads(info_path.read_text(encoding="utf-8"))
                    try:
                        httpx.get(info["iconik"]["control_url"] + "/health", timeout=2).raise_for_status()
                        info["pid"] = proc.pid
                        yield info
                        break
                    except httpx.TransportError:
                        pass
                if proc.poll() is not None:
                    raise RuntimeError(f"sandbox exited with {proc.returncode}")
                time.sleep(0.1)
            else:
                raise RuntimeError("sandbox did not start within 60 s")
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def print_table(title: str, rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    lines = [f"### {title}", "", f"| {'metric'.ljust(width)} | value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {k.ljust(width)} | {v} |" for k, v in rows]
    text = "\n".join(lines)
    print(text)
    return text

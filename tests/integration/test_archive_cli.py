"""``assetbridge archive run|verify`` over the sandbox: exit codes and the asset named on a mismatch."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from tests.integration.test_archive import COMPLETED, Stage

from assetbridge.cli.main import cli


async def _prepare(stage: Stage) -> tuple[str, str]:
    await stage.setup()
    async with stage.context() as ctx:
        cid = await stage.project(ctx, "Cli film", COMPLETED)
        first = await stage.asset(ctx, cid, "one.mov", 30_000, "master")
        await stage.asset(ctx, cid, "two.mov", 30_000, "master")
        return cid, first


async def _replace(stage: Stage, record_id: str) -> None:
    changed = stage.tmp_path / "changed.mov"
    changed.write_bytes(os.urandom(500))
    async with stage.context() as ctx:
        await ctx.ol.uploads.upload_version(changed, record_id)


def test_archive_run_then_verify_names_a_changed_asset(tmp_path: Path, sandbox_factory: Any) -> None:
    stage = Stage(tmp_path / "stage", sandbox_factory(catalog_size=5))
    try:
        cid, first = asyncio.run(_prepare(stage))
        args = ["--config", str(stage.config_path)]
        runner = CliRunner()

        planned = runner.invoke(cli, ["archive", "run", "--dry-run", "--json", *args], env=stage.env)
        assert planned.exit_code == 0, planned.output
        [plan] = json.loads(planned.stdout)
        assert plan["collection_id"] == cid
        assert {a["outcome"] for a in plan["assets"]} == {"planned"}

        ran = runner.invoke(cli, ["archive", "run", "--project", cid, "--json", *args], env=stage.env)
        assert ran.exit_code == 0, ran.output
        [report] = json.loads(ran.stdout)
        records = {a["asset_id"]: a["record_id"] for a in report["assets"]}
        assert {a["outcome"] for a in report["assets"]} == {"archived"}

        ok = runner.invoke(cli, ["archive", "verify", "PRJ-77", *args], env=stage.env)
        assert ok.exit_code == 0, ok.output
        assert "3 of 3 match" in ok.stdout

        asyncio.run(_replace(stage, records[first]))
        bad = runner.invoke(cli, ["archive", "verify", "PRJ-77", *args], env=stage.env)
        assert bad.exit_code == 1
        assert f"MISMATCH: asset {first} (Orange Logic {records[first]})" in bad.stderr

        unknown = runner.invoke(cli, ["archive", "verify", "PRJ-404", *args], env=stage.env)
        assert unknown.exit_code == 2
        assert "no archived project 'PRJ-404'" in unknown.stderr
    finally:
        stage.close()

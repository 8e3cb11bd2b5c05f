"""``assetbridge demo``: the seeded sandbox, ``check`` and a first metadata sync, with no credentials needed.

The sandbox runs in this process (background thread); ``examples/sandbox.yaml`` is pointed at it through
the environment variables it reads, with the state in the sandbox's data folder. After the first pass it
prints what to try next and keeps the sandbox up until Ctrl-C (``--exit-after-sync`` stops there).
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import click

from assetbridge.cli.sandbox import describe, start_sandbox
from assetbridge.cli.sync_cmd import EXIT_FAILED, EXIT_OK, load, print_pass
from assetbridge.engine.context import open_context
from assetbridge.engine.schema_check import check_live
from assetbridge.engine.sync_pass import PassReport, run_pass

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sandbox.yaml"


def _environment(info: dict[str, object], state_path: Path) -> dict[str, str]:
    iconik = info["iconik"]
    ol = info["orangelogic"]
    assert isinstance(iconik, dict) and isinstance(ol, dict)
    return {
        "ASSETBRIDGE_ICONIK_URL": str(iconik["base_url"]),
        "ASSETBRIDGE_ICONIK_APP_ID": str(iconik["app_id"]),
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": str(iconik["auth_token"]),
        "ASSETBRIDGE_OL_URL": str(ol["base_url"]),
        "ASSETBRIDGE_OL_CLIENT_ID": str(ol["client_id"]),
        "ASSETBRIDGE_OL_CLIENT_SECRET": str(ol["client_secret"]),
        "ASSETBRIDGE_STATE_URL": f"sqlite:///{state_path}",
    }


def _next_steps(config: Path, env: dict[str, str], report: PassReport) -> str:
    exports = " ".join(f"{k}={v}" for k, v in env.items() if "SECRET" not in k and "TOKEN" not in k)
    example = next((o for o in report.outcomes if o.asset_id), None)
    lines = [
        "",
        "Try next (in another terminal, with these variables exported):",
        f"  export {exports}",
        "  export ASSETBRIDGE_ICONIK_AUTH_TOKEN=sandbox-auth-token",
        "  export ASSETBRIDGE_OL_CLIENT_SECRET=sandbox-secret",
        f"  assetbridge plan --config {config}        # what a pass would write (nothing now)",
        "  # edit a field in either system, then:",
        f"  assetbridge sync --config {config}        # the edit flows to the other side",
        f"  assetbridge status --config {config}",
    ]
    if example is not None:
        lines.append(f"  assetbridge history {example.record_id} --config {config}")
    lines += [
        f"  assetbridge lineage export --format csv --config {config}   # which record became which asset",
        "  # the other flows are in the same file, switched off: set flows.publish.enabled (and campaigns,",
        "  # rights, media.original_on_request, review, archive) to true, then:",
        f"  assetbridge plan --config {config}        # the publish writes; rules selecting nothing/all",
        f"  assetbridge run --config {config}         # the service: webhooks, timers, the custom action",
    ]
    lines.append("Ctrl-C stops the sandbox.")
    return "\n".join(lines)


@click.command()
@click.option("--info", "info_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option(
    "--sandbox-config",
    "sandbox_config",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Sandbox YAML (ports, catalog size); default: fixed loopback ports and 40 assets.",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=EXAMPLE,
    show_default=True,
    help="The AssetBridge YAML to sync with.",
)
@click.option("--exit-after-sync", is_flag=True, help="Stop after the first sync pass (for scripts).")
def demo(
    info_path: Path | None, sandbox_config: Path | None, config_path: Path, exit_after_sync: bool
) -> None:
    """Start the seeded sandbox, check the mapping, run a first sync and show what to try next."""
    server = start_sandbox(sandbox_config, info_path)
    server.start()
    try:
        info = server.info()
        state_path = Path(str(info["data_dir"])).resolve() / "assetbridge-demo.db"
        # the sandbox is seeded afresh on every start, so the demo's state starts afresh too
        for stale in (
            state_path,
            state_path.with_name(state_path.name + "-wal"),
            state_path.with_name(state_path.name + "-shm"),
        ):
            stale.unlink(missing_ok=True)
        env = _environment(info, state_path)
        os.environ.update(env)
        click.echo(describe(server))
        loaded = load(config_path)
        schema = asyncio.run(check_live(loaded))
        for finding in schema.findings:
            where = finding.field or finding.target
            click.echo(f"check {finding.severity}: {finding.side}: {where}: {finding.message}")
        if not schema.ok:
            click.echo("check failed: the mapping does not fit the sandbox; not syncing", err=True)
            raise SystemExit(EXIT_FAILED)
        click.echo("check passed; running the first sync pass...")

        async def first_pass() -> PassReport:
            async with open_context(loaded) as ctx:
                return await run_pass(ctx)

        report = asyncio.run(first_pass())
        print_pass(report)
        click.echo(_next_steps(config_path, env, report))
        if exit_after_sync:
            raise SystemExit(EXIT_OK if report.ok else EXIT_FAILED)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            click.echo("stopping the sandbox")
    finally:
        server.stop()

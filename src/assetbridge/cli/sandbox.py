"""``assetbridge sandbox``: run the local emulators of iconik, Orange Logic and cloud storage.

This is the one place the engine package imports ``assetbridge_sandbox`` (allowed by the
import-linter contract): the sandbox is a product feature for rehearsing mappings and flows.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from assetbridge_sandbox.config import SandboxConfigError, load_config
from assetbridge_sandbox.server import SandboxServer


def start_sandbox(config_path: Path | None, info_path: Path | None) -> SandboxServer:
    try:
        config = load_config(config_path)
    except SandboxConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        server = SandboxServer(config)
    except OSError as exc:
        raise click.ClickException(str(exc)) from exc
    if info_path is not None:
        server.write_info(info_path)
    return server


def describe(server: SandboxServer) -> str:
    info = server.info()
    ic, ol, st = info["iconik"], info["orangelogic"], info["storage"]
    return "\n".join(
        [
            "AssetBridge sandbox is running (loopback only; Ctrl-C stops it).",
            f"  iconik        {ic['base_url']}   App-ID: {ic['app_id']}   Auth-Token: {ic['auth_token']}",
            f"  Orange Logic  {ol['base_url']}   client: {ol['client_id']} / {ol['client_secret']}"
            f"   login: {ol['login']} / {ol['password']}",
            f"  storage       {st['base_url']}",
            f"  control API   <base_url>/_sandbox/   data: {info['data_dir']}",
        ]
    )


@click.group()
def sandbox() -> None:
    """Local emulators of iconik, Orange Logic and signed-URL storage."""


@sandbox.command("up")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Sandbox YAML (ports, seed, catalog size, rate limits, latency, faults).",
)
@click.option(
    "--info",
    "info_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write base URLs and credentials as JSON to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the connection info as JSON.")
def up(config_path: Path | None, info_path: Path | None, as_json: bool) -> None:
    """Start the sandbox in the foreground with seeded data."""
    server = start_sandbox(config_path, info_path)
    click.echo(json.dumps(server.info()) if as_json else describe(server))
    server.serve_forever()

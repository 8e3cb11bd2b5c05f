"""``assetbridge rights report``: upcoming rights changes, doubtful decisions and past enforcements."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from assetbridge.cli.sync_cmd import config_option, json_option, load, open_state
from assetbridge.engine.rights import rights_report


@click.group()
def rights() -> None:
    """Rights-aware sharing (flows.rights)."""


def _values(values: Any) -> str:
    if not isinstance(values, dict):
        return ""
    return ", ".join(f"{k}={v!r}" for k, v in values.items() if v not in (None, "", []))


@rights.command("report")
@config_option
@json_option
@click.option("--limit", default=200, show_default=True, help="Rows per section.")
def report(config_path: Path, as_json: bool, limit: int) -> None:
    """Upcoming expiries and starts (asset, when, what happens) and past enforcements (when, what, based
    on which Orange Logic values); doubtful decisions (bad rights input) are listed per asset."""
    loaded = load(config_path)
    db = open_state(loaded)
    try:
        data = rights_report(db, limit=limit)
    finally:
        db.dispose()
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if not loaded.config.flows.rights.enabled:
        click.echo("note: flows.rights is disabled in this configuration")
    states = data["states"]
    click.echo(f"access: {states['granted']} granted, {states['revoked']} revoked")
    click.echo(f"\nupcoming ({len(data['upcoming'])}):")
    for row in data["upcoming"]:
        click.echo(f"  {row['at']}  {row['record_id']:<12} asset {row['asset_id']}  then {row['then']}")
    if data["doubtful"]:
        click.echo(f"\ndoubtful rights input ({len(data['doubtful'])}) - access kept closed:")
        for row in data["doubtful"]:
            click.echo(f"  {row['record_id']:<12} {row['reason']}")
    click.echo(f"\nenforcements ({len(data['enforcements'])}):")
    for row in data["enforcements"]:
        click.echo(
            f"  {row['at']}  {row['access']:<8} {row['record_id']:<12} asset {row['asset_id']}  "
            f"{row['action']}: {row['reason']}  [{_values(row['rights_values'])}]"
        )

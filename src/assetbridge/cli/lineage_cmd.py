"""``assetbridge lineage export``: the lineage table for BI tools (CSV, JSON Lines, Parquet)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from assetbridge.cli.sync_cmd import config_option, load, open_state
from assetbridge.engine.lineage import FORMATS, ExportFormat, export_lineage


def parse_since(value: str | None) -> datetime | None:
    """ISO 8601 date or datetime; without a zone it is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 date or time (e.g. 2026-12-01 or 2026-12-01T08:00:00Z)",
            param_hint="--since",
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


@click.group()
def lineage() -> None:
    """Which governed asset became which production asset, version, share and archive."""


@lineage.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--since", help="Only events at or after this time (ISO 8601; UTC when no zone is given).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="File to write (default: standard output; Parquet needs a file).",
)
@config_option
def export(fmt: ExportFormat, since: str | None, output: Path | None, config_path: Path) -> None:
    """Write every lineage event with both systems' ids (the ``lineage`` SQL view)."""
    start = parse_since(since)
    if fmt == "parquet" and output is None:
        raise click.UsageError("--format parquet writes a binary file: give it --output FILE")
    db = open_state(load(config_path))
    try:
        if output is None:
            count = export_lineage(db, fmt, sys.stdout.buffer, since=start)
        else:
            with output.open("wb") as out:
                count = export_lineage(db, fmt, out, since=start)
    finally:
        db.dispose()
    click.echo(f"{count} lineage events written" + (f" to {output}" if output else ""), err=True)

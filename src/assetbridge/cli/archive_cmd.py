"""``assetbridge archive run|verify``: archive completed iconik projects, re-check an archive later.

Exit codes as ``sync``: 0 all well; 1 an asset failed or no longer matches its attestation (named on
stderr); 2 the configuration or the request is invalid (e.g. the project is not completed); 3 a system
could not be reached.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from assetbridge.cli.sync_cmd import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    config_option,
    json_option,
    load,
    with_context,
)
from assetbridge.engine.archive import (
    ArchiveReport,
    VerifyOutcome,
    archive_project,
    find_completed,
    verify_project,
)
from assetbridge.engine.context import SyncContext
from assetbridge.state.models_archive import ArchiveProject


@click.group()
def archive() -> None:
    """Archive with checksum chain of custody (flows.archive)."""


def _report_dict(report: ArchiveReport) -> dict[str, Any]:
    return {
        "collection_id": report.project.collection_id,
        "project_id": report.project.project_id,
        "title": report.project.title,
        "folder_record_id": report.folder_record_id,
        "assets": [
            {
                "asset_id": o.asset_id,
                "outcome": o.outcome,
                "file_name": o.file_name,
                "record_id": o.record_id,
                "error": o.error,
                "attestation": o.attestation.as_dict() if o.attestation else None,
            }
            for o in report.outcomes
        ],
    }


def _print_report(report: ArchiveReport, dry_run: bool) -> None:
    p = report.project
    click.echo(f"project {p.project_id} {p.title!r} (iconik collection {p.collection_id})")
    for o in report.outcomes:
        where = f" → {o.record_id}" if o.record_id else ""
        detail = f"  {o.error}" if o.error else ""
        if o.attestation and not o.error:
            detail = f"  md5 {o.attestation.served_md5} ({o.attestation.size} bytes)"
        click.echo(f"  {o.asset_id}  {o.file_name or ''}  {o.outcome}{where}{detail}".rstrip())
    if dry_run:
        click.echo("dry run: nothing was written")


@archive.command("run")
@config_option
@json_option
@click.option("--project", "collection_id", help="iconik collection id (default: every completed project)")
@click.option("--dry-run", is_flag=True, help="Show what would be archived; write nothing anywhere.")
def run(config_path: Path, as_json: bool, collection_id: str | None, dry_run: bool) -> None:
    """Archive completed projects into Orange Logic, each file attested (iconik, streamed, served)."""
    loaded = load(config_path)
    if not loaded.config.flows.archive.enabled and not dry_run:
        click.echo("error: flows.archive.enabled is false (use --dry-run to rehearse)", err=True)
        sys.exit(EXIT_INVALID)

    async def work(ctx: SyncContext) -> list[ArchiveReport]:
        ids = [collection_id] if collection_id else [p.collection_id for p in await find_completed(ctx)]
        return [await archive_project(ctx, cid, dry_run=dry_run) for cid in ids]

    reports = with_context(loaded, work)
    if as_json:
        click.echo(json.dumps([_report_dict(r) for r in reports], indent=2, ensure_ascii=False))
    else:
        if not reports:
            click.echo("no completed project to archive")
        for report in reports:
            _print_report(report, dry_run)
    failed = [(r, o) for r in reports for o in r.failed]
    for report, outcome in failed:
        click.echo(f"failed: {report.project.project_id} asset {outcome.asset_id}: {outcome.error}", err=True)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


@archive.command("verify")
@click.argument("project")
@config_option
@json_option
def verify(project: str, config_path: Path, as_json: bool) -> None:
    """Read every archived file of PROJECT (collection id, project id or title) back from Orange Logic
    and compare it with its attestation; exit 1 naming each asset that no longer matches."""
    loaded = load(config_path)

    async def work(ctx: SyncContext) -> tuple[ArchiveProject, list[VerifyOutcome]]:
        return await verify_project(ctx, project)

    row, outcomes = with_context(loaded, work)
    bad = [o for o in outcomes if not o.ok]
    if as_json:
        data = {
            "collection_id": row.collection_id,
            "project_id": row.project_id,
            "checks": [asdict(o) for o in outcomes],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(
            f"project {row.project_id} {row.title!r}: {len(outcomes) - len(bad)} of {len(outcomes)} match"
        )
    for o in bad:
        click.echo(f"MISMATCH: asset {o.asset_id} (Orange Logic {o.record_id}): {o.problem}", err=True)
    sys.exit(EXIT_FAILED if bad else EXIT_OK)

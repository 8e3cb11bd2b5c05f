"""``assetbridge review status|sweep``: the review hand-offs, and one safety-net sweep on demand."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assetbridge.cli.sync_cmd import config_option, json_option, load, open_state, with_context
from assetbridge.engine.review_poll import review_sweep
from assetbridge.state.models_review import HANDOFF_STATUSES, ReviewHandoff
from assetbridge.state.repositories.reviews import ReviewRepo


@click.group()
def review() -> None:
    """Review hand-off to Orange Logic and the approval bridge (flows.review)."""


def _row(row: ReviewHandoff) -> dict[str, Any]:
    return {
        "asset_id": row.asset_id,
        "version_id": row.version_id,
        "round": row.round,
        "status": row.status,
        "record_id": row.record_id,
        "new_asset": row.new_asset,
        "file_name": row.file_name,
        "size": row.size,
        "multipart": row.multipart,
        "ol_status": row.ol_status,
        "comment": row.comment,
        "approval_written": row.written_status,
        "error": row.error,
        "handed_off_at": row.handed_off_at.isoformat() if row.handed_off_at else None,
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "updated_at": row.updated_at.isoformat(),
    }


@review.command("status")
@config_option
@json_option
@click.option("--status", "only", type=click.Choice(HANDOFF_STATUSES), help="Only hand-offs in this state.")
@click.option("--limit", default=200, show_default=True, help="Most recent hand-offs shown.")
def status(config_path: Path, as_json: bool, only: str | None, limit: int) -> None:
    """Hand-offs per state, then the most recent ones (errors and exclusions with the value at fault)."""
    loaded = load(config_path)
    db = open_state(loaded)
    try:
        with db.session() as session:
            repo = ReviewRepo(session)
            counts = repo.counts()
            rows = [_row(r) for r in repo.all(status=only, limit=limit)]
    finally:
        db.dispose()
    if as_json:
        click.echo(json.dumps({"counts": counts, "handoffs": rows}, indent=2, ensure_ascii=False))
        return
    if not loaded.config.flows.review.enabled:
        click.echo("note: flows.review is disabled in this configuration")
    click.echo(", ".join(f"{counts.get(s, 0)} {s}" for s in HANDOFF_STATUSES))
    for row in rows:
        target = f"-> {row['record_id']}" if row["record_id"] else ""
        why = row["error"] or (f"OL {row['ol_status']!r}" if row["ol_status"] else "")
        if row["comment"]:
            why += f" ({row['comment']})"
        where = f"{row['asset_id']} v{str(row['version_id'])[:8]}"
        click.echo(f"  {str(row['updated_at'])[:19]}  {row['status']:<14} {where} {target}  {why}")


@review.command("sweep")
@config_option
@json_option
def sweep(config_path: Path, as_json: bool) -> None:
    """Once: bring Orange Logic decisions of hand-offs in review to iconik, and hand off approved
    versions of candidate assets (linked ones and the rule's collections) that have no hand-off yet."""
    loaded = load(config_path)
    if not loaded.config.flows.review.enabled:
        click.echo("error: flows.review is disabled in this configuration", err=True)
        sys.exit(2)
    report = with_context(loaded, review_sweep)
    items = [
        {"kind": "decision", "record_id": d.record_id, "asset_id": d.asset_id, "outcome": d.outcome,
         "detail": d.detail or d.ol_status}
        for d in report.decisions
    ] + [
        {"kind": "hand-off", "record_id": h.record_id, "asset_id": h.asset_id, "outcome": h.outcome,
         "detail": h.detail}
        for h in report.handoffs
    ]  # fmt: skip
    if as_json:
        click.echo(json.dumps({"summary": report.summary, "items": items}, indent=2, ensure_ascii=False))
    else:
        for item in items:
            click.echo(f"{item['kind']:<9} {item['outcome']:<10} {item['asset_id']}  {item['detail'] or ''}")
        click.echo(f"done: {report.summary or 'nothing to do'}")
    sys.exit(1 if any(i["outcome"] == "failed" for i in items) else 0)

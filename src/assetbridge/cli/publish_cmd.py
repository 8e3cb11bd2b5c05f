"""``assetbridge publish``: one pass of the publish flow (Orange Logic → iconik), or its dry run.

Exit codes as ``sync``: 0 all well; 1 an asset failed (its error is printed and in the audit log);
2 the configuration is invalid (or publish is not enabled); 3 a system could not be reached.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

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
from assetbridge.engine.publish import run_publish
from assetbridge.engine.publish_report import PublishReport


def print_publish(report: PublishReport) -> None:
    """Per rule: how much it selects (dry run); per asset: what was (or would be) done and why."""
    for rule in report.rules:
        if rule.error:
            click.echo(f"rule {rule.rule}: ERROR  {rule.error} (query: {rule.query})")
        elif report.dry_run:
            click.echo(f"rule {rule.rule}: selects {rule.count} of {rule.total} assets ({rule.query})")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for o in report.outcomes:
        name = f"{o.system_identifier} ({o.record_id})"
        if o.action == "error":
            click.echo(f"{name}  [{o.rule}]  ERROR  {o.error}")
            continue
        if o.action == "blocked":
            click.echo(f"{name}  [{o.rule}]  not published: {o.reason}")
            continue
        detail = "; ".join(o.writes) if report.dry_run else (o.media or o.reason or "")
        if o.campaign:
            detail += f"; campaign {o.campaign!r}"
        version = f" v{o.ol_version}" if o.ol_version else ""
        click.echo(f"{name}{version}  [{o.rule}]  {o.action}  {detail}".rstrip())
    for d in report.derived:
        click.echo(
            f"derived: iconik asset {d.asset_id} ({d.title}) from {d.source_record_id} [{d.relation_type}]"
        )
    s = report.summary
    click.echo(
        ("dry run: " if report.dry_run else "")
        + f"{s['publish']} published, {s['new_version']} new versions, {s['up_to_date']} up to date, "
        f"{s['blocked']} blocked by rights, {s['unpublish']} unpublished, {s['left']} left, "
        f"{s['derived']} derived recorded, {s['error']} failed"
    )


@click.command()
@config_option
@json_option
@click.option("--dry-run", is_flag=True, help="Show what would be published; write nothing anywhere.")
@click.option("--full", is_flag=True, help="Re-select everything (not only changes) and apply on_leave.")
@click.option("--rule", "rules", multiple=True, help="Only this rule (repeatable).")
def publish(config_path: Path, as_json: bool, dry_run: bool, full: bool, rules: tuple[str, ...]) -> None:
    """One publish pass: rules select Orange Logic assets, which become iconik assets with media."""
    loaded = load(config_path)
    flow = loaded.config.flows.publish
    if not flow.enabled and not dry_run:
        click.echo("error: flows.publish.enabled is false (use --dry-run to rehearse)", err=True)
        sys.exit(EXIT_INVALID)
    unknown = sorted(set(rules) - {r.name for r in flow.rules})
    if unknown:
        names = ", ".join(r.name for r in flow.rules) or "none"
        click.echo(f"error: unknown rule {unknown[0]!r} (configured: {names})", err=True)
        sys.exit(EXIT_INVALID)
    report = with_context(
        loaded, lambda ctx: run_publish(ctx, dry_run=dry_run, full=full, rules=list(rules) or None)
    )
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        print_publish(report)
    sys.exit(EXIT_OK if report.ok else EXIT_FAILED)

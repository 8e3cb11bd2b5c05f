"""``assetbridge sync | plan | history | conflicts | status``: the metadata flow from the command line.

Exit codes: 0 all well; 1 a pair failed (its error is printed and in the audit log); 2 the configuration
is invalid; 3 a system could not be reached or refused the run as a whole.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from assetbridge.config import InvalidConfigError, LoadedConfig, load_config
from assetbridge.engine.context import SyncContext, open_context
from assetbridge.engine.records import plain
from assetbridge.engine.reports import history as history_rows
from assetbridge.engine.reports import open_conflicts
from assetbridge.engine.reports import status as status_data
from assetbridge.engine.resolve import Take, resolve_conflict
from assetbridge.engine.sync_pass import PassReport, run_pass
from assetbridge.engine.webhook_admin import check_iconik_webhooks
from assetbridge.errors import ApiError, AssetBridgeError
from assetbridge.state import Database

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_UNREACHABLE = 3
T = TypeVar("T")

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("assetbridge.yaml"),
    show_default=True,
    help="The AssetBridge YAML file.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")


def load(config_path: Path) -> LoadedConfig:
    try:
        return load_config(config_path)
    except InvalidConfigError as error:
        for issue in error.issues:
            click.echo(f"error: {issue}", err=True)
        sys.exit(EXIT_INVALID)
    except AssetBridgeError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INVALID)


def with_context(loaded: LoadedConfig, work: Callable[[SyncContext], Awaitable[T]]) -> T:
    async def go() -> T:
        async with open_context(loaded) as ctx:
            return await work(ctx)

    try:
        return asyncio.run(go())
    except ApiError as error:
        click.echo(f"error: {loaded.redact(str(error))}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    except AssetBridgeError as error:
        click.echo(f"error: {loaded.redact(str(error))}", err=True)
        sys.exit(EXIT_INVALID)


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def print_pass(report: PassReport) -> None:
    rows: list[tuple[str, str, str, str, str]] = []
    for outcome in report.outcomes:
        decisions = outcome.plan.decisions if outcome.plan else ()
        name = f"{outcome.system_identifier} ({outcome.record_id})"
        if outcome.created:
            verb = "would create" if report.dry_run else "created"
            rows.append((name, "iconik", "asset", f"{verb} with external_id {outcome.record_id}", ""))
        for write in outcome.plan.writes if outcome.plan else ():
            reason = next((str(d.reason) for d in decisions if d.field == write.field), "")
            rows.append((name, write.side, write.key, _value(plain(write.value)), reason))
        for decision in decisions:
            if decision.action == "conflict":
                rows.append((name, "-", decision.field, "conflict recorded", str(decision.reason)))
            elif decision.action == "error":
                rows.append((name, "-", decision.field, "ERROR", decision.error or ""))
        if outcome.error:
            rows.append((name, "-", "-", "ERROR", outcome.error))
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Planned writes" if report.dry_run else "Writes")
        for column in ("asset", "side", "field", "value", "why"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        Console().print(table)
    else:
        for row in rows:
            click.echo("  ".join(row).rstrip())
    summary = report.summary
    click.echo(
        ("dry run: " if report.dry_run else "")
        + f"{summary['pairs']} assets, {summary['created']} created, {summary['linked']} linked, "
        f"{summary['writes_orangelogic']} Orange Logic and {summary['writes_iconik']} iconik field writes, "
        f"{summary['echoes']} echoes suppressed, {summary['conflicts_open']} conflicts for review, "
        f"{summary['failed']} failed"
    )


def run_sync(loaded: LoadedConfig, *, dry_run: bool, as_json: bool) -> int:
    report = with_context(loaded, lambda ctx: run_pass(ctx, dry_run=dry_run))
    published = None
    if dry_run and loaded.config.flows.publish.enabled:
        from assetbridge.cli.publish_cmd import print_publish  # publish_cmd imports this module
        from assetbridge.engine.publish import run_publish

        published = with_context(loaded, lambda ctx: run_publish(ctx, dry_run=True))
    if as_json:
        data = report.to_dict()
        if published is not None:
            data["publish"] = published.to_dict()
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print_pass(report)
        if published is not None:
            print_publish(published)
    ok = report.ok and (published is None or published.ok)
    return EXIT_OK if ok else EXIT_FAILED


@click.command()
@config_option
@json_option
def sync(config_path: Path, as_json: bool) -> None:
    """One sync pass of everything changed since the last one, then exit (1 when anything failed)."""
    sys.exit(run_sync(load(config_path), dry_run=False, as_json=as_json))


@click.command()
@config_option
@json_option
def plan(config_path: Path, as_json: bool) -> None:
    """Dry run: every write a sync pass (and, when enabled, a publish pass) would make; nothing is written."""
    sys.exit(run_sync(load(config_path), dry_run=True, as_json=as_json))


def open_state(loaded: LoadedConfig) -> Database:
    db = Database(loaded.state_url)
    db.upgrade()
    return db


@click.command()
@click.argument("asset")
@config_option
@json_option
def history(asset: str, config_path: Path, as_json: bool) -> None:
    """The audit trail of one asset (Orange Logic RecordID or identifier, or iconik asset id)."""
    db = open_state(load(config_path))
    rows = history_rows(db, asset)
    db.dispose()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no history for {asset}")
        return
    for row in rows:
        where = " ".join(p for p in (row["system"], row["field"]) if p)
        change = f"{_value(row['before'])} -> {_value(row['after'])}" if row["action"] == "write" else ""
        click.echo(f"{row['at']}  {row['action']:<18} {where:<34} {change}  ({row['reason']})".rstrip())


@click.group()
def conflicts() -> None:
    """Conflicts recorded for manual review."""


@conflicts.command("list")
@config_option
@json_option
def conflicts_list(config_path: Path, as_json: bool) -> None:
    db = open_state(load(config_path))
    rows = open_conflicts(db)
    db.dispose()
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("no open conflicts")
    for row in rows:
        click.echo(
            f"#{row['id']}  {row['record_id']} / {row['asset_id']}  {row['field']}: "
            f"orangelogic={_value(row['orangelogic'])} iconik={_value(row['iconik'])}"
            f" base={_value(row['base'])}"
        )


@conflicts.command("resolve")
@click.argument("conflict_id", type=int)
@click.option("--take", type=click.Choice(["orangelogic", "iconik", "value"]), required=True)
@click.option("--value", default=None, help="With --take value: the value (comma-separated for lists).")
@config_option
def conflicts_resolve(conflict_id: int, take: Take, value: str | None, config_path: Path) -> None:
    """Write the chosen value to both sides now and close the conflict."""
    loaded = load(config_path)
    chosen = with_context(loaded, lambda ctx: resolve_conflict(ctx, conflict_id, take, value))
    click.echo(f"conflict #{conflict_id} resolved: {json.dumps(plain(chosen), ensure_ascii=False)} written")


@click.command()
@config_option
@json_option
@click.option("--offline", is_flag=True, help="Only the state database; skip the live iconik webhook check.")
def status(config_path: Path, as_json: bool, offline: bool) -> None:
    """Cursors and lag per side, links, open conflicts, dead letters, webhook inbox, webhook health."""
    loaded = load(config_path)
    db = open_state(loaded)
    data = status_data(db)
    db.dispose()
    health = None
    if not offline:
        # read-only here: `assetbridge run` is what re-enables FAILING webhooks
        health = with_context(loaded, lambda ctx: check_iconik_webhooks(ctx.iconik, reenable=False))
        data["webhooks"] = health.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for cursor in data["cursors"]:
        click.echo(
            f"cursor {cursor['system']}/{cursor['stream']}: {cursor['position']}"
            f" (lag {cursor['lag_seconds']} s, advanced {cursor['advanced_at']})"
        )
    if not data["cursors"]:
        click.echo("no sync pass has run yet")
    click.echo(f"links: {data['links']}")
    click.echo(f"open conflicts: {data['conflicts_open']}")
    click.echo(f"dead letters: {data['dead_letters']}")
    click.echo(f"inbox: {json.dumps(data['inbox'])}")
    for line in health.lines() if health else ():
        click.echo(line)


COMMANDS = (sync, plan, history, conflicts, status)

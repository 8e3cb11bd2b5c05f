"""``assetbridge check`` and ``assetbridge config schema``.

``check`` exit codes: 0 the file is valid and both live schemas accept every mapped field (warnings
allowed); 1 the file is invalid or a mapped field does not fit a live schema; 3 a system could not be
reached or rejected the credentials. Output: a table on a terminal, plain lines otherwise, ``--json``.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import click

from assetbridge.config import InvalidConfigError, LoadedConfig, json_schema, load_config
from assetbridge.engine.schema_check import Finding, SchemaReport, check_live

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREACHABLE = 3


def _emit_config_issues(error: InvalidConfigError, as_json: bool) -> None:
    if as_json:
        payload = {"ok": False, "config_issues": [i.as_dict() for i in error.issues], "findings": []}
        click.echo(json.dumps(payload, indent=2))
        return
    for issue in error.issues:
        click.echo(f"error: {issue}", err=True)
    count = len(error.issues)
    click.echo(
        f"{count} problem{'s' if count != 1 else ''} in the configuration; nothing was checked live.",
        err=True,
    )


def _plain(report: SchemaReport, loaded: LoadedConfig) -> None:
    for finding in report.findings:
        where = f"{finding.field} ({finding.target}): " if finding.field else ""
        click.echo(f"{finding.severity}: {finding.side}: {where}{finding.message}")
    for side, reached in report.reached.items():
        if reached:
            click.echo(f"ok: {side}: schema read")


_LABELS = {"iconik": "iconik", "orangelogic": "Orange Logic"}


def _unchecked(report: SchemaReport) -> str:
    reached = [_LABELS[side] for side, ok in report.reached.items() if ok]
    if len(reached) == len(report.reached):
        return "[green]ok[/green]"
    missed = [_LABELS[side] for side, ok in report.reached.items() if not ok]
    done = f"{' and '.join(reached)} ok; " if reached else ""
    return f"[yellow]{done}{' and '.join(missed)} not checked[/yellow]"


def _table(report: SchemaReport, loaded: LoadedConfig) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"assetbridge check {loaded.path}", show_lines=False)
    for column in ("field", "Orange Logic", "iconik", "result"):
        table.add_column(column)
    by_field: dict[str | None, list[Finding]] = {}
    for finding in report.findings:
        by_field.setdefault(finding.field, []).append(finding)
    for finding in by_field.get(None, []):
        table.add_row(
            "—",
            finding.target if finding.side == "orangelogic" else "",
            finding.target if finding.side == "iconik" else "",
            f"[red]{finding.message}[/red]",
        )
    for spec in loaded.field_map.fields:
        found = by_field.get(spec.name, [])
        if not found:
            result = _unchecked(report)
        else:
            result = "\n".join(
                f"[{'red' if f.severity == 'error' else 'yellow'}]{f.severity}: {f.message}[/]" for f in found
            )
        table.add_row(spec.name, spec.orangelogic, spec.iconik, result)
    Console().print(table)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _summary(report: SchemaReport) -> str:
    errors = len(report.errors)
    warnings = _count(len(report.findings) - errors, "warning")
    if report.ok:
        return f"check passed ({warnings})"
    return f"check failed: {_count(errors, 'error')}, {warnings}"


def exit_code(report: SchemaReport) -> int:
    if not all(report.reached.values()):
        return EXIT_UNREACHABLE
    return EXIT_OK if report.ok else EXIT_INVALID


@click.command("check")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The assetbridge.yaml to check.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--offline", is_flag=True, help="Validate the file only; do not connect to either system.")
def check(config_path: Path, as_json: bool, offline: bool) -> None:
    """Validate a config file, then every mapped field against the live iconik and Orange Logic schemas.

    Exit 0 when all is well, 1 when the file or a mapping is wrong, 3 when a system is unreachable or
    rejects the credentials.
    """
    try:
        loaded = load_config(config_path)
    except InvalidConfigError as exc:
        _emit_config_issues(exc, as_json)
        sys.exit(EXIT_INVALID)
    if offline:
        if as_json:
            click.echo(json.dumps({"ok": True, "config_issues": [], "findings": [], "live": False}, indent=2))
        else:
            click.echo(
                f"ok: {config_path}: valid ({len(loaded.field_map.fields)} fields); live schemas not checked"
            )
        sys.exit(EXIT_OK)
    report = asyncio.run(check_live(loaded))
    code = exit_code(report)
    if as_json:
        payload: dict[str, Any] = {
            "ok": report.ok,
            "exit_code": code,
            "config_issues": [],
            "reached": report.reached,
            "findings": [f.as_dict() for f in report.findings],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        (_table if sys.stdout.isatty() else _plain)(report, loaded)
        click.echo(_summary(report))
    sys.exit(code)


@click.group("config")
def config_group() -> None:
    """Inspect the configuration format."""


@config_group.command("schema")
def schema() -> None:
    """Print the JSON Schema of assetbridge.yaml (for editors: yaml-language-server, VS Code, ...)."""
    click.echo(json.dumps(json_schema(), indent=2))

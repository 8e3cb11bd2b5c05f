"""``assetbridge run`` (receiver + workers + schedules until SIGINT/SIGTERM) and ``assetbridge replay``.

``replay`` runs each pending dead letter's job once, here and now (whether or not ``run`` is running):
the letter is marked replayed first, so a job that fails again files a new letter instead of being lost.
Exit codes as for ``sync``: 0 all replayed jobs succeeded, 1 one failed again, 2 invalid configuration,
3 a system could not be reached.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from pydantic import SecretStr

from assetbridge.cli.sync_cmd import (
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREACHABLE,
    config_option,
    load,
    with_context,
)
from assetbridge.config import LoadedConfig
from assetbridge.engine.context import SyncContext
from assetbridge.engine.dispatch import sync_record
from assetbridge.engine.inbox_port import DatabaseInbox, InboxPort
from assetbridge.engine.sync_pass import run_pass
from assetbridge.errors import AssetBridgeError, ConfigError
from assetbridge.runtime.app import Receiver, RunOptions, Service, StartReceiver, schedules
from assetbridge.runtime.dead_letters import StateDeadLetters
from assetbridge.web.app import create_web_app
from assetbridge.web.server import WebServer
from assetbridge.web.settings import ReceiverSettings

PASS_KINDS = ("poll", "reconcile")


def receiver_starter(loaded: LoadedConfig) -> StartReceiver:
    receiver = loaded.config.receiver

    def start(inbox: InboxPort, iconik_secret: SecretStr) -> Receiver:
        settings = ReceiverSettings(
            orangelogic_secrets=tuple(receiver.orangelogic_secrets),
            iconik_secret=iconik_secret,
            api_token=receiver.api_token,
        )
        db = inbox.db if isinstance(inbox, DatabaseInbox) else None
        return WebServer(create_web_app(settings, inbox, db=db), receiver.host, receiver.port).start()

    return start


@click.command("run")
@config_option
@click.option("--executor-id", default="local", show_default=True, help="This worker's identity (recovery).")
def run(config_path: Path, executor_id: str) -> None:
    """Run the webhook receiver, the pollers and the durable workers until stopped (Ctrl-C)."""
    loaded = load(config_path)
    try:
        schedules(loaded)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_INVALID)
    service = Service(loaded, receiver_starter(loaded), RunOptions(executor_id=executor_id))

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)

        def ready(url: str) -> None:
            click.echo(f"assetbridge running: webhook receiver on {url} (stop with Ctrl-C)")
            sys.stdout.flush()

        await service.run(stop, on_ready=ready)

    try:
        asyncio.run(go())
    except (AssetBridgeError, OSError) as error:
        click.echo(f"error: {loaded.redact(str(error))}", err=True)
        sys.exit(EXIT_UNREACHABLE)
    click.echo("assetbridge stopped")


@dataclass(frozen=True)
class Letter:
    id: int
    kind: str
    key: str
    payload: Any
    error: str


def _pending(ctx: SyncContext, kind: str | None) -> list[Letter]:
    with ctx.db.unit_of_work() as uow:
        return [
            Letter(d.id, d.kind, d.key, d.payload, f"{d.error_class}: {d.error_message}")
            for d in uow.dead_letters.list(kind=kind, limit=1000)
        ]


def _mark_replayed(ctx: SyncContext, letter_id: int) -> None:
    with ctx.db.unit_of_work() as uow:
        uow.dead_letters.mark_replayed(letter_id)


async def _replay_one(ctx: SyncContext, letter: Letter) -> str:
    payload = letter.payload if isinstance(letter.payload, dict) else {}
    if letter.kind == "sync_pair" and payload.get("record_id"):
        await ctx.db_call(_mark_replayed, ctx, letter.id)
        try:
            outcome = await sync_record(ctx, str(payload["record_id"]))
        except AssetBridgeError as error:  # transient again: filed anew, to replay later
            StateDeadLetters(ctx.db).add(letter.kind, letter.key, payload, str(error), attempts=1)
            return f"failed again: {error}"
        return {"synced": "ok", "unlinked": "ok (no longer linked)", "failed": "failed again"}[outcome]
    if letter.kind in PASS_KINDS:
        await ctx.db_call(_mark_replayed, ctx, letter.id)
        report = await run_pass(ctx)
        return "ok" if report.ok else "failed again"
    return "skipped (unknown job kind, left pending)"


@click.command("replay")
@config_option
@click.option("--kind", default=None, help="Replay the pending dead letters of this job kind.")
@click.option("--all", "replay_all", is_flag=True, help="Replay every pending dead letter.")
def replay(config_path: Path, kind: str | None, replay_all: bool) -> None:
    """Run pending dead letters' jobs again and mark them replayed (without --kind/--all: list them)."""
    loaded = load(config_path)

    async def work(ctx: SyncContext) -> int:
        letters = await ctx.db_call(_pending, ctx, kind)
        if not letters:
            click.echo("no pending dead letters")
            return EXIT_OK
        if kind is None and not replay_all:
            for letter in letters:
                click.echo(f"#{letter.id} {letter.kind} {letter.key}: {loaded.redact(letter.error)}")
            click.echo(f"{len(letters)} pending; replay them with --all or --kind KIND")
            return EXIT_OK
        failed = 0
        for letter in letters:
            result = await _replay_one(ctx, letter)
            failed += result.startswith("failed")
            click.echo(f"replayed #{letter.id} {letter.kind} {letter.key}: {loaded.redact(result)}")
        click.echo(f"{len(letters)} replayed, {failed} failed again")
        return EXIT_FAILED if failed else EXIT_OK

    sys.exit(with_context(loaded, work))


COMMANDS = (run, replay)

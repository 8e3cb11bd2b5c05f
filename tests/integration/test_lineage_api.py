"""Lineage end to end: a real sync links the seeded catalog; the CLI exports it and the web API pages it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pyarrow.parquet as pq
from click.testing import CliRunner
from pydantic import SecretStr
from tests.integration.test_sync_cli import env_for
from tests.integration.test_sync_engine import EXAMPLE

from assetbridge.cli.main import cli
from assetbridge.engine.inbox_port import DatabaseInbox
from assetbridge.state import Database
from assetbridge.web.app import create_web_app
from assetbridge.web.settings import ReceiverSettings


def synced_state(sandbox_factory: Any, tmp_path: Path) -> tuple[dict[str, str], str]:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    env = env_for(server, state_url)
    result = CliRunner().invoke(cli, ["sync", "--config", str(EXAMPLE)], env=env)
    assert result.exit_code == 0, result.output
    return env, state_url


def test_cli_exports_the_links_a_sync_made(sandbox_factory: Any, tmp_path: Path) -> None:
    env, _ = synced_state(sandbox_factory, tmp_path)
    runner = CliRunner()
    out = runner.invoke(cli, ["lineage", "export", "--format", "jsonl", "--config", str(EXAMPLE)], env=env)
    assert out.exit_code == 0, out.output
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert len(rows) == 8 and {r["event"] for r in rows} == {"linked"}
    assert all(r["orangelogic_record_id"] and r["iconik_asset_id"] for r in rows)
    assert {r["link_state"] for r in rows} == {"live"}
    assert "8 lineage events written" in out.stderr

    target = tmp_path / "lineage.parquet"
    args = ["lineage", "export", "--format", "parquet", "-o", str(target), "--config", str(EXAMPLE)]
    assert runner.invoke(cli, args, env=env).exit_code == 0
    assert pq.read_table(target).column("iconik_asset_id").to_pylist() == [r["iconik_asset_id"] for r in rows]

    future = runner.invoke(
        cli, ["lineage", "export", "--since", "2999-01-01", "--config", str(EXAMPLE)], env=env
    )
    assert future.exit_code == 0 and future.stdout.splitlines() == [
        "event_id,occurred_at,event,flow,orangelogic_record_id,orangelogic_system_identifier,iconik_asset_id,"
        "iconik_version_id,related_kind,related_id,event_ref,link_id,link_state,details"
    ]
    config = ["--config", str(EXAMPLE)]
    bad = runner.invoke(cli, ["lineage", "export", "--since", "last tuesday", *config], env=env)
    assert bad.exit_code == 2 and "'last tuesday' is not an ISO 8601 date" in bad.output
    no_file = runner.invoke(cli, ["lineage", "export", "--format", "parquet", *config], env=env)
    assert no_file.exit_code == 2 and "give it --output FILE" in no_file.output


async def test_web_api_pages_with_next_links_and_guards_access(sandbox_factory: Any, tmp_path: Path) -> None:
    _, state_url = await asyncio.to_thread(synced_state, sandbox_factory, tmp_path)
    db = Database(state_url)
    try:
        app = create_web_app(ReceiverSettings(), DatabaseInbox(db), db=db)
        local = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=local, base_url="http://ab") as client:
            seen: list[dict[str, Any]] = []
            url: str | None = "/api/lineage?limit=3"
            while url is not None:
                response = await client.get(url)
                assert response.status_code == 200, response.text
                body = response.json()
                seen += body["items"]
                url = body["next"]
            assert len(seen) == 8 and len({r["event_id"] for r in seen}) == 8
            bad = await client.get("/api/lineage?since=yesterday")
            assert bad.status_code == 400 and "since='yesterday'" in bad.json()["error"]
            too_big = await client.get("/api/lineage?limit=5000")
            assert too_big.status_code == 400

        remote = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=remote, base_url="http://ab") as client:
            refused = await client.get("/api/lineage")
            assert refused.status_code == 403 and "receiver.api_token" in refused.json()["error"]

        guarded = create_web_app(ReceiverSettings(api_token=SecretStr("s3cret")), DatabaseInbox(db), db=db)
        transport = httpx.ASGITransport(app=guarded, client=("203.0.113.7", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://ab") as client:
            assert (await client.get("/api/lineage")).status_code == 401
            wrong = await client.get("/api/lineage", headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401 and "s3cret" not in wrong.text
            ok = await client.get("/api/lineage", headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 200 and len(ok.json()["items"]) == 8
    finally:
        db.dispose()

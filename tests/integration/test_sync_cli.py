"""``assetbridge sync | plan | status | history | conflicts`` through the CLI, with their exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from tests.integration.test_sync_engine import EXAMPLE, Bench, make_loaded

from assetbridge.cli.main import cli


def env_for(server: Any, state_url: str) -> dict[str, str]:
    return {
        "ASSETBRIDGE_ICONIK_URL": server.urls["iconik"],
        "ASSETBRIDGE_OL_URL": server.urls["orangelogic"],
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
        "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
        "ASSETBRIDGE_STATE_URL": state_url,
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, [*args], env=env)


def test_sync_plan_status_history_and_exit_codes(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    env = env_for(server, f"sqlite:///{tmp_path / 'state.db'}")
    config = str(EXAMPLE)

    planned = run(env, "plan", "--config", config, "--json")
    assert planned.exit_code == 0, planned.output
    payload = json.loads(planned.output)
    assert payload["dry_run"] is True and payload["summary"]["created"] == 8

    first = run(env, "sync", "--config", config)
    assert first.exit_code == 0, first.output
    assert "8 assets, 8 created, 8 linked" in first.output
    second = run(env, "sync", "--config", config, "--json")
    assert second.exit_code == 0
    summary = json.loads(second.output)["summary"]
    assert summary["created"] == summary["writes_iconik"] == summary["writes_orangelogic"] == 0

    status = run(env, "status", "--config", config, "--json")
    data = json.loads(status.output)
    assert data["links"] == 8 and {c["system"] for c in data["cursors"]} == {"orangelogic", "iconik"}
    # nothing ran `assetbridge run`, so none of AssetBridge's iconik webhooks exist: the live check says so
    assert data["webhooks"]["enabled"] == [] and data["webhooks"]["missing"]
    text = run(env, "status", "--config", config)
    assert "iconik webhooks: 0 enabled" in text.output and "is missing" in text.output
    offline = json.loads(run(env, "status", "--config", config, "--json", "--offline").output)
    assert "webhooks" not in offline

    record_id = json.loads(planned.output)["assets"][0]["record_id"]
    history = run(env, "history", record_id, "--config", config)
    assert history.exit_code == 0
    assert (
        "create" in history.output and "link" in history.output and "metadata.campaign" not in history.output
    )
    assert "campaign" in history.output
    assert run(env, "conflicts", "list", "--config", config).output.strip() == "no open conflicts"

    # a value Orange Logic refuses makes the pass fail (exit 1) with the error shown
    bench = Bench(server, make_loaded(tmp_path, server, env["ASSETBRIDGE_STATE_URL"]))
    try:
        field = bench.iconik.get("/API/metadata/v1/fields/language/").json()
        options = [*field["options"], {"label": "Klingon", "value": "tlh"}]
        bench.iconik.patch("/API/metadata/v1/fields/language/", json={"options": options}).raise_for_status()
        asset_id = next(a["id"] for a in bench.iconik_assets() if a.get("external_id") == record_id)
        bench.advance(2)
        bench.put_metadata(asset_id, "language", ["tlh"])
    finally:
        bench.close()
    failed = run(env, "sync", "--config", config)
    assert failed.exit_code == 1, failed.output
    assert "ERROR" in failed.output and "tlh" in failed.output and "1 failed" in failed.output


def test_invalid_config_and_unreachable_system(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("connections: {}\n", encoding="utf-8")
    result = run({}, "sync", "--config", str(bad))
    assert result.exit_code == 2 and "error:" in result.output
    env = {
        "ASSETBRIDGE_ICONIK_URL": "http://127.0.0.1:9",
        "ASSETBRIDGE_OL_URL": "http://127.0.0.1:9",
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "t0ken-secret-value",
        "ASSETBRIDGE_OL_CLIENT_SECRET": "s3cret-value",
        "ASSETBRIDGE_STATE_URL": f"sqlite:///{tmp_path / 'state.db'}",
    }
    result = run(env, "sync", "--config", str(EXAMPLE))
    assert result.exit_code == 3, result.output
    assert "t0ken-secret-value" not in result.output and "s3cret-value" not in result.output


def test_conflicts_list_and_resolve_with_a_typed_value(sandbox_factory: Any, tmp_path: Path) -> None:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    state_url = f"sqlite:///{tmp_path / 'state.db'}"

    def manual(document: dict[str, Any]) -> None:
        document["field_map"]["fields"]["territories"]["policy"] = "manual"

    bench = Bench(server, make_loaded(tmp_path, server, state_url, manual))
    config = str(bench.loaded.path)
    env = env_for(server, state_url)
    try:
        assert run(env, "sync", "--config", config).exit_code == 0
        record_id, asset_id = next(
            (a["external_id"], a["id"]) for a in bench.iconik_assets() if a.get("external_id")
        )
        identifier = bench.ol_snapshot()[record_id]["SystemIdentifier"]
        bench.advance(2)
        bench.put_metadata(asset_id, "territories", ["APAC"])
        bench.ol_update(identifier, "AB.Territories", "EMEA")
        assert run(env, "sync", "--config", config).exit_code == 0
        listed = json.loads(run(env, "conflicts", "list", "--config", config, "--json").output)
        assert [(c["field"], c["orangelogic"], c["iconik"]) for c in listed] == [
            ("territories", ["EMEA"], ["APAC"])
        ]
        conflict_id = str(listed[0]["id"])
        bad = run(
            env, "conflicts", "resolve", conflict_id, "--take", "value", "--value", "Mars", "--config", config
        )
        assert bad.exit_code != 0 and "Mars" in bad.output  # not an option of either side: nothing written
        assert bench.metadata(asset_id)["territories"] == ["APAC"]
        done = run(
            env,
            "conflicts",
            "resolve",
            conflict_id,
            "--take",
            "value",
            "--value",
            "EMEA, APAC",
            "--config",
            config,
        )
        assert done.exit_code == 0, done.output
        assert sorted(bench.metadata(asset_id)["territories"]) == ["APAC", "EMEA"]
        assert sorted(bench.ol_snapshot()[record_id]["Fields"]["AB.Territories"]) == ["APAC", "EMEA"]
        assert run(env, "conflicts", "list", "--config", config).output.strip() == "no open conflicts"
        again = run(env, "conflicts", "resolve", conflict_id, "--take", "iconik", "--config", config)
        assert again.exit_code != 0 and "already resolved" in again.output
    finally:
        bench.close()

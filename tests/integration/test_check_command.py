"""``assetbridge check`` against a running sandbox: the example passes, wrong mappings fail precisely."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from click.testing import CliRunner, Result

from assetbridge.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
TOKEN = "sandbox-auth-token"
SECRET = "sandbox-secret"


@pytest.fixture
def running(sandbox_factory: Any) -> Any:
    """A sandbox with the iconik schema and the Orange Logic tenant seeded."""
    return sandbox_factory(catalog_size=8, media="synthetic")


def env_for(server: Any, **overrides: str) -> dict[str, str]:
    env = {
        "ASSETBRIDGE_ICONIK_URL": server.urls["iconik"],
        "ASSETBRIDGE_OL_URL": server.urls["orangelogic"],
        "ASSETBRIDGE_ICONIK_AUTH_TOKEN": TOKEN,
        "ASSETBRIDGE_OL_CLIENT_SECRET": SECRET,
    }
    env.update(overrides)
    return env


def run(config: Path, env: dict[str, str], *extra: str) -> Result:
    return CliRunner().invoke(cli, ["check", "--config", str(config), *extra], env=env)


def variant(tmp_path: Path, change: Any, flow: dict[str, Any] | None = None) -> Path:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    change(document["field_map"]["fields"])
    document["flows"]["metadata_sync"].update(flow or {})
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_example_passes_against_the_sandbox(running: Any) -> None:
    result = run(EXAMPLE, env_for(running))
    assert result.exit_code == 0, result.output
    assert "ok: iconik: schema read" in result.output
    assert "ok: orangelogic: schema read" in result.output
    assert result.output.rstrip().endswith("check passed (1 warning)")
    # the one honest warning: the tenant has languages iconik's drop-down lacks
    assert (
        "warning: iconik: language (metadata.language): Orange Logic options 'it', 'pt', 'ko'"
        in result.output
    )


def test_json_output(running: Any) -> None:
    result = run(EXAMPLE, env_for(running), "--json")
    assert result.exit_code == 0
    payload = json.loads(result.output)
    assert payload["ok"] is True
    assert payload["reached"] == {"iconik": True, "orangelogic": True}
    assert [f["field"] for f in payload["findings"]] == ["language"]


def test_field_missing_on_both_sides(running: Any, tmp_path: Path) -> None:
    def add_ghost(fields: dict[str, Any]) -> None:
        fields["ghost"] = {"orangelogic": "AB.Ghost", "iconik": "metadata.ghost", "kind": "text"}

    result = run(variant(tmp_path, add_ghost), env_for(running), "--json")
    assert result.exit_code == 1
    errors = [f for f in json.loads(result.output)["findings"] if f["severity"] == "error"]
    assert errors == [
        {
            "severity": "error",
            "side": "orangelogic",
            "field": "ghost",
            "target": "AB.Ghost",
            "message": "Orange Logic field 'AB.Ghost' does not exist on this tenant",
        },
        {
            "severity": "error",
            "side": "iconik",
            "field": "ghost",
            "target": "metadata.ghost",
            "message": "iconik metadata field 'ghost' does not exist",
        },
    ]


def test_options_missing_in_selects(running: Any, tmp_path: Path) -> None:
    def bad_maps(fields: dict[str, Any]) -> None:
        # iconik's rights_status drop-down has no 'Revoked'; Orange Logic's AB.Format has no 'Cinema'
        fields["rights_status"]["transforms"][0]["map"]["Withdrawn"] = "Revoked"
        fields["format"]["transforms"] = [
            {"kind": "value_map", "map": {"16:9": "16:9", "Cinema": "9:16"}, "default": None}
        ]
        fields["format"]["direction"] = "orangelogic_to_iconik"

    result = run(variant(tmp_path, bad_maps), env_for(running))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert (
        "error: iconik: rights_status (metadata.rights_status): value map targets 'Revoked' are not options "
        "of iconik field 'rights_status' (options: 'Approved', 'Pending', 'Withdrawn')"
    ) in lines
    assert any(
        line.startswith("error: orangelogic: format (AB.Format): value map sources 'Cinema' are not options")
        for line in lines
    )
    assert (
        "warning: iconik: rights_status (metadata.rights_status): iconik options 'Withdrawn' have no "
        "Orange Logic value in the value map"
    ) in lines
    assert lines[-1] == "check failed: 2 errors, 3 warnings"


def test_read_only_and_outside_the_view(running: Any, tmp_path: Path) -> None:
    def wrong(fields: dict[str, Any]) -> None:
        fields["note"] = {
            "orangelogic": "AB.Locked-note",
            "iconik": "metadata.review_comment",
            "kind": "text",
        }
        fields["project"] = {"orangelogic": "AB.Project-id", "iconik": "metadata.project_id", "kind": "text"}
        fields["campaign"]["kind"] = "number"
        fields["channels"]["kind"] = "select"
        fields["channels"]["multi"] = False

    output = run(variant(tmp_path, wrong), env_for(running)).output
    assert "Orange Logic field 'AB.Locked-note' is read-only, but values flow into Orange Logic" in output
    assert "iconik field 'project_id' is not in the view 'AssetBridge'" in output
    assert "iconik field 'campaign' is of type 'string', which cannot hold a number value" in output
    assert "iconik field 'channels' is multi-valued but the mapping is single-valued" in output
    assert "Orange Logic field 'AB.Channels' is multi-valued, which the mapping does not expect" in output


def test_missing_view(running: Any, tmp_path: Path) -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["field_map"]["iconik_view"] = "AssetBridge v2"
    path = tmp_path / "view.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    result = run(path, env_for(running))
    assert result.exit_code == 1
    assert "error: iconik: metadata view 'AssetBridge v2' does not exist" in result.output.splitlines()


def test_match_key_field_must_exist_in_iconik(running: Any, tmp_path: Path) -> None:
    missing = {"match_key": {"orangelogic": "RecordID", "iconik": "metadata.ol_recordid"}}
    result = run(variant(tmp_path, lambda fields: None, missing), env_for(running))
    assert result.exit_code == 1
    assert (
        "error: iconik: match key field 'ol_recordid' does not exist in iconik" in result.output.splitlines()
    )
    present = {"match_key": {"orangelogic": "RecordID", "iconik": "metadata.ol_record_id"}}
    assert run(variant(tmp_path, lambda fields: None, present), env_for(running)).exit_code == 0


def test_wrong_credentials_are_one_line_without_the_secret(running: Any) -> None:
    env = env_for(
        running,
        ASSETBRIDGE_ICONIK_AUTH_TOKEN="wrong-token-4711",
        ASSETBRIDGE_OL_CLIENT_SECRET="bad-secret-0815",
    )
    result = run(EXAMPLE, env)
    assert result.exit_code == 3
    assert isinstance(result.exception, SystemExit)
    lines = result.output.splitlines()
    iconik_url, ol_url = running.urls["iconik"], running.urls["orangelogic"]
    assert (
        f"error: iconik: iconik at {iconik_url} rejected the credentials (HTTP 401); "
        "check ASSETBRIDGE_ICONIK_AUTH_TOKEN"
    ) in lines
    assert (
        f"error: orangelogic: Orange Logic at {ol_url} rejected the credentials (HTTP 401); "
        "check ASSETBRIDGE_OL_CLIENT_SECRET"
    ) in lines
    assert "wrong-token-4711" not in result.output and "bad-secret-0815" not in result.output
    assert "Traceback" not in result.output


def test_unreachable_host(running: Any, unused_port: int) -> None:
    result = run(EXAMPLE, env_for(running, ASSETBRIDGE_OL_URL=f"http://127.0.0.1:{unused_port}"))
    assert result.exit_code == 3
    assert (
        f"error: orangelogic: cannot reach Orange Logic at http://127.0.0.1:{unused_port}: " in result.output
    )
    assert "ok: iconik: schema read" in result.output


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_the_crosswalk_mirror_field_is_configurable_and_checked(running: Any, tmp_path: Path) -> None:
    missing = {"match_key": {"mirror_field": "AB.No-such-field"}}
    result = run(variant(tmp_path, lambda fields: None, missing), env_for(running))
    assert result.exit_code == 0, result.output  # a warning: linking still works without the mirror
    expected = "warning: orangelogic: crosswalk field 'AB.No-such-field' does not exist on this tenant"
    assert expected in result.output

    elsewhere = variant(tmp_path, lambda fields: None, {"match_key": {"mirror_field": "AB.Project-id"}})
    env = env_for(running, ASSETBRIDGE_STATE_URL=f"sqlite:///{tmp_path / 'state.db'}")
    synced = CliRunner().invoke(cli, ["sync", "--config", str(elsewhere)], env=env)
    assert synced.exit_code == 0, synced.output
    control = httpx.get(running.info()["orangelogic"]["control_url"] + "/orangelogic/assets", timeout=10)
    records = [r for r in control.json()["assets"] if r["DocType"] not in ("Folder", "Album")]
    assert len(records) == 8
    assert all(r["Fields"].get("AB.Project-id") and not r["Fields"].get("AB.Iconik-id") for r in records)

"""``assetbridge config schema`` prints a JSON Schema that editors can use on real files."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from assetbridge.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "sandbox.yaml"


def schema_from_cli() -> dict[str, object]:
    result = CliRunner().invoke(cli, ["config", "schema"])
    assert result.exit_code == 0, result.output
    schema: dict[str, object] = json.loads(result.output)
    return schema


def test_schema_is_valid_json_schema_and_accepts_the_example() -> None:
    schema = schema_from_cli()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert list(validator.iter_errors(document)) == []


def test_schema_rejects_unknown_keys_and_bad_kinds() -> None:
    validator = jsonschema.Draft202012Validator(schema_from_cli())
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["field_map"]["fields"]["title"]["kind"] = "txt"
    document["flows"]["metadata_sync"]["scope_qery"] = "x"
    paths = sorted(tuple(str(p) for p in e.absolute_path) for e in validator.iter_errors(document))
    assert ("field_map", "fields", "title", "kind") in paths
    assert ("flows", "metadata_sync") in paths

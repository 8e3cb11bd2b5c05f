"""assetbridge.yaml validation: every class of bad input names file, line, key and value."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from assetbridge.cli.main import cli
from assetbridge.config import InvalidConfigError, load_config, load_text

ENV = {"ICONIK_TOKEN": "tok-123456", "OL_SECRET": "sec-987654"}

VALID = """\
connections:
  iconik:
    base_url: http://127.0.0.1:8701
    app_id: my-app
    auth_token: ${ICONIK_TOKEN}
  orangelogic:
    base_url: http://127.0.0.1:8702
    auth:
      mode: client_credentials
      client_id: my-client
      client_secret: ${OL_SECRET}
field_map:
  iconik_view: AssetBridge
  fields:
    title:
      orangelogic: CoreField.Title
      iconik: asset.title
      kind: text
    status:
      orangelogic: AB.Usage-rights-status
      iconik: metadata.rights_status
      kind: select
      transforms:
        - kind: value_map
          map: {Approved: approved, Pending: pending}
"""


def issues_of(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(InvalidConfigError) as info:
        load_text(text, "cfg.yaml", ENV if env is None else env)
    return [str(i) for i in info.value.issues]


def test_valid_config_converts_to_the_domain_field_map(tmp_path: Path) -> None:
    path = tmp_path / "assetbridge.yaml"
    path.write_text(VALID + "policies: {owner: iconik, policy: newest_wins}\n")
    loaded = load_config(path, ENV)
    title, status = loaded.field_map.fields
    assert loaded.field_map.iconik_view == "AssetBridge"
    assert (title.owner, title.policy, title.direction) == ("iconik", "newest_wins", "both")
    assert status.transforms[0].kind == "value_map"
    assert status.transforms[0].args["map"] == {"Approved": "approved", "Pending": "pending"}
    assert loaded.state_url == f"sqlite:///{tmp_path / 'assetbridge.db'}"
    assert loaded.config.connections.iconik.auth_token.get_secret_value() == "tok-123456"
    assert loaded.redact("token tok-123456 leaked") == "token *** leaked"


def test_malformed_yaml_names_line_and_column() -> None:
    text = VALID.replace("      kind: text\n", "      kind: [text\n", 1)
    (issue,) = issues_of(text)
    assert issue.startswith("cfg.yaml:19:")
    assert "invalid YAML" in issue


def test_unknown_key_suggests_the_close_one() -> None:
    text = VALID.replace("      kind: text\n", "      kind: text\n      directon: both\n", 1)
    (issue,) = issues_of(text)
    assert issue.startswith("cfg.yaml:19:7: field_map.fields.title.directon: unknown key 'directon'")
    assert "did you mean 'direction'?" in issue


def test_wrong_type_and_literal_name_value_and_allowed() -> None:
    text = (
        VALID.replace("kind: text", "kind: txt", 1) + "flows:\n  metadata_sync:\n    debounce_seconds: soon\n"
    )
    first, second = issues_of(text)
    assert first.startswith(
        "cfg.yaml:18:7: field_map.fields.title.kind: not allowed; allowed: 'text', 'number'"
    )
    assert first.endswith("(got txt)")
    assert second.startswith("cfg.yaml:28:5: flows.metadata_sync.debounce_seconds:")
    assert "(got soon)" in second


def test_inline_secret_names_the_key_and_never_shows_the_secret() -> None:
    text = VALID.replace("${OL_SECRET}", "hunter2-inline-secret")
    (issue,) = issues_of(text)
    assert issue.startswith(
        "cfg.yaml:11:7: connections.orangelogic.auth.client_secret: secrets must not be written"
    )
    assert "${ASSETBRIDGE_ORANGELOGIC_CLIENT_SECRET}" in issue
    assert "hunter2" not in issue


def test_a_default_on_a_secret_is_an_inline_secret() -> None:
    text = VALID.replace("${ICONIK_TOKEN}", "${ICONIK_TOKEN:-sandbox-auth-token}")
    (issue,) = issues_of(text)
    assert "connections.iconik.auth_token: secrets must not be written" in issue
    assert "sandbox-auth-token" not in issue


def test_unset_variable_names_variable_and_key() -> None:
    (issue,) = issues_of(VALID, {"ICONIK_TOKEN": "x"})
    assert issue.startswith("cfg.yaml:11:7: connections.orangelogic.auth.client_secret:")
    assert "environment variable OL_SECRET is not set" in issue


def test_default_applies_to_non_secret_keys_only_when_unset() -> None:
    text = VALID.replace("app_id: my-app", "app_id: ${APP:-sandbox-app-id}")
    assert load_text(text, "cfg.yaml", ENV).config.connections.iconik.app_id == "sandbox-app-id"
    assert load_text(text, "cfg.yaml", {**ENV, "APP": "real"}).config.connections.iconik.app_id == "real"


def test_password_in_database_url_must_be_a_reference() -> None:
    (issue,) = issues_of(VALID + "state:\n  url: postgresql+psycopg://ab:pw-inline@db/ab\n")
    assert issue.startswith("cfg.yaml:27:3: state.url: the database password must not be written")
    assert "pw-inline" not in issue
    ok = VALID + "state:\n  url: postgresql+psycopg://ab:${DB_PW}@db/ab\n"
    assert load_text(ok, "cfg.yaml", {**ENV, "DB_PW": "s3"}).state_url == "postgresql+psycopg://ab:s3@db/ab"


def test_value_map_that_cannot_be_inverted_on_a_two_way_field() -> None:
    text = VALID.replace("{Approved: approved, Pending: pending}", "{Approved: ok, Pending: ok}")
    (issue,) = issues_of(text)
    assert issue.startswith("cfg.yaml:25:11: field_map.fields.status.transforms[0].map:")
    assert "not invertible" in issue and "'Approved' and 'Pending' both map to 'ok'" in issue
    one_way = text.replace(
        "      kind: select\n", "      kind: select\n      direction: orangelogic_to_iconik\n"
    )
    assert load_text(one_way, "cfg.yaml", ENV).field_map.field("status").direction == "orangelogic_to_iconik"


def test_norway_unquoted_scalars_stay_as_written() -> None:
    text = VALID.replace("{Approved: approved, Pending: pending}", "{NO: no, Yes: off, '16:9': 16:9}")
    text += "flows:\n  metadata_sync: {enabled: no}\n"
    loaded = load_text(text, "cfg.yaml", ENV)
    assert loaded.field_map.field("status").transforms[0].args["map"] == {
        "NO": "no",
        "Yes": "off",
        "16:9": "16:9",
    }
    assert loaded.config.flows.metadata_sync.enabled is False


def test_number_where_text_is_expected_asks_for_quotes() -> None:
    (issue,) = issues_of(VALID.replace("app_id: my-app", "app_id: 0012"))
    assert issue.startswith("cfg.yaml:4:5: connections.iconik.app_id: expected text, got a number")
    assert 'write it in quotes, e.g. "0012"' in issue


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = (
        VALID.replace("app_id: my-app", "app_id: 7")
        .replace("mode: client_credentials", "mode: client_creds")
        .replace("iconik: asset.title", "iconik: title")
        .replace("    title:\n", "    title:\n      owner: iconk\n")
    )
    issues = issues_of(text)
    assert [i.split(": ")[0] for i in issues] == [
        "cfg.yaml:4:5",
        "cfg.yaml:9:7",
        "cfg.yaml:16:7",
        "cfg.yaml:18:7",
    ]
    assert (
        "'client_creds' is not allowed; allowed: 'client_credentials', 'oauth2', 'login', 'bearer'"
        in issues[1]
    )
    assert "must be asset.title or metadata.<field_name>" in issues[3]


def test_missing_required_key_and_duplicate_key() -> None:
    text = VALID.replace("  iconik_view: AssetBridge\n", "").replace(
        "      kind: text\n", "      kind: text\n      kind: date\n"
    )
    issues = issues_of(text)
    assert any(i.startswith("cfg.yaml:18:7: field_map.fields.title.kind: duplicate key") for i in issues)
    assert any("field_map.iconik_view: required key 'iconik_view' is missing" in i for i in issues)


def test_check_offline_reports_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("kind: text", "kind: txt", 1))
    result = CliRunner().invoke(cli, ["check", "--offline", "--config", str(bad)], env=ENV)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert f"{bad}:18:7: field_map.fields.title.kind: not allowed" in result.output
    assert "Traceback" not in result.output
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    result = CliRunner().invoke(cli, ["check", "--offline", "--config", str(good)], env=ENV)
    assert result.exit_code == 0, result.output


def test_missing_file_is_one_line() -> None:
    result = CliRunner().invoke(cli, ["check", "--offline", "--config", "/nonexistent/ab.yaml"])
    assert result.exit_code == 1
    assert "/nonexistent/ab.yaml: file not found" in result.output


def test_bad_value_from_a_variable_names_the_variable_once() -> None:
    text = VALID.replace("base_url: http://127.0.0.1:8701", "base_url: ${ICONIK_URL}")
    (issue,) = issues_of(text, {**ENV, "ICONIK_URL": "ftp://host"})
    assert issue == (
        "cfg.yaml:3:5: connections.iconik.base_url: must be an http:// or https:// URL "
        "(got 'ftp://host' from $ICONIK_URL)"
    )
    (unset,) = issues_of(text)
    assert "environment variable ICONIK_URL is not set" in unset


def test_boolean_where_text_is_expected_asks_for_quotes() -> None:
    (issue,) = issues_of(VALID.replace("client_id: my-client", "client_id: true"))
    assert issue.startswith(
        "cfg.yaml:10:7: connections.orangelogic.auth.client_id: expected text, got a boolean"
    )
    assert 'e.g. "true"' in issue


def test_anchors_merge_keys_and_x_sections() -> None:
    text = VALID.replace(
        "field_map:\n",
        "x-select: &select\n  kind: select\n  direction: orangelogic_to_iconik\nfield_map:\n",
    ).replace("      kind: select\n", "      <<: *select\n      policy: manual\n")
    status = load_text(text, "cfg.yaml", ENV).field_map.field("status")
    assert (status.kind, status.direction, status.policy) == ("select", "orangelogic_to_iconik", "manual")
    broken = text.replace("  direction: orangelogic_to_iconik\n", "  direction: sideways\n")
    (issue,) = issues_of(broken)
    assert issue.startswith("cfg.yaml:14:3: field_map.fields.status.direction: not allowed")


def test_recursive_alias_is_an_error_not_a_crash() -> None:
    (issue,) = issues_of(VALID + "flows: &loop\n  metadata_sync: [*loop]\n")
    assert issue.startswith("cfg.yaml:") and "alias refers to a node that contains it" in issue

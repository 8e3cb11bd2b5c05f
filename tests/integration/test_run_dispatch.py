"""Inbox events → pairs, and the debounce bookkeeping of ``assetbridge run`` (pure parts, no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from assetbridge.cli.main import cli
from assetbridge.engine.dispatch import Debouncer, EventTarget, UnmappableEvent, event_target
from assetbridge.runtime.app import system_database_url

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def body(data: object) -> bytes:
    return json.dumps(data).encode()


def test_iconik_asset_events_name_the_asset_and_other_events_are_ignored() -> None:
    event = {"event_type": "assets", "realm": "metadata", "operation": "update", "object_id": "a-1"}
    assert event_target("iconik", body(event)) == EventTarget("iconik", asset_id="a-1")
    assert event_target("iconik", body({**event, "realm": "entity"})) == EventTarget("iconik", asset_id="a-1")
    assert event_target("iconik", body({**event, "event_type": "collections"})) is None
    assert event_target("iconik", body({**event, "realm": "segments"})) is None


def test_orangelogic_events_name_the_record_and_deletes_are_ignored() -> None:
    event = {"eventId": "e1", "topic": "asset.edited", "recordId": "R1", "identifier": "ID1"}
    expected = EventTarget("orangelogic", record_id="R1", system_identifier="ID1")
    assert event_target("orangelogic", body(event)) == expected
    assert event_target("orangelogic", body({**event, "topic": "asset.deleted"})) is None


@pytest.mark.parametrize(
    ("system", "raw", "reason"),
    [
        ("iconik", b"not json", "not JSON"),
        ("iconik", body([1, 2]), "not a JSON object"),
        ("iconik", body({"event_type": "assets", "realm": "metadata"}), "without object_id"),
        (
            "iconik",
            body({"event_type": "assets", "realm": "metadata", "object_id": True}),
            "without object_id",
        ),
        ("orangelogic", body({"topic": "asset.edited"}), "without recordId"),
        ("elsewhere", body({}), "unknown system"),
    ],
)
def test_events_that_name_no_asset_are_unmappable(system: str, raw: bytes, reason: str) -> None:
    with pytest.raises(UnmappableEvent, match=reason):
        event_target(system, raw)


def test_a_burst_is_due_one_window_after_its_last_event_but_not_later_than_the_cap() -> None:
    debouncer = Debouncer(timedelta(seconds=2), timedelta(seconds=5))
    assert debouncer.delay("k", T0) == 0
    debouncer.saw("k", T0)
    debouncer.saw("k", T0 + timedelta(seconds=1))
    assert debouncer.delay("k", T0 + timedelta(seconds=1)) == 2
    for second in range(2, 10):
        debouncer.saw("k", T0 + timedelta(seconds=second))
    assert debouncer.delay("k", T0 + timedelta(seconds=4)) == 1  # capped at 5 s after the first event
    assert debouncer.delay("other", T0) == 0


def test_a_running_job_covers_events_that_arrived_before_its_read_only() -> None:
    debouncer = Debouncer(timedelta(seconds=1))
    assert debouncer.covered("k", T0)  # no read yet: the queued job reads later
    debouncer.saw("k", T0)
    debouncer.reading("k", T0 + timedelta(seconds=1))
    assert debouncer.delay("k", T0 + timedelta(seconds=1)) == 0  # events up to the read are consumed
    assert debouncer.covered("k", T0 + timedelta(milliseconds=500))
    assert not debouncer.covered("k", T0 + timedelta(seconds=2))  # arrived after the read: a new job


def test_the_dbos_system_database_sits_next_to_a_sqlite_state_file() -> None:
    assert system_database_url("sqlite:////data/ab.db") == "sqlite:////data/ab.db.dbos.sqlite"
    pg = "postgresql+psycopg://u@127.0.0.1:5432/ab"
    assert system_database_url(pg) == pg


def test_an_interval_without_a_cron_form_names_the_key(tmp_path: Path) -> None:
    document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    document["flows"]["metadata_sync"]["poll_interval_seconds"] = 45
    config = tmp_path / "assetbridge.yaml"
    config.write_text(yaml.safe_dump(document), encoding="utf-8")
    env = {"ASSETBRIDGE_ICONIK_AUTH_TOKEN": "t", "ASSETBRIDGE_OL_CLIENT_SECRET": "s"}
    result = CliRunner().invoke(cli, ["run", "--config", str(config)], env=env)
    assert result.exit_code == 2, result.output
    assert "flows.metadata_sync.poll_interval_seconds" in result.output
    assert "divides 60" in result.output

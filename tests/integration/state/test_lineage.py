"""The lineage table and view on both databases: ids from both systems, append-only, paged reads, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from assetbridge.engine.lineage import export_lineage, lineage_page
from assetbridge.state import Database
from assetbridge.state.repositories.lineage import VIEW_COLUMNS, LineageRepo

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def seed(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("REC1", "asset-1", system_identifier="AB-0001", flow="publish")
        repo = LineageRepo(uow.session)
        repo.record("published", flow="publish", link=link, at=T0)
        repo.record(
            "shared",
            flow="campaigns",
            link=link,
            related_kind="collection",
            related_id="coll-9",
            details={"campaign": "Été 2027"},
            at=T0 + timedelta(hours=1),
        )
        later = T0 + timedelta(days=1)
        repo.record("archived", flow="archive", record_id="REC2", asset_id="asset-2", at=later)


def test_the_view_carries_both_systems_ids_and_the_link_state(db: Database) -> None:
    seed(db)
    rows = lineage_page(db, after=0, limit=10, since=None)
    assert [r["event"] for r in rows] == ["published", "shared", "archived"]
    first, shared, archived = rows
    assert (first["orangelogic_record_id"], first["orangelogic_system_identifier"]) == ("REC1", "AB-0001")
    assert first["iconik_asset_id"] == "asset-1" and first["link_state"] == "live"
    assert first["occurred_at"] == T0
    assert (shared["related_kind"], shared["related_id"]) == ("collection", "coll-9")
    assert shared["details"] == {"campaign": "Été 2027"}
    assert archived["link_id"] is None and archived["link_state"] is None
    assert archived["orangelogic_record_id"] == "REC2"
    with db.unit_of_work() as uow:  # a BI tool reads the documented view directly
        names = list(uow.session.execute(sa.text("SELECT * FROM lineage")).keys())
    assert names == list(VIEW_COLUMNS)


def test_pages_follow_event_ids_and_since_filters(db: Database) -> None:
    seed(db)
    page1 = lineage_page(db, after=0, limit=2, since=None)
    page2 = lineage_page(db, after=page1[-1]["event_id"], limit=2, since=None)
    assert [r["event"] for r in page1 + page2] == ["published", "shared", "archived"]
    later = lineage_page(db, after=0, limit=10, since=T0 + timedelta(minutes=30))
    assert [r["event"] for r in later] == ["shared", "archived"]


def test_lineage_events_are_append_only(db: Database) -> None:
    seed(db)
    for statement in ("UPDATE lineage_events SET event = 'revoked'", "DELETE FROM lineage_events"):
        with pytest.raises((DBAPIError, IntegrityError)), db.unit_of_work() as uow:
            uow.session.execute(sa.text(statement))
    assert len(lineage_page(db, after=0, limit=10, since=None)) == 3


def test_an_unknown_event_is_refused_by_name(db: Database) -> None:
    expected = "unknown lineage event 'teleported'; allowed: linked, published"
    with pytest.raises(ValueError, match=expected), db.unit_of_work() as uow:
        LineageRepo(uow.session).record("teleported", flow="x")


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_exports_hold_every_row_and_column(db: Database, fmt: str) -> None:
    seed(db)
    out = io.BytesIO()
    assert export_lineage(db, fmt, out) == 3  # type: ignore[arg-type]
    out.seek(0)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out.read().decode("utf-8"))))
        assert rows[1]["details"] == json.dumps({"campaign": "Été 2027"}, ensure_ascii=False)
        assert rows[0]["occurred_at"] == T0.isoformat()
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.read().decode("utf-8").splitlines()]
    else:
        table = pq.read_table(out)
        assert str(table.schema.field("occurred_at").type) == "timestamp[us, tz=UTC]"
        rows = table.to_pylist()
        assert rows[0]["occurred_at"] == T0
    assert list(rows[0]) == list(VIEW_COLUMNS)
    assert [r["event"] for r in rows] == ["published", "shared", "archived"]
    assert rows[0]["iconik_asset_id"] == "asset-1"


def test_an_export_since_a_time_and_an_empty_export(db: Database) -> None:
    out = io.BytesIO()
    assert export_lineage(db, "parquet", out) == 0
    out.seek(0)
    assert pq.read_table(out).num_rows == 0
    seed(db)
    out = io.BytesIO()
    assert export_lineage(db, "jsonl", out, since=T0 + timedelta(hours=2)) == 1

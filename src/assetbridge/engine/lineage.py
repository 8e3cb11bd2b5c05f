"""Lineage for analytics: pages of the ``lineage`` view (web API) and exports as CSV, JSON Lines or Parquet.

Exports stream in batches. Times are UTC (ISO 8601 in CSV/JSONL/JSON, ``timestamp[us, UTC]`` in Parquet);
``details`` is a JSON text column in CSV and Parquet.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any, BinaryIO, Literal

from assetbridge.state import Database
from assetbridge.state.repositories.lineage import VIEW_COLUMNS, LineageRepo

ExportFormat = Literal["csv", "jsonl", "parquet"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl", "parquet")
BATCH = 1000


MAX_PAGE = 1000


def lineage_page(db: Database, *, after: int, limit: int, since: datetime | None) -> list[dict[str, Any]]:
    """Up to ``limit`` rows (at most ``MAX_PAGE``) with ``event_id > after``, oldest first."""
    with db.unit_of_work() as uow:
        return LineageRepo(uow.session).page(after=after, limit=min(limit, MAX_PAGE), since=since)


def _batches(db: Database, since: datetime | None) -> Iterator[list[dict[str, Any]]]:
    after = 0
    while True:
        rows = lineage_page(db, after=after, limit=BATCH, since=since)
        if not rows:
            return
        yield rows
        after = int(rows[-1]["event_id"])


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def export_lineage(db: Database, fmt: ExportFormat, out: BinaryIO, *, since: datetime | None = None) -> int:
    """Write every lineage row (``occurred_at >= since`` when given) to ``out``; returns the row count."""
    if fmt == "parquet":
        return _parquet(db, out, since)
    count = 0
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv.DictWriter(text, fieldnames=VIEW_COLUMNS) if fmt == "csv" else None
        if writer is not None:
            writer.writeheader()
        for rows in _batches(db, since):
            for row in rows:
                flat = {name: _text(row[name]) for name in VIEW_COLUMNS}
                if writer is not None:
                    writer.writerow(flat)
                else:
                    text.write(json.dumps(flat, ensure_ascii=False) + "\n")
            count += len(rows)
    finally:
        text.flush()
        text.detach()  # the caller owns ``out``
    return count


def _parquet(db: Database, out: BinaryIO, since: datetime | None) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"event_id": pa.int64(), "link_id": pa.int64(), "occurred_at": pa.timestamp("us", tz="UTC")}
    schema = pa.schema([(name, types.get(name, pa.string())) for name in VIEW_COLUMNS])
    count = 0
    with pq.ParquetWriter(out, schema) as writer:
        for rows in _batches(db, since):
            columns = {
                name: [row[name] if name in types else _text(row[name]) for row in rows]
                for name in VIEW_COLUMNS
            }
            writer.write_table(pa.table(columns, schema=schema))
            count += len(rows)
    return count

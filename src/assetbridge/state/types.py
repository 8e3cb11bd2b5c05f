"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both databases.

    SQLite has no time zone type: values are stored as naive UTC text (which sorts and compares
    correctly) and come back with ``tzinfo=UTC``. Naive datetimes are refused rather than guessed.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: state times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def big_id() -> sa.types.TypeEngine[int]:
    """BIGINT primary keys on PostgreSQL; INTEGER on SQLite, where only that is the rowid alias."""
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def clean_text(text: str) -> str:
    """PostgreSQL text cannot hold NUL characters; hostile input can. Keep them visible instead."""
    return text.replace("\x00", "\\x00")


def clean_json(value: Any) -> Any:
    """``clean_text`` through a JSON-shaped value; NaN/Infinity (not JSON) become their names."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value

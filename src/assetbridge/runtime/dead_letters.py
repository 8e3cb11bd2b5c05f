"""The dead-letter sink on the state database: one unit of work per letter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assetbridge.state.db import Database


class StateDeadLetters:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, kind: str, key: str, payload: Mapping[str, Any], error: str, *, attempts: int) -> None:
        with self._db.unit_of_work() as uow:
            uow.dead_letters.add(kind, key, dict(payload), error, attempts=attempts)

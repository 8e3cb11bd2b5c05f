"""An in-memory dead-letter sink for one-shot runs and tests (the durable one lives in ``state``)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeadLetter:
    kind: str
    key: str
    payload: dict[str, Any]
    error: str
    attempts: int


class MemoryDeadLetters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[DeadLetter] = []

    def add(self, kind: str, key: str, payload: Mapping[str, Any], error: str, *, attempts: int) -> None:
        with self._lock:
            self._items.append(DeadLetter(kind, key, dict(payload), error, attempts))

    @property
    def items(self) -> list[DeadLetter]:
        with self._lock:
            return list(self._items)

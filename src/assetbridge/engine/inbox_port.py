"""The webhook inbox as the receiver sees it: the ``InboxPort`` protocol and ``DatabaseInbox``.

Both methods are synchronous (the receiver calls them in a worker thread) and must be durable when they
return: the receiver answers 202 right after, and the sender will not deliver again. ``DatabaseInbox``
is the implementation on the state database.
"""

from __future__ import annotations

from typing import Protocol

from assetbridge.state.db import Database


class InboxPort(Protocol):
    def add(self, system: str, event_id: str, body: bytes, headers: dict[str, str]) -> bool:
        """Store one authenticated raw event; False when ``(system, event_id)`` is already stored."""
        ...

    def quarantine(
        self, system: str, event_id: str, body: bytes, headers: dict[str, str], reason: str
    ) -> bool:
        """Store an authenticated payload that cannot be processed (not JSON, not an object, too deep,
        no event id), with ``reason``; False when ``(system, event_id)`` is already stored."""
        ...


class DatabaseInbox:
    """``InboxPort`` on the state database: one committed transaction per received event."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, system: str, event_id: str, body: bytes, headers: dict[str, str]) -> bool:
        with self.db.unit_of_work() as uow:
            return uow.inbox.add(system, event_id, body, headers)

    def quarantine(
        self, system: str, event_id: str, body: bytes, headers: dict[str, str], reason: str
    ) -> bool:
        with self.db.unit_of_work() as uow:
            return uow.inbox.add_quarantined(system, event_id, body, headers, reason)

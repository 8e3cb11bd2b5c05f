"""The webhook inbox as the receiver sees it: a port the state layer implements (``InboxRepo``).

Both methods are synchronous (the receiver calls them in a worker thread) and must be durable when they
return: the receiver answers 202 right after, and the sender will not deliver again.
"""

from __future__ import annotations

from typing import Protocol


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

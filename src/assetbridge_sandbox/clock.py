"""The sandbox's clock: real time plus an offset that tests move forward through the control API.

Every emulator reads time from one shared ``SandboxClock`` so that token expiry, signed-URL expiry,
rights windows and ``date_modified`` all move together when a test advances time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta


class SandboxClock:
    def __init__(self) -> None:
        self._offset = 0.0

    def time(self) -> float:
        """Seconds since the epoch, like ``time.time()``, shifted by the offset."""
        return time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), tz=UTC)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        self._offset += seconds

    @property
    def offset(self) -> float:
        return self._offset


def iso(dt: datetime) -> str:
    """iconik's timestamp format: ISO-8601 with microseconds and ``+00:00``."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def later(dt: datetime, seconds: float) -> datetime:
    return dt + timedelta(seconds=seconds)

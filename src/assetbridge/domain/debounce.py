"""When an asset with a burst of change events is due for a sync (pure, times passed in)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta


def due_at(
    event_times: Iterable[datetime], window: timedelta, max_delay: timedelta | None = None
) -> datetime | None:
    """The time the asset is due: ``window`` after its last event, but no later than ``max_delay`` after
    the first (so a steady stream of edits cannot postpone the sync forever); ``None`` without events."""
    times = list(event_times)
    if not times:
        return None
    due = max(times) + window
    if max_delay is not None:
        due = min(due, min(times) + max_delay)
    return due


def is_due(
    event_times: Iterable[datetime], window: timedelta, now: datetime, max_delay: timedelta | None = None
) -> bool:
    due = due_at(event_times, window, max_delay)
    return due is not None and now >= due

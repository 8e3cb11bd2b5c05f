"""Periodic jobs (polling, reconciliation) and their cron form for DBOS."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assetbridge.errors import ConfigError
from assetbridge.runtime.ports import Lane


@dataclass(frozen=True)
class ScheduleSpec:
    """Submit job ``kind`` every ``every`` seconds; each tick's payload gets ``scheduled_at`` (ISO 8601).

    A tick while the previous tick's job is still queued or running is skipped (same dedup key), so a
    slow reconciliation never piles up behind itself.
    """

    name: str
    kind: str
    every: int
    payload: dict[str, Any] = field(default_factory=dict)
    lane: Lane = "backfill"


def interval_to_cron(seconds: int) -> str:
    """A six-field (seconds first) cron expression firing every ``seconds`` seconds, aligned to the clock.

    Only intervals that divide a minute, an hour or a day evenly have an exact cron form.
    """
    if seconds >= 1 and 60 % seconds == 0:
        return f"*/{seconds} * * * * *"
    if seconds % 60 == 0 and 3600 % seconds == 0:
        return f"0 */{seconds // 60} * * * *"
    if seconds % 3600 == 0 and 86400 % seconds == 0:
        return f"0 0 */{seconds // 3600} * * *"
    raise ConfigError(
        f"interval {seconds}s: use a number of seconds that divides 60, a number of minutes that divides "
        "60 or a number of hours that divides 24",
        key="every",
    )

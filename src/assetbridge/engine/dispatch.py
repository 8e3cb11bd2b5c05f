"""From a stored webhook event to the linked pair it concerns, when that pair is due, and its sync job.

Webhooks are hints: an event only names an asset (iconik ``object_id`` of an ``assets`` event, Orange
Logic ``recordId``/``identifier``); the job re-reads both sides. Jobs are keyed per Orange Logic record
(``metadata_sync:<RecordID>``, the key the sync pass files dead letters under), so events of both sides
for one pair share one job. ``Debouncer`` holds each key's recent event times: a job waits until
``domain.debounce.due_at`` says the burst is over, and tells whether a job already queued or running will
still see an event (its read started after the event arrived).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from assetbridge.domain.debounce import due_at
from assetbridge.engine.context import FLOW, SyncContext
from assetbridge.engine.records import find_link, record_failure
from assetbridge.engine.sync_metadata import sync_pair
from assetbridge.errors import AssetBridgeError, TransientError
from assetbridge.state import Database

log = logging.getLogger(__name__)

ICONIK_ASSET_REALMS = frozenset({"entity", "metadata", "versions", "approvals"})


class UnmappableEvent(ValueError):
    """An event whose body names no asset we can read (it is quarantined with this reason)."""


@dataclass(frozen=True)
class EventTarget:
    system: Literal["iconik", "orangelogic"]
    asset_id: str | None = None
    record_id: str | None = None
    system_identifier: str | None = None


def _text(data: dict[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None


def event_target(system: str, body: bytes) -> EventTarget | None:
    """The asset an inbox event is about; None for events that concern no synced asset."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise UnmappableEvent("body is not JSON") from exc
    if not isinstance(data, dict):
        raise UnmappableEvent("body is not a JSON object")
    if system == "iconik":
        if str(data.get("event_type", "")).lower() != "assets":
            return None
        if str(data.get("realm", "")).lower() not in ICONIK_ASSET_REALMS:
            return None
        asset_id = _text(data, "object_id")
        if asset_id is None:
            raise UnmappableEvent("iconik assets event without object_id")
        return EventTarget("iconik", asset_id=asset_id)
    if system == "orangelogic":
        topic = str(data.get("topic", ""))
        if topic == "asset.deleted":
            return None
        record_id = _text(data, "recordId", "RecordID")
        identifier = _text(data, "identifier", "Identifier")
        if record_id is None and identifier is None:
            raise UnmappableEvent("Orange Logic event without recordId or identifier")
        return EventTarget("orangelogic", record_id=record_id, system_identifier=identifier)
    raise UnmappableEvent(f"unknown system {system!r}")


def pair_key(record_id: str) -> str:
    return f"{FLOW}:{record_id}"


@dataclass(frozen=True)
class Resolution:
    """``key``/``payload``: the ``sync_pair`` job to submit; ``needs_pass``: an Orange Logic record not
    linked yet (the sync pass matches or creates its iconik asset); neither: nothing to do."""

    key: str | None = None
    payload: dict[str, Any] | None = None
    needs_pass: bool = False
    note: str = ""


def resolve_target(db: Database, target: EventTarget) -> Resolution:
    if target.system == "iconik":
        link = find_link(db, asset_id=target.asset_id)
        if link is None:
            return Resolution(note=f"iconik asset {target.asset_id} is not linked")
    else:
        link = find_link(db, record_id=target.record_id) if target.record_id else None
        if link is None:
            return Resolution(needs_pass=True, note="Orange Logic record not linked yet")
    return Resolution(pair_key(link.record_id), {"record_id": link.record_id, "link_id": link.id})


def live_record_ids(db: Database, page: int = 1000) -> list[str]:
    """The Orange Logic record of every live (not tombstoned) link, for a reconciliation sweep."""
    records: list[str] = []
    after = 0
    while True:
        with db.unit_of_work() as uow:
            links = uow.links.list_live(flow=FLOW, after_id=after, limit=page)
            records += [link.record_id for link in links]
            if len(links) < page:
                return records
            after = links[-1].id


SyncOutcome = Literal["synced", "unlinked", "failed"]


async def sync_record(ctx: SyncContext, record_id: str, *, event_id: str | None = None) -> SyncOutcome:
    """The ``sync_pair`` job: sync the linked pair of ``record_id`` as it is now.

    A permanent failure is recorded (audit row and dead letter, replayable) and not raised; a transient
    one is raised for the runner to retry.
    """
    link = await ctx.db_call(find_link, ctx.db, record_id=record_id)
    if link is None or link.asset_id is None:
        return "unlinked"
    try:
        await sync_pair(ctx, link.id, link.system_identifier or "", link.asset_id, event_id=event_id)
    except TransientError:
        raise
    except (AssetBridgeError, ValueError) as error:
        log.warning("sync of %s failed: %s", record_id, error)
        await ctx.db_call(record_failure, ctx.db, link.id, record_id, error, event_id=event_id)
        return "failed"
    return "synced"


@dataclass
class Debouncer:
    """Per job key: the times of events not yet read, and when the latest read started."""

    window: timedelta
    max_delay: timedelta | None = None
    _events: dict[str, list[datetime]] = field(default_factory=dict)
    _read_started: dict[str, datetime] = field(default_factory=dict)

    def saw(self, key: str, at: datetime) -> None:
        self._events.setdefault(key, []).append(at)

    def delay(self, key: str, now: datetime) -> float:
        """Seconds until ``key`` is due (0: sync now)."""
        due = due_at(self._events.get(key, ()), self.window, self.max_delay)
        return 0.0 if due is None else max(0.0, (due - now).total_seconds())

    def reading(self, key: str, at: datetime) -> None:
        """A job for ``key`` starts reading at ``at``: events up to then are covered by it."""
        self._read_started[key] = at
        self._events[key] = [t for t in self._events.get(key, ()) if t > at]
        if not self._events[key]:
            del self._events[key]

    def covered(self, key: str, received_at: datetime) -> bool:
        """Whether the job for ``key`` that is queued or running reads after ``received_at``.

        Unknown (no read seen in this process) counts as covered only when no read ever started here:
        the queued job has not read yet. A read that started before the event means a new job is needed.
        """
        started = self._read_started.get(key)
        return started is None or started >= received_at

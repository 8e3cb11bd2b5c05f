"""The webhook inbox: raw events stored before anything else happens, de-duplicated by event id.

Headers are redacted before storage (secrets never reach the database). A payload that cannot be
understood is stored as ``quarantined`` with the reason, so nothing is lost and nothing crashes.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.state.models import InboxItem
from assetbridge.state.types import clean_text, utcnow
from assetbridge.transport.redaction import redact_headers, redact_text

MAX_EVENT_ID = 200
MAX_ERROR = 4000
DEFAULT_LEASE = timedelta(minutes=5)


def event_key(event_id: str | None, body: bytes) -> str:
    """The stored event id: as sent when it is short and printable, else a digest of it (or of the body)."""
    if event_id and len(event_id) <= MAX_EVENT_ID and event_id.isprintable():
        return event_id
    source = event_id.encode("utf-8", "surrogatepass") if event_id else body
    return "sha256:" + hashlib.sha256(source).hexdigest()


def _stored_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    return {clean_text(k.lower()): clean_text(v) for k, v in redact_headers(headers).items()}


def _error_text(error: str | BaseException) -> str:
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else error
    return clean_text(redact_text(text))[:MAX_ERROR]


class InboxRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        system: str,
        event_id: str | None,
        body: bytes | str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
        *,
        at: datetime | None = None,
    ) -> bool:
        """Store an event; False (and the original's ``duplicates`` count bumped) when already stored."""
        return self._insert(system, event_id, body, headers, "new", None, at)

    def add_quarantined(
        self,
        system: str,
        event_id: str | None,
        body: bytes | str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        error: str | BaseException,
        *,
        at: datetime | None = None,
    ) -> bool:
        """Store a malformed or hostile payload as quarantined, with why; False when a duplicate."""
        return self._insert(system, event_id, body, headers, "quarantined", _error_text(error), at)

    def _insert(
        self,
        system: str,
        event_id: str | None,
        body: bytes | str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]],
        status: str,
        error: str | None,
        at: datetime | None,
    ) -> bool:
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
        key = event_key(event_id, raw)
        item = InboxItem(
            system=system,
            event_id=key,
            body=raw,
            headers=_stored_headers(headers),
            status=status,
            error=error,
            attempts=0,
            duplicates=0,
            received_at=at or utcnow(),
        )
        if status == "quarantined":
            item.finished_at = item.received_at
        if self._find(system, key) is None:
            try:
                with self.session.begin_nested():
                    self.session.add(item)
                return True
            except IntegrityError:
                pass  # the same event arrived concurrently through another worker
        self.session.execute(
            sa.update(InboxItem)
            .where(InboxItem.system == system, InboxItem.event_id == key)
            .values(duplicates=InboxItem.duplicates + 1)
        )
        return False

    def _find(self, system: str, event_key_: str) -> int | None:
        query = sa.select(InboxItem.id).where(InboxItem.system == system, InboxItem.event_id == event_key_)
        return self.session.scalar(query)

    def get(self, item_id: int) -> InboxItem | None:
        return self.session.get(InboxItem, item_id)

    def get_by_event_id(self, system: str, event_id: str) -> InboxItem | None:
        query = sa.select(InboxItem).where(
            InboxItem.system == system, InboxItem.event_id == event_key(event_id, b"")
        )
        return self.session.scalars(query).first()

    def claim_batch(
        self,
        limit: int = 50,
        *,
        system: str | None = None,
        worker: str = "",
        lease: timedelta = DEFAULT_LEASE,
        at: datetime | None = None,
    ) -> list[InboxItem]:
        """Claim up to ``limit`` events for this worker, oldest first; no two workers get the same row.

        New events and events whose claim is older than ``lease`` (their worker died) are claimable.
        PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent claimers pass each other's rows. SQLite:
        the claim is a single ``UPDATE`` statement, atomic under the database's single write lock.
        """
        now = at or utcnow()
        token = uuid.uuid4().hex
        claimable = sa.or_(
            InboxItem.status == "new",
            sa.and_(InboxItem.status == "processing", InboxItem.claimed_at < now - lease),
        )
        candidates = sa.select(InboxItem.id).where(claimable)
        if system is not None:
            candidates = candidates.where(InboxItem.system == system)
        candidates = candidates.order_by(InboxItem.id).limit(limit)
        target: sa.ColumnElement[bool]
        if self.session.get_bind().dialect.name == "postgresql":
            ids = list(self.session.scalars(candidates.with_for_update(skip_locked=True)))
            if not ids:
                return []
            target = InboxItem.id.in_(ids)
        else:
            target = sa.and_(InboxItem.id.in_(candidates.scalar_subquery()), claimable)
        self.session.execute(
            sa.update(InboxItem)
            .where(target)
            .values(
                status="processing",
                claim_token=token,
                claimed_by=worker[:128],
                claimed_at=now,
                attempts=InboxItem.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        query = (
            sa.select(InboxItem)
            .where(InboxItem.claim_token == token)
            .order_by(InboxItem.id)
            .execution_options(populate_existing=True)
        )
        return list(self.session.scalars(query))

    def mark_done(self, item_id: int, *, at: datetime | None = None) -> None:
        self._finish(item_id, "done", None, at)

    def quarantine(self, item_id: int, error: str | BaseException, *, at: datetime | None = None) -> None:
        """Give up on an event for good, keeping it and the reason for an operator."""
        self._finish(item_id, "quarantined", _error_text(error), at)

    def release(self, item_id: int, error: str | BaseException | None = None) -> None:
        """Hand a claimed event back (a transient failure); the next claim retries it."""
        self.session.execute(
            sa.update(InboxItem)
            .where(InboxItem.id == item_id)
            .values(
                status="new",
                claim_token=None,
                claimed_by=None,
                claimed_at=None,
                error=_error_text(error) if error is not None else InboxItem.error,
            )
            .execution_options(synchronize_session=False)
        )

    def _finish(self, item_id: int, status: str, error: str | None, at: datetime | None) -> None:
        values: dict[str, object] = {"status": status, "finished_at": at or utcnow(), "claim_token": None}
        if error is not None:
            values["error"] = error
        self.session.execute(
            sa.update(InboxItem)
            .where(InboxItem.id == item_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    def counts(self, system: str | None = None) -> dict[str, int]:
        """Rows per status plus ``duplicates`` (events dropped as repeats) — for status and metrics."""
        query = sa.select(
            InboxItem.status, sa.func.count(), sa.func.coalesce(sa.func.sum(InboxItem.duplicates), 0)
        )
        if system is not None:
            query = query.where(InboxItem.system == system)
        result = dict.fromkeys(("new", "processing", "done", "quarantined", "duplicates"), 0)
        for status, count, duplicates in self.session.execute(query.group_by(InboxItem.status)):
            result[status] = int(count)
            result["duplicates"] += int(duplicates)
        return result

    def recent(
        self, *, status: str | None = None, system: str | None = None, limit: int = 100
    ) -> list[InboxItem]:
        """The newest events first, optionally of one status and system."""
        query = sa.select(InboxItem)
        if status is not None:
            query = query.where(InboxItem.status == status)
        if system is not None:
            query = query.where(InboxItem.system == system)
        return list(self.session.scalars(query.order_by(InboxItem.id.desc()).limit(limit)))

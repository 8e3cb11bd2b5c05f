"""Durable media transfers (one row per transfer key, with what the storage already holds) and the
"Request original" clicks waiting for their transfer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.state.models_media import OriginalRequest, Transfer
from assetbridge.state.types import clean_json, clean_text, utcnow


@dataclass(frozen=True)
class Progress:
    """Where an upload stands: a new ``session_url``/``upload_id`` replaces the stored parts."""

    session_url: str = ""
    upload_id: str = ""
    part_size: int = 0
    parts: dict[int, str] = field(default_factory=dict)
    offset: int = 0


class TransfersRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Transfer | None:
        return self.session.get(Transfer, key, populate_existing=True)

    def _locked(self, key: str) -> Transfer | None:
        query = sa.select(Transfer).where(Transfer.key == key).with_for_update()
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def begin(
        self,
        key: str,
        *,
        asset_id: str,
        role: str,
        version_id: str | None,
        source: str,
        file_name: str,
    ) -> Transfer:
        """The row for ``key`` (created when new); its attempt count goes up by one."""
        row = self._locked(key)
        if row is None:
            row = Transfer(
                key=key,
                asset_id=asset_id,
                role=role,
                version_id=version_id,
                source=source,
                file_name=clean_text(file_name),
                parts={},
                offset=0,
                status="pending",
                attempts=0,
            )
            self.session.add(row)
        row.attempts = (row.attempts or 0) + 1
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def set_target(self, key: str, *, target_id: str, method: str, size: int) -> None:
        """A new iconik file/proxy receives the bytes: anything stored for an earlier one is dropped."""
        row = self._require(key)
        row.target_id, row.method, row.size = target_id, method, size
        row.session_url = row.upload_id = None
        row.part_size = None
        row.parts = {}
        row.offset = 0
        row.status = "uploading"
        row.error = None
        row.updated_at = utcnow()
        self.session.flush()

    def save_progress(self, key: str, progress: Progress) -> None:
        """Record stored parts; parts of the same upload are merged (saves may arrive out of order)."""
        row = self._require(key)
        same = (row.session_url or "") == progress.session_url and (row.upload_id or "") == progress.upload_id
        merged = dict(row.parts or {}) if same else {}
        merged.update({str(n): md5 for n, md5 in progress.parts.items()})
        row.session_url = progress.session_url or None
        row.upload_id = progress.upload_id or None
        row.part_size = progress.part_size or None
        row.parts = merged
        row.offset = max(row.offset or 0, progress.offset) if same else progress.offset
        row.updated_at = utcnow()
        self.session.flush()

    def finish(self, key: str, *, md5: str, size: int) -> None:
        row = self._require(key)
        row.status, row.md5, row.size, row.error = "done", md5, size, None
        row.updated_at = utcnow()
        self.session.flush()

    def reopen(self, key: str) -> bool:
        """A done transfer whose copy is gone from iconik: the next run copies anew. False if not done."""
        row = self._locked(key)
        if row is None or row.status != "done":
            return False
        row.status = "pending"
        row.target_id = row.method = row.md5 = row.session_url = row.upload_id = None
        row.part_size = None
        row.parts = {}
        row.offset = 0
        row.updated_at = utcnow()
        self.session.flush()
        return True

    def fail(self, key: str, error: str) -> None:
        row = self.get(key)
        if row is None:
            return
        row.status = "failed"
        row.error = clean_text(error)[:2000]
        row.updated_at = utcnow()
        self.session.flush()

    def for_asset(self, asset_id: str) -> list[Transfer]:
        query = sa.select(Transfer).where(Transfer.asset_id == asset_id).order_by(Transfer.created_at)
        return list(self.session.scalars(query))

    def _require(self, key: str) -> Transfer:
        row = self._locked(key)
        if row is None:
            raise LookupError(f"no transfer {key!r}")
        return row


class OriginalRequestsRepo:
    """Clicks on the "Request original" custom action, one row per (click, asset)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        dedupe_key: str,
        *,
        asset_id: str,
        action_id: str | None,
        user_id: str | None,
        payload: dict[str, Any],
        status: str = "new",
        outcome: str | None = None,
    ) -> bool:
        """Store a request; False when one with this ``dedupe_key`` is already stored."""
        try:
            with self.session.begin_nested():
                self.session.add(
                    OriginalRequest(
                        dedupe_key=dedupe_key[:255],
                        asset_id=asset_id[:64],
                        action_id=(action_id or None) and action_id[:64],
                        user_id=(user_id or None) and user_id[:64],
                        payload=clean_json(payload),
                        status=status,
                        outcome=clean_text(outcome) if outcome else None,
                    )
                )
            return True
        except IntegrityError:
            return False

    def take_new(self, limit: int = 50) -> list[OriginalRequest]:
        """Mark up to ``limit`` new requests queued (oldest first) and return them."""
        query = (
            sa.select(OriginalRequest)
            .where(OriginalRequest.status == "new")
            .order_by(OriginalRequest.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = list(self.session.scalars(query))
        for row in rows:
            row.status = "queued"
            row.updated_at = utcnow()
        self.session.flush()
        return rows

    def finish(self, request_id: int, *, status: str, outcome: str) -> None:
        row = self.session.get(OriginalRequest, request_id)
        if row is not None:
            row.status = status
            row.outcome = clean_text(outcome)[:2000]
            row.updated_at = utcnow()
            self.session.flush()

    def for_asset(self, asset_id: str) -> list[OriginalRequest]:
        query = (
            sa.select(OriginalRequest)
            .where(OriginalRequest.asset_id == asset_id)
            .order_by(OriginalRequest.id)
        )
        return list(self.session.scalars(query))

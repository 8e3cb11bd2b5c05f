"""Durable media transfers: one row per transfer key, with what the storage already holds."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models_media import Transfer
from assetbridge.state.types import clean_text, utcnow


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

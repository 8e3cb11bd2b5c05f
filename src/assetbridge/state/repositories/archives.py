"""iconik → Orange Logic transfers and the archive: projects, archived assets and their attestations."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models_archive import ArchiveItem, ArchiveProject, OlTransfer
from assetbridge.state.types import clean_json, clean_text, utcnow


@dataclass(frozen=True)
class Attestation:
    """The three values compared for one archived file (hex digests; ``iconik_checksum`` as recorded)."""

    algorithm: str
    size: int
    served_size: int
    iconik_checksum: str | None
    streamed_md5: str
    streamed_sha256: str
    served_md5: str
    served_sha256: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "size": self.size,
            "served_size": self.served_size,
            "iconik_checksum": self.iconik_checksum,
            "streamed_md5": self.streamed_md5,
            "streamed_sha256": self.streamed_sha256,
            "served_md5": self.served_md5,
            "served_sha256": self.served_sha256,
            "at": self.at.isoformat(),
        }


class OlTransfersRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> OlTransfer | None:
        return self.session.get(OlTransfer, key, populate_existing=True)

    def begin(self, key: str, *, asset_id: str, file_id: str, file_name: str, target: str) -> OlTransfer:
        """The row for ``key`` (created when new), its attempt count up by one."""
        query = sa.select(OlTransfer).where(OlTransfer.key == key).with_for_update()
        row = self.session.scalars(query.execution_options(populate_existing=True)).first()
        if row is None:
            row = OlTransfer(
                key=key,
                asset_id=asset_id,
                file_id=file_id,
                file_name=clean_text(file_name),
                target=target,
                status="pending",
                multipart=False,
                chunks_done=0,
                attempts=0,
            )
            self.session.add(row)
        row.attempts = (row.attempts or 0) + 1
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def update(self, key: str, **values: Any) -> OlTransfer:
        row = self.get(key)
        if row is None:
            raise LookupError(f"no transfer {key!r}")
        for name, value in values.items():
            setattr(row, name, clean_text(value) if name in ("error",) and value else value)
        row.updated_at = utcnow()
        self.session.flush()
        return row


class ArchivesRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def project(self, collection_id: str) -> ArchiveProject | None:
        return self.session.get(ArchiveProject, collection_id, populate_existing=True)

    def projects(self, *, status: str | None = None) -> Sequence[ArchiveProject]:
        query = sa.select(ArchiveProject)
        if status is not None:
            query = query.where(ArchiveProject.status == status)
        return list(self.session.scalars(query.order_by(ArchiveProject.started_at)))

    def find_project(self, name: str) -> ArchiveProject | None:
        """By collection id, project id or title (in that order)."""
        for column in (ArchiveProject.collection_id, ArchiveProject.project_id, ArchiveProject.title):
            row = self.session.scalars(sa.select(ArchiveProject).where(column == name)).first()
            if row is not None:
                return row
        return None

    def start_project(self, collection_id: str, *, project_id: str, title: str) -> ArchiveProject:
        row = self.project(collection_id)
        if row is None:
            row = ArchiveProject(
                collection_id=collection_id,
                project_id=project_id,
                title=clean_text(title),
                status="running",
                archived=0,
                failed=0,
                started_at=utcnow(),
            )
            self.session.add(row)
        row.status = "running"
        row.error = None
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def set_folder(self, collection_id: str, record_id: str, title: str) -> None:
        row = self._project(collection_id)
        row.folder_record_id, row.folder_title = record_id, clean_text(title)
        row.updated_at = utcnow()
        self.session.flush()

    def finish_project(self, collection_id: str, *, error: str | None = None) -> ArchiveProject:
        row = self._project(collection_id)
        items = self.items(collection_id)
        row.archived = sum(1 for i in items if i.status == "done")
        row.failed = sum(1 for i in items if i.status == "failed")
        row.status = "failed" if error or row.failed else "done"
        row.error = clean_text(error) if error else None
        row.finished_at = row.updated_at = utcnow()
        self.session.flush()
        return row

    def _project(self, collection_id: str) -> ArchiveProject:
        row = self.project(collection_id)
        if row is None:
            raise LookupError(f"no archive project {collection_id!r}")
        return row

    def item(self, collection_id: str, asset_id: str) -> ArchiveItem | None:
        query = sa.select(ArchiveItem).where(
            ArchiveItem.collection_id == collection_id, ArchiveItem.asset_id == asset_id
        )
        return self.session.scalars(query.execution_options(populate_existing=True)).first()

    def items(self, collection_id: str) -> Sequence[ArchiveItem]:
        query = sa.select(ArchiveItem).where(ArchiveItem.collection_id == collection_id)
        return list(self.session.scalars(query.order_by(ArchiveItem.id)))

    def begin_item(
        self, collection_id: str, asset_id: str, *, kind: str, file_id: str | None, file_name: str | None
    ) -> ArchiveItem:
        row = self.item(collection_id, asset_id)
        if row is None:
            row = ArchiveItem(
                collection_id=collection_id, asset_id=asset_id, kind=kind, status="pending", attempts=0
            )
            self.session.add(row)
        row.file_id = file_id
        row.file_name = clean_text(file_name) if file_name else None
        row.attempts = (row.attempts or 0) + 1
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def attest(
        self,
        collection_id: str,
        asset_id: str,
        *,
        record_id: str,
        system_identifier: str,
        attestation: Attestation,
        ok: bool,
        error: str | None = None,
    ) -> ArchiveItem:
        row = self._item(collection_id, asset_id)
        row.record_id, row.system_identifier = record_id, system_identifier
        row.size, row.served_size = attestation.size, attestation.served_size
        row.algorithm = attestation.algorithm
        row.iconik_checksum = attestation.iconik_checksum
        row.streamed_md5, row.streamed_sha256 = attestation.streamed_md5, attestation.streamed_sha256
        row.served_md5, row.served_sha256 = attestation.served_md5, attestation.served_sha256
        row.attested_at = attestation.at
        row.status = "done" if ok else "failed"
        row.error = clean_text(error) if error else None
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def fail_item(self, collection_id: str, asset_id: str, error: str, **values: Any) -> ArchiveItem:
        row = self._item(collection_id, asset_id)
        for name, value in values.items():
            setattr(row, name, value)
        row.status = "failed"
        row.error = clean_text(error)
        row.updated_at = utcnow()
        self.session.flush()
        return row

    def note(self, collection_id: str, asset_id: str, details: Mapping[str, Any]) -> None:
        row = self._item(collection_id, asset_id)
        row.details = clean_json({**(row.details or {}), **details})
        row.updated_at = utcnow()
        self.session.flush()

    def _item(self, collection_id: str, asset_id: str) -> ArchiveItem:
        row = self.item(collection_id, asset_id)
        if row is None:
            raise LookupError(f"no archive item {collection_id}/{asset_id}")
        return row

"""The crosswalk: Orange Logic record ↔ iconik asset, with tombstones."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from assetbridge.errors import AssetBridgeError
from assetbridge.state.models import Link
from assetbridge.state.types import utcnow


class LinkConflictError(AssetBridgeError):
    """The record or the asset is already linked (live) to something else; nothing was changed.

    Carries the existing link's ids (plain values, still usable after the transaction rolled back).
    """

    def __init__(self, message: str, existing: Link) -> None:
        super().__init__(message)
        self.link_id = existing.id
        self.record_id = existing.record_id
        self.asset_id = existing.asset_id


class LinkRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, link_id: int) -> Link | None:
        return self.session.get(Link, link_id)

    def get_by_record_id(self, record_id: str) -> Link | None:
        """The live link of an Orange Logic ``RecordID`` (tombstoned ones are not returned)."""
        return self.session.scalars(
            sa.select(Link).where(Link.record_id == record_id, Link.tombstoned_at.is_(None))
        ).first()

    def get_by_asset_id(self, asset_id: str) -> Link | None:
        """The live link of an iconik asset id (tombstoned ones are not returned)."""
        return self.session.scalars(
            sa.select(Link).where(Link.asset_id == asset_id, Link.tombstoned_at.is_(None))
        ).first()

    def find_any(self, identifier: str) -> list[Link]:
        """Every link, live or tombstoned, with ``identifier`` as record id, system identifier or asset id."""
        query = (
            sa.select(Link)
            .where(
                sa.or_(
                    Link.record_id == identifier,
                    Link.system_identifier == identifier,
                    Link.asset_id == identifier,
                )
            )
            .order_by(Link.id)
        )
        return list(self.session.scalars(query))

    def list_live(self, *, flow: str | None = None, after_id: int = 0, limit: int = 1000) -> list[Link]:
        """Live links in id order, a page at a time (``after_id`` = the last id of the previous page)."""
        query = sa.select(Link).where(Link.tombstoned_at.is_(None), Link.id > after_id)
        if flow is not None:
            query = query.where(Link.flow == flow)
        return list(self.session.scalars(query.order_by(Link.id).limit(limit)))

    def count_live(self) -> int:
        return (
            self.session.scalar(
                sa.select(sa.func.count()).select_from(Link).where(Link.tombstoned_at.is_(None))
            )
            or 0
        )

    def link(
        self,
        record_id: str,
        asset_id: str,
        *,
        system_identifier: str | None = None,
        version_ids: Iterable[str] = (),
        flow: str = "",
        at: datetime | None = None,
    ) -> Link:
        """Link a record to an asset; linking the same pair again returns the existing link.

        Raises ``LinkConflictError`` when either side is already live-linked to something else. A
        tombstoned link is never revived: a pair linked again after a tombstone gets a new row.
        """
        existing = self._live_pair(record_id, asset_id)
        if existing is not None:
            return self._refresh(existing, system_identifier, version_ids, at)
        now = at or utcnow()
        link = Link(
            record_id=record_id,
            asset_id=asset_id,
            system_identifier=system_identifier,
            version_ids=list(dict.fromkeys(version_ids)),
            flow=flow,
            created_at=now,
            updated_at=now,
        )
        try:
            with self.session.begin_nested():
                self.session.add(link)
        except IntegrityError:
            # Another worker linked one of the two ids between our read and our insert.
            existing = self._live_pair(record_id, asset_id)
            if existing is None:
                raise
            return self._refresh(existing, system_identifier, version_ids, at)
        return link

    def _live_pair(self, record_id: str, asset_id: str) -> Link | None:
        by_record = self.get_by_record_id(record_id)
        by_asset = self.get_by_asset_id(asset_id)
        if by_record is not None and by_record.asset_id != asset_id:
            raise LinkConflictError(
                f"Orange Logic record {record_id} is already linked to iconik asset {by_record.asset_id}",
                by_record,
            )
        if by_asset is not None and by_asset.record_id != record_id:
            raise LinkConflictError(
                f"iconik asset {asset_id} is already linked to Orange Logic record {by_asset.record_id}",
                by_asset,
            )
        return by_record

    def _refresh(
        self, link: Link, system_identifier: str | None, version_ids: Iterable[str], at: datetime | None
    ) -> Link:
        changed = False
        if system_identifier is not None and link.system_identifier != system_identifier:
            link.system_identifier = system_identifier
            changed = True
        merged = list(dict.fromkeys([*link.version_ids, *version_ids]))
        if merged != link.version_ids:
            link.version_ids = merged
            changed = True
        if changed:
            link.updated_at = at or utcnow()
            self.session.flush()
        return link

    def add_versions(self, link_id: int, version_ids: Sequence[str], *, at: datetime | None = None) -> Link:
        link = self._require(link_id)
        return self._refresh(link, None, version_ids, at)

    def tombstone(self, link_id: int, reason: str, *, at: datetime | None = None) -> Link:
        """Mark a link dead (kept for history and lineage); tombstoning twice keeps the first reason."""
        link = self._require(link_id)
        if link.tombstoned_at is None:
            now = at or utcnow()
            link.tombstoned_at = now
            link.tombstone_reason = reason
            link.updated_at = now
            self.session.flush()
        return link

    def set_stamps(self, link_id: int, *, orangelogic: str | None = None, iconik: str | None = None) -> None:
        """Remember the change stamp of each side's version just synced (None clears that side's)."""
        link = self._require(link_id)
        link.orangelogic_stamp = orangelogic
        link.iconik_stamp = iconik
        self.session.flush()

    def _require(self, link_id: int) -> Link:
        link = self.get(link_id)
        if link is None:
            raise KeyError(f"no link {link_id}")
        return link

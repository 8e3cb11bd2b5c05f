"""Publications, campaign collections and derived assets (the publish and campaign flows' state).

Reached as ``PublicationRepo(uow.session)``; like every repository it never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from assetbridge.state.models import Link
from assetbridge.state.models_publish import CampaignCollection, DerivedAsset, Publication
from assetbridge.state.types import clean_json, utcnow


class PublicationRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def for_link(self, link_id: int) -> list[Publication]:
        query = sa.select(Publication).where(Publication.link_id == link_id)
        return list(self.session.scalars(query.order_by(Publication.ol_version)))

    def get(self, link_id: int, ol_version: int) -> Publication | None:
        query = sa.select(Publication).where(
            Publication.link_id == link_id, Publication.ol_version == ol_version
        )
        return self.session.scalars(query).first()

    def start(
        self,
        *,
        link_id: int,
        record_id: str,
        asset_id: str,
        rule: str,
        ol_version: int,
        media_mode: str,
        rendition: str | None,
        iconik_version_id: str | None,
        known_version_ids: Sequence[str] = (),
        needs_version: bool = False,
    ) -> Publication:
        """The row of one Orange Logic version (created, or the existing one returned unchanged).

        ``needs_version``: an iconik version must be created first (status ``versioning``); otherwise the
        media go to ``iconik_version_id`` (None: the asset's current version).
        """
        existing = self.get(link_id, ol_version)
        if existing is not None:
            return existing
        row = Publication(
            link_id=link_id,
            record_id=record_id,
            asset_id=asset_id,
            rule=rule,
            ol_version=ol_version,
            media_mode=media_mode,
            rendition=rendition,
            iconik_version_id=iconik_version_id,
            known_version_ids=list(known_version_ids),
            status="versioning" if needs_version else "media",
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def set_version(self, publication_id: int, version_id: str) -> None:
        row = self._require(publication_id)
        row.iconik_version_id = version_id
        if row.status == "versioning":
            row.status = "media"
        self.session.flush()

    def published(
        self,
        publication_id: int,
        *,
        media_id: str | None,
        size: int | None,
        md5: str | None,
        keyframes_job_id: str | None,
        details: dict[str, Any] | None = None,
        at: datetime | None = None,
    ) -> Publication:
        row = self._require(publication_id)
        row.status = "published"
        row.media_id = media_id
        row.media_size = size
        row.media_md5 = md5
        row.keyframes_job_id = keyframes_job_id
        kept = {k: v for k, v in (row.details or {}).items() if k == "media_attempt"}
        row.details = clean_json({**kept, **details}) if details is not None else (kept or None)
        row.published_at = at or utcnow()
        self.session.flush()
        return row

    def bump_media_attempt(self, publication_id: int) -> int:
        row = self._require(publication_id)
        details = dict(row.details or {})
        details["media_attempt"] = int(details.get("media_attempt", 0)) + 1
        row.details = details
        self.session.flush()
        return int(details["media_attempt"])

    def media_removed(self, link_id: int) -> None:
        """The media of the link's latest published version were deleted in iconik (a rights revoke):
        back to ``media`` with a new attempt number, so the next pass sends them afresh under a new
        transfer key (the old transfer is done and would return at once)."""
        rows = [r for r in self.for_link(link_id) if r.status == "published"]
        if rows:
            rows[-1].status = "media"
            self.bump_media_attempt(rows[-1].id)

    def set_collection(self, link_id: int, collection_id: str) -> None:
        for row in self.for_link(link_id):
            row.collection_id = collection_id
        self.session.flush()

    def unpublished(self, link_id: int, *, at: datetime | None = None) -> int:
        count = 0
        for row in self.for_link(link_id):
            if row.status != "unpublished":
                row.status = "unpublished"
                row.unpublished_at = at or utcnow()
                count += 1
        self.session.flush()
        return count

    def live_links_of_rule(self, rule: str) -> list[tuple[Link, Publication]]:
        """Live links with a publication by ``rule`` (the latest version's row)."""
        query = (
            sa.select(Link, Publication)
            .join(Publication, Publication.link_id == Link.id)
            .where(Link.tombstoned_at.is_(None), Publication.rule == rule)
            .order_by(Link.id, Publication.ol_version)
        )
        latest: dict[int, tuple[Link, Publication]] = {}
        for link, publication in self.session.execute(query).all():
            latest[link.id] = (link, publication)
        return list(latest.values())

    def count(self, *, status: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(Publication)
        if status is not None:
            query = query.where(Publication.status == status)
        return self.session.scalar(query) or 0

    def _require(self, publication_id: int) -> Publication:
        row = self.session.get(Publication, publication_id)
        if row is None:
            raise KeyError(f"no publication {publication_id}")
        return row


class CampaignRepo:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, campaign: str) -> CampaignCollection | None:
        query = sa.select(CampaignCollection).where(CampaignCollection.campaign == campaign)
        return self.session.scalars(query).first()

    def all(self) -> list[CampaignCollection]:
        return list(self.session.scalars(sa.select(CampaignCollection).order_by(CampaignCollection.id)))

    def save(
        self, campaign: str, title: str, collection_id: str, parent_id: str | None
    ) -> CampaignCollection:
        existing = self.get(campaign)
        if existing is not None:
            return existing
        row = CampaignCollection(
            campaign=campaign,
            title=title,
            collection_id=collection_id,
            parent_id=parent_id,
            created_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def derived(self, asset_id: str) -> list[DerivedAsset]:
        return list(self.session.scalars(sa.select(DerivedAsset).where(DerivedAsset.asset_id == asset_id)))

    def derived_from(self, source_link_id: int) -> list[DerivedAsset]:
        query = sa.select(DerivedAsset).where(DerivedAsset.source_link_id == source_link_id)
        return list(self.session.scalars(query.order_by(DerivedAsset.id)))

    def derived_from_collection(self, collection_id: str) -> list[DerivedAsset]:
        query = sa.select(DerivedAsset).where(DerivedAsset.collection_id == collection_id)
        return list(self.session.scalars(query.order_by(DerivedAsset.id)))

    def record_derived(
        self,
        *,
        asset_id: str,
        source: Link,
        relation_type: str,
        collection_id: str | None,
        title: str | None,
    ) -> DerivedAsset | None:
        """Record ``asset_id`` as derived from ``source``; None when it already was."""
        for row in self.derived(asset_id):
            if row.source_link_id == source.id:
                return None
        row = DerivedAsset(
            asset_id=asset_id,
            source_link_id=source.id,
            source_asset_id=source.asset_id,
            source_record_id=source.record_id,
            relation_type=relation_type,
            collection_id=collection_id,
            title=title,
            detected_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return row

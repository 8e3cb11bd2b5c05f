"""State work of the publish flow, as small synchronous functions (called with ``ctx.db_call``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assetbridge.state import Database, Position
from assetbridge.state.repositories.publications import PublicationRepo

FLOW = "publish"


@dataclass(frozen=True)
class PublicationView:
    """A plain copy of a ``publications`` row (usable after its session closed)."""

    id: int
    ol_version: int
    status: str
    iconik_version_id: str | None
    known_version_ids: tuple[str, ...]
    collection_id: str | None
    rule: str
    media_attempt: int = 0  # bumped when the bytes arrived corrupted: the next try starts a new upload


def _view(row: Any) -> PublicationView:
    return PublicationView(
        row.id,
        row.ol_version,
        row.status,
        row.iconik_version_id,
        tuple(row.known_version_ids or ()),
        row.collection_id,
        row.rule,
        int((row.details or {}).get("media_attempt", 0)),
    )


def stream(rule: str) -> str:
    return f"{FLOW}:{rule}"


def read_cursor(db: Database, rule: str) -> Position | None:
    with db.unit_of_work() as uow:
        return uow.cursors.get("orangelogic", stream(rule))


def move_cursor(db: Database, rule: str, position: Position) -> None:
    with db.unit_of_work() as uow:
        uow.cursors.advance("orangelogic", stream(rule), position.time, position.id)


def publications(db: Database, link_id: int) -> list[PublicationView]:
    with db.session() as session:
        return [_view(r) for r in PublicationRepo(session).for_link(link_id)]


def start_publication(
    db: Database,
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
) -> PublicationView:
    with db.unit_of_work() as uow:
        row = PublicationRepo(uow.session).start(
            link_id=link_id,
            record_id=record_id,
            asset_id=asset_id,
            rule=rule,
            ol_version=ol_version,
            media_mode=media_mode,
            rendition=rendition,
            iconik_version_id=iconik_version_id,
            known_version_ids=known_version_ids,
            needs_version=needs_version,
        )
        return _view(row)


def record_version(db: Database, publication_id: int, link_id: int, version_id: str, ol_version: int) -> None:
    """The iconik version made for an Orange Logic version: on the publication, the link, and audited."""
    with db.unit_of_work() as uow:
        PublicationRepo(uow.session).set_version(publication_id, version_id)
        uow.links.add_versions(link_id, [version_id])
        uow.audit.record(
            "create_version",
            link_id=link_id,
            system="iconik",
            after=version_id,
            reason=f"Orange Logic version {ol_version} published as a new iconik version",
            flow=FLOW,
            details={"ol_version": ol_version},
        )


def record_published(
    db: Database,
    publication_id: int,
    link_id: int,
    *,
    media_id: str | None,
    size: int | None,
    md5: str | None,
    keyframes_job_id: str | None,
    details: Mapping[str, Any],
    version_id: str | None,
    lineage_event: str = "published",
    media_role: str | None = None,
) -> None:
    """The publication done: its row, the link's versions, an audit row and a lineage event (``published``,
    ``version_added``, or ``media_added`` when only media were sent again)."""
    with db.unit_of_work() as uow:
        PublicationRepo(uow.session).published(
            publication_id,
            media_id=media_id,
            size=size,
            md5=md5,
            keyframes_job_id=keyframes_job_id,
            details=dict(details),
        )
        if version_id:
            uow.links.add_versions(link_id, [version_id])
        uow.audit.record(
            "publish",
            link_id=link_id,
            system="iconik",
            after=media_id,
            reason=str(details.get("reason", "published")),
            flow=FLOW,
            details=details,
        )
        uow.lineage.record(
            lineage_event,
            flow=FLOW,
            link=uow.links.get(link_id),
            version_id=version_id,
            related_kind=media_role,
            related_id=media_id,
            details={k: details[k] for k in ("rule", "ol_version", "media", "size", "md5") if k in details},
        )


def record_corrupt_media(db: Database, publication_id: int, link_id: int, error: str) -> None:
    """The bytes stored in iconik did not match what was sent: the next try uploads afresh (a resumed
    upload would keep the corrupted part)."""
    with db.unit_of_work() as uow:
        row = PublicationRepo(uow.session).bump_media_attempt(publication_id)
        uow.audit.record(
            "media_corrupted",
            link_id=link_id,
            system="iconik",
            reason=error,
            flow=FLOW,
            details={"media_attempt": row},
        )


def record_collection(db: Database, link_id: int, collection_id: str, campaign: str) -> None:
    with db.unit_of_work() as uow:
        PublicationRepo(uow.session).set_collection(link_id, collection_id)
        uow.audit.record(
            "add_to_collection",
            link_id=link_id,
            system="iconik",
            after=collection_id,
            reason=f"campaign {campaign!r}",
            flow=FLOW,
        )
        uow.lineage.record(
            "shared",
            flow=FLOW,
            link=uow.links.get(link_id),
            related_kind="collection",
            related_id=collection_id,
            details={"campaign": campaign},
        )


def record_blocked(
    db: Database, link_id: int | None, record_id: str, reason: str, values: Mapping[str, Any], doubtful: bool
) -> None:
    with db.unit_of_work() as uow:
        uow.audit.record(
            "publish_blocked",
            link_id=link_id,
            system="orangelogic",
            reason=reason,
            flow=FLOW,
            details={"record_id": record_id, "rights_values": dict(values), "doubtful": doubtful},
        )


def record_error(db: Database, link_id: int | None, record_id: str, rule: str, error: str) -> None:
    with db.unit_of_work() as uow:
        uow.audit.record(
            "publish_failed",
            link_id=link_id,
            reason=error,
            flow=FLOW,
            details={"record_id": record_id, "rule": rule},
        )


def record_unpublished(db: Database, link_id: int, asset_id: str, rule: str, *, deleted: bool) -> None:
    with db.unit_of_work() as uow:
        PublicationRepo(uow.session).unpublished(link_id)
        reason = f"left publish rule {rule!r} (on_leave: unpublish)"
        uow.links.tombstone(link_id, reason)
        uow.audit.record(
            "unpublish",
            link_id=link_id,
            system="iconik",
            before=asset_id,
            reason=reason + ("" if deleted else "; the iconik asset was already gone"),
            flow=FLOW,
        )
        uow.lineage.record("unpublished", flow=FLOW, link=uow.links.get(link_id), details={"rule": rule})


def published_links(db: Database, rule: str) -> list[tuple[int, str, str, str | None]]:
    """(link id, record id, asset id, system identifier) of live links published by ``rule``."""
    with db.session() as session:
        pairs = PublicationRepo(session).live_links_of_rule(rule)
        return [(link.id, link.record_id, link.asset_id, link.system_identifier) for link, _ in pairs]

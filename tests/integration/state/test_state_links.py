"""The crosswalk: idempotent linking, live uniqueness on both ids, tombstones that are never reused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from assetbridge.state import Database, Link, LinkConflictError


def test_linking_the_same_pair_twice_returns_the_same_link(db: Database) -> None:
    with db.unit_of_work() as uow:
        first = uow.links.link("R1", "A1", system_identifier="SYS1", version_ids=["v1"], flow="publish")
    with db.unit_of_work() as uow:
        again = uow.links.link("R1", "A1", version_ids=["v2", "v1"])
        assert again.id == first.id
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Link)) == 1
        stored = session.get(Link, first.id)
        assert stored is not None
        assert stored.version_ids == ["v1", "v2"]
        assert stored.system_identifier == "SYS1"
        assert stored.flow == "publish"


def test_lookups_by_either_id(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1")
        uow.links.link("R2", "A2")
    with db.unit_of_work() as uow:
        by_record = uow.links.get_by_record_id("R1")
        by_asset = uow.links.get_by_asset_id("A1")
        assert by_record is not None and by_asset is not None
        assert by_record.id == by_asset.id == link.id
        assert uow.links.get_by_record_id("R9") is None
        assert [x.record_id for x in uow.links.list_live()] == ["R1", "R2"]
        assert [x.record_id for x in uow.links.list_live(after_id=link.id)] == ["R2"]
        assert uow.links.count_live() == 2


@pytest.mark.parametrize(("record_id", "asset_id", "message"), [("R1", "A2", "R1"), ("R2", "A1", "A1")])
def test_a_live_record_or_asset_cannot_be_linked_to_something_else(
    db: Database, record_id: str, asset_id: str, message: str
) -> None:
    with db.unit_of_work() as uow:
        uow.links.link("R1", "A1")
    with pytest.raises(LinkConflictError, match=message) as caught, db.unit_of_work() as uow:
        uow.links.link(record_id, asset_id)
    assert (caught.value.record_id, caught.value.asset_id) == ("R1", "A1")
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Link)) == 1


def test_the_database_itself_refuses_two_live_links_for_one_id(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.links.link("R1", "A1")
    for record_id, asset_id in (("R1", "A2"), ("R2", "A1")):
        with pytest.raises(sa.exc.IntegrityError), db.unit_of_work() as uow:
            uow.session.add(Link(record_id=record_id, asset_id=asset_id))
            uow.session.flush()


def test_tombstoned_link_is_kept_hidden_and_never_revived(db: Database) -> None:
    with db.unit_of_work() as uow:
        old = uow.links.link("R1", "A1", flow="publish")
        uow.links.tombstone(old.id, "iconik asset deleted")
        uow.links.tombstone(old.id, "second call keeps the first reason")
    with db.unit_of_work() as uow:
        assert uow.links.get_by_record_id("R1") is None
        assert uow.links.get_by_asset_id("A1") is None
        assert uow.links.count_live() == 0
        # Both ids are free again, and a new link is a new row: the tombstone stays as history.
        new = uow.links.link("R1", "A2")
        assert new.id != old.id
        relinked = uow.links.link("R3", "A1")
    with db.session() as session:
        rows = session.scalars(sa.select(Link).order_by(Link.id)).all()
        assert [(r.record_id, r.asset_id, r.live) for r in rows] == [
            ("R1", "A1", False),
            ("R1", "A2", True),
            ("R3", "A1", True),
        ]
        assert rows[0].tombstone_reason == "iconik asset deleted"
        assert rows[0].tombstoned_at is not None
    with db.unit_of_work() as uow:
        assert [x.id for x in uow.links.find_any("R1")] == [old.id, new.id]
        assert [x.id for x in uow.links.find_any("A1")] == [old.id, relinked.id]


def test_versions_are_appended_once(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1", version_ids=["v1"])
        uow.links.add_versions(link.id, ["v2", "v1", "v3"])
    with db.session() as session:
        stored = session.get(Link, link.id)
        assert stored is not None and stored.version_ids == ["v1", "v2", "v3"]


def test_unicode_identifiers_round_trip(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.links.link("Ré-42_日本", "b6a2f8e0-0000-11ef-8000-000000000001", system_identifier="Ω/ß")
    with db.unit_of_work() as uow:
        link = uow.links.get_by_record_id("Ré-42_日本")
        assert link is not None and link.system_identifier == "Ω/ß"


def test_stamps_of_the_last_synced_versions_are_stored_and_cleared(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1")
        assert (link.orangelogic_stamp, link.iconik_stamp) == (None, None)
        uow.links.set_stamps(link.id, orangelogic="2026-01-01T00:00:00+00:00|SYS1", iconik="t|A1")
    with db.unit_of_work() as uow:
        stored = uow.links.get_by_record_id("R1")
        assert stored is not None
        assert (stored.orangelogic_stamp, stored.iconik_stamp) == ("2026-01-01T00:00:00+00:00|SYS1", "t|A1")
        uow.links.set_stamps(link.id, iconik="t2|A1")
    with db.session() as session:
        again = session.get(Link, link.id)
        assert again is not None
        assert (again.orangelogic_stamp, again.iconik_stamp) == (None, "t2|A1")

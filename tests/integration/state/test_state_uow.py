"""Units of work (cursor + inbox commit together or not at all), cursors, bases, audit, conflicts, letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from assetbridge.errors import TransientError
from assetbridge.state import AuditEntry, Database, InboxItem, Position
from assetbridge.state.repositories.audit import AuditRepo

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


class Boom(Exception):
    pass


def test_cursor_and_inbox_rows_commit_together(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.inbox.add("iconik", "c1", b"{}", {})
        uow.inbox.add("iconik", "c2", b"{}", {})
        assert uow.cursors.advance("iconik", "assets", T0, "c2")
    with db.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(InboxItem)) == 2
    with db.unit_of_work() as uow:
        assert uow.cursors.get("iconik", "assets") == Position(T0, "c2")


def test_a_failure_inside_the_unit_of_work_persists_neither_cursor_nor_inbox_rows(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.cursors.advance("iconik", "assets", T0, "a")
    with pytest.raises(Boom), db.unit_of_work() as uow:
        uow.inbox.add("iconik", "c3", b"{}", {})
        uow.cursors.advance("iconik", "assets", T0 + timedelta(minutes=1), "c3")
        uow.audit.record("write", reason="would have been written")
        raise Boom
    with db.unit_of_work() as uow:
        assert uow.cursors.get("iconik", "assets") == Position(T0, "a")
        assert uow.inbox.get_by_event_id("iconik", "c3") is None
        assert uow.audit.count() == 0


def test_cursor_moves_only_forward_with_id_tie_break(db: Database) -> None:
    with db.unit_of_work() as uow:
        assert uow.cursors.get("orangelogic", "search") is None
        assert uow.cursors.advance("orangelogic", "search", T0, "B")
        assert not uow.cursors.advance("orangelogic", "search", T0, "A")  # same time, smaller id
        assert not uow.cursors.advance("orangelogic", "search", T0, "B")
        assert not uow.cursors.advance("orangelogic", "search", T0 - timedelta(seconds=1), "Z")
        assert uow.cursors.advance("orangelogic", "search", T0, "C")
        assert uow.cursors.advance("iconik", "search", T0 - timedelta(days=1))
    with db.unit_of_work() as uow:
        assert uow.cursors.get("orangelogic", "search") == Position(T0, "C")
        assert uow.cursors.get("iconik", "search") == Position(T0 - timedelta(days=1), "")
        uow.cursors.reset("orangelogic", "search", Position(T0 - timedelta(days=30)))
        uow.cursors.reset("iconik", "search", None)
    with db.unit_of_work() as uow:
        assert uow.cursors.get("orangelogic", "search") == Position(T0 - timedelta(days=30), "")
        assert uow.cursors.get("iconik", "search") is None
        assert [(c.system, c.stream) for c in uow.cursors.all()] == [
            ("iconik", "search"),
            ("orangelogic", "search"),
        ]


def test_field_base_save_and_echo_memory(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1")
        uow.field_base.save(link.id, "title", "Été 2026 — 夏", "fp-title", orangelogic_fingerprint="fp-title")
        uow.field_base.save(link.id, "tags", ["a", "b"], "fp-tags")
        uow.field_base.save(link.id, "empty", None, "fp-null")
        uow.field_base.mark_written(link.id, "tags", "iconik", "fp-tags")
    with db.unit_of_work() as uow:
        bases = uow.field_base.get_all(link.id)
        assert sorted(bases) == ["empty", "tags", "title"]
        assert bases["title"].base_value == "Été 2026 — 夏"
        assert (bases["title"].orangelogic_fingerprint, bases["title"].iconik_fingerprint) == (
            "fp-title",
            None,
        )
        assert bases["tags"].base_value == ["a", "b"]
        assert bases["tags"].iconik_fingerprint == "fp-tags"
        assert bases["empty"].base_value is None
        # A new base keeps the written fingerprints unless told otherwise.
        uow.field_base.save(link.id, "title", "New", "fp-new", iconik_fingerprint="fp-new")
        assert uow.field_base.get_many([link.id, 999])[999] == {}
    with db.unit_of_work() as uow:
        title = uow.field_base.get(link.id, "title")
        assert title is not None
        assert (title.base_value, title.base_fingerprint) == ("New", "fp-new")
        assert (title.orangelogic_fingerprint, title.iconik_fingerprint) == ("fp-title", "fp-new")
        assert uow.field_base.delete(link.id, "empty") is True
        assert uow.field_base.delete(link.id, "empty") is False
        with pytest.raises(KeyError):
            uow.field_base.mark_written(link.id, "nope", "orangelogic", "x")


def test_audit_records_writes_and_explained_non_writes(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1")
        uow.audit.record(
            "write",
            link_id=link.id,
            system="iconik",
            field="title",
            before="Old",
            after="New",
            reason="one-sided change in Orange Logic",
            event_id="evt-9",
            flow="metadata",
        )
        uow.audit.record(
            "echo_suppressed", link_id=link.id, system="orangelogic", field="title", reason="fp matches"
        )
        uow.audit.record("write", link_id=link.id, system="iconik", dry_run=True, reason="token=abc123 leak")
    with db.unit_of_work() as uow:
        history = uow.audit.history("A1")
        assert [(e.action, e.field, e.before, e.after, e.event_id) for e in history] == [
            ("write", "title", "Old", "New", "evt-9"),
            ("echo_suppressed", "title", None, None, None),
            ("write", None, None, None, None),
        ]
        assert history[2].dry_run is True and "abc123" not in history[2].reason
        assert uow.audit.history("R1") == history
        assert uow.audit.count(action="write", dry_run=False) == 1
        assert history[0].at.tzinfo is not None


def test_audit_is_append_only(db: Database) -> None:
    assert not [name for name in vars(AuditRepo) if name.startswith(("update", "delete", "remove", "edit"))]
    with db.unit_of_work() as uow:
        entry_id = uow.audit.record("write", reason="original").id
    for statement in (
        sa.update(AuditEntry).where(AuditEntry.id == entry_id).values(reason="rewritten"),
        sa.delete(AuditEntry).where(AuditEntry.id == entry_id),
    ):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.unit_of_work() as uow:
            uow.session.execute(statement)
    with db.unit_of_work() as uow:
        (entry,) = uow.audit.recent()
        assert entry.reason == "original"


def test_conflicts_open_once_per_field_resolve_and_list(db: Database) -> None:
    with db.unit_of_work() as uow:
        link = uow.links.link("R1", "A1")
        first = uow.conflicts.open(
            link.id, "rights", orangelogic_value="A", iconik_value="B", base_value="O", policy="manual"
        )
        again = uow.conflicts.open(
            link.id, "rights", orangelogic_value="A", iconik_value="C", base_value="O", policy="manual"
        )
        assert again.id == first.id
        other = uow.conflicts.open(
            link.id, "title", orangelogic_value=1, iconik_value=2, base_value=None, policy="manual"
        )
    with db.unit_of_work() as uow:
        assert [(c.field, c.iconik_value) for c in uow.conflicts.list()] == [("rights", "C"), ("title", 2)]
        resolved = uow.conflicts.resolve(first.id, "orangelogic", "A", by="alice")
        assert resolved.status == "resolved" and resolved.resolved_at is not None
        with pytest.raises(ValueError, match="already resolved"):
            uow.conflicts.resolve(first.id, "iconik", "C")
        assert uow.conflicts.count_open() == 1
    with db.unit_of_work() as uow:
        assert [c.id for c in uow.conflicts.list()] == [other.id]
        assert [c.resolved_by for c in uow.conflicts.list(status="resolved")] == ["alice"]
        # The field can conflict again later: a new row, the resolved one kept.
        reopened = uow.conflicts.open(
            link.id, "rights", orangelogic_value="X", iconik_value="Y", base_value="A", policy="newest_wins"
        )
        assert reopened.id not in (first.id, other.id)
        assert len(uow.conflicts.list(status=None, link_id=link.id)) == 3


def test_dead_letters_add_list_and_replay(db: Database) -> None:
    error = TransientError(
        "iconik", "GET /API/assets/v1/assets/x/?token=s3cr3t", "503 after 8 tries", status=503
    )
    with db.unit_of_work() as uow:
        letter = uow.dead_letters.add("sync_asset", "R1", {"record_id": "R1"}, error, attempts=8)
        same = uow.dead_letters.add("sync_asset", "R1", {"record_id": "R1"}, ValueError("bad"), attempts=2)
        assert same.id == letter.id
        uow.dead_letters.add("publish", "R2", None, "plain message")
    with db.unit_of_work() as uow:
        letters = uow.dead_letters.list()
        assert [(x.kind, x.key, x.attempts, x.error_class) for x in letters] == [
            ("sync_asset", "R1", 10, "ValueError"),
            ("publish", "R2", 1, "Error"),
        ]
        assert letters[0].payload == {"record_id": "R1"}
        uow.dead_letters.mark_replayed(letter.id)
        assert uow.dead_letters.count_pending() == 1
    with db.unit_of_work() as uow:
        assert [x.key for x in uow.dead_letters.list()] == ["R2"]
        assert len(uow.dead_letters.list(include_replayed=True)) == 2
        fresh = uow.dead_letters.add("sync_asset", "R1", {}, error)
        assert fresh.id != letter.id
        assert fresh.error_class == "assetbridge.errors.TransientError"
        assert "s3cr3t" not in fresh.error_message and "503" in fresh.error_message

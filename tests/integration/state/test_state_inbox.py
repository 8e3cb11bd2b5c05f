"""Webhook inbox: de-duplication, secret-free headers, quarantine of hostile input, safe claiming."""

from __future__ import annotations

import threading
from datetime import timedelta

import sqlalchemy as sa

from assetbridge.state import Database, InboxItem
from assetbridge.state.repositories.inbox import InboxRepo
from assetbridge.state.types import utcnow


def _rows(db: Database) -> list[InboxItem]:
    with db.session() as session:
        return list(session.scalars(sa.select(InboxItem).order_by(InboxItem.id)))


def test_the_same_event_id_twice_is_stored_once_and_counted(db: Database) -> None:
    with db.unit_of_work() as uow:
        assert uow.inbox.add("orangelogic", "evt-1", b'{"a": 1}', {}) is True
    with db.unit_of_work() as uow:
        assert uow.inbox.add("orangelogic", "evt-1", b'{"a": 1, "retry": 2}', {}) is False
        assert uow.inbox.add("orangelogic", "evt-1", b"{}", {}) is False
        # The same id from the other system is a different event.
        assert uow.inbox.add("iconik", "evt-1", b"{}", {}) is True
    rows = _rows(db)
    assert [(r.system, r.event_id, r.duplicates) for r in rows] == [
        ("orangelogic", "evt-1", 2),
        ("iconik", "evt-1", 0),
    ]
    assert rows[0].body == b'{"a": 1}'
    with db.session() as session:
        assert InboxRepo(session).counts() == {
            "new": 2,
            "processing": 0,
            "done": 0,
            "quarantined": 0,
            "duplicates": 2,
        }


def test_secrets_are_stripped_from_stored_headers(db: Database) -> None:
    headers = {
        "Authorization": "Bearer eyJhbGciOi.secret.token",
        "X-OL-Signature": "sha256=deadbeef",
        "X-AssetBridge-Secret": "s3cr3t-shared",
        "Auth-Token": "iconik-token-value",
        "Content-Type": "application/json",
        "X-Request-Id": "req-7",
    }
    with db.unit_of_work() as uow:
        uow.inbox.add("iconik", "e1", b"{}", headers)
    (row,) = _rows(db)
    assert row.headers == {
        "authorization": "***",
        "x-ol-signature": "***",
        "x-assetbridge-secret": "***",
        "auth-token": "***",
        "content-type": "application/json",
        "x-request-id": "req-7",
    }
    with db.engine.connect() as connection:
        raw = str(connection.execute(sa.text("SELECT headers FROM webhook_inbox")).scalar())
    for secret in ("eyJhbGciOi", "deadbeef", "s3cr3t-shared", "iconik-token-value"):
        assert secret not in raw


def test_hostile_payloads_are_quarantined_with_the_reason(db: Database) -> None:
    body = b"\x00\xff\xfe{not json \x00" + "😀 \u202e".encode()
    huge_id = "x" * 10_000
    with db.unit_of_work() as uow:
        assert uow.inbox.add_quarantined(
            "orangelogic",
            huge_id,
            body,
            [("X-Evil\x00", "a\x00b"), ("token", "leak-me")],
            ValueError("bad JSON near '\x00' token=leak-me"),
        )
        assert uow.inbox.add_quarantined("iconik", None, b"", {}, "empty body")
        assert not uow.inbox.add_quarantined("orangelogic", huge_id, body, {}, "again")
    first, second = _rows(db)
    assert first.status == "quarantined" and first.body == body
    assert first.event_id.startswith("sha256:") and len(first.event_id) < 100
    assert first.error is not None and first.error.startswith("ValueError: bad JSON")
    assert "leak-me" not in first.error and "leak-me" not in str(first.headers)
    assert first.headers == {"x-evil\\x00": "a\\x00b", "token": "***"}
    assert first.duplicates == 1
    assert second.status == "quarantined" and second.error == "empty body"
    with db.unit_of_work() as uow:
        assert uow.inbox.claim_batch(10) == []


def test_claim_done_release_and_quarantine(db: Database) -> None:
    with db.unit_of_work() as uow:
        for n in range(4):
            uow.inbox.add("iconik", f"e{n}", b"{}", {})
    with db.unit_of_work() as uow:
        claimed = uow.inbox.claim_batch(3, worker="w1")
        assert [c.event_id for c in claimed] == ["e0", "e1", "e2"]
        assert all(c.status == "processing" and c.attempts == 1 and c.claimed_by == "w1" for c in claimed)
        uow.inbox.mark_done(claimed[0].id)
        uow.inbox.release(claimed[1].id, "iconik 503")
        uow.inbox.quarantine(claimed[2].id, "no object_id in payload")
    with db.unit_of_work() as uow:
        again = uow.inbox.claim_batch(10, worker="w2")
        assert [(c.event_id, c.attempts) for c in again] == [("e1", 2), ("e3", 1)]
        assert again[0].error == "iconik 503"
    assert [r.status for r in _rows(db)] == ["done", "processing", "quarantined", "processing"]


def test_claim_filters_by_system(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.inbox.add("iconik", "i1", b"{}", {})
        uow.inbox.add("orangelogic", "o1", b"{}", {})
    with db.unit_of_work() as uow:
        assert [c.event_id for c in uow.inbox.claim_batch(10, system="orangelogic")] == ["o1"]


def test_an_expired_claim_is_taken_over(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.inbox.add("iconik", "e1", b"{}", {})
    start = utcnow()
    with db.unit_of_work() as uow:
        assert len(uow.inbox.claim_batch(5, worker="dead", at=start)) == 1
    with db.unit_of_work() as uow:
        lease = timedelta(minutes=5)
        assert uow.inbox.claim_batch(5, worker="w2", lease=lease, at=start + timedelta(minutes=1)) == []
        (taken,) = uow.inbox.claim_batch(5, worker="w2", lease=lease, at=start + timedelta(minutes=6))
        assert taken.claimed_by == "w2" and taken.attempts == 2


def test_two_open_postgresql_transactions_never_claim_the_same_row(postgres_url: str) -> None:
    db, other = Database(postgres_url), Database(postgres_url)
    db.upgrade()
    try:
        with db.unit_of_work() as uow:
            for n in range(10):
                uow.inbox.add("iconik", f"e{n}", b"{}", {})
        with db.unit_of_work() as first, other.unit_of_work() as second:
            a = {c.event_id for c in first.inbox.claim_batch(4, worker="a")}
            # ``first`` has not committed: its rows are locked and skipped, not waited for.
            b = {c.event_id for c in second.inbox.claim_batch(4, worker="b")}
            assert len(a) == len(b) == 4 and a.isdisjoint(b)
        with db.unit_of_work() as uow:
            rest = {c.event_id for c in uow.inbox.claim_batch(10)}
        assert rest == {f"e{n}" for n in range(10)} - a - b
    finally:
        db.dispose()
        other.dispose()


def test_concurrent_workers_claim_every_row_exactly_once(db_url: str, db: Database) -> None:
    with db.unit_of_work() as uow:
        for n in range(60):
            uow.inbox.add("iconik", f"e{n}", b"{}", {})
    databases = [Database(db_url, busy_timeout_s=10) for _ in range(3)]
    claims: list[list[str]] = [[] for _ in databases]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            while True:
                with databases[index].unit_of_work() as uow:
                    batch = uow.inbox.claim_batch(4, worker=f"w{index}")
                    claims[index].extend(c.event_id for c in batch)
                    for item in batch:
                        uow.inbox.mark_done(item.id)
                if not batch:
                    return
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(databases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for database in databases:
        database.dispose()
    assert errors == []
    everything = [event for batch in claims for event in batch]
    assert sorted(everything) == sorted(f"e{n}" for n in range(60))
    assert {r.status for r in _rows(db)} == {"done"}

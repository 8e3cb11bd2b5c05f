"""The receiver storing into the real state database (``DatabaseInbox``) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from assetbridge.connectors.orangelogic.webhooks import sign
from assetbridge.engine.inbox_port import DatabaseInbox
from assetbridge.state.db import Database
from assetbridge.state.models import InboxItem
from assetbridge.web.app import create_web_app
from assetbridge.web.server import WebServer
from assetbridge.web.settings import ReceiverSettings

OL_SECRET = "ol-secret"
ICONIK_SECRET = "iconik-secret"


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'state.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = Database(url)
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def web(db: Database) -> Iterator[httpx.Client]:
    receiver = ReceiverSettings.model_validate(
        {"orangelogic_secrets": [OL_SECRET], "iconik_secret": ICONIK_SECRET}
    )
    with (
        WebServer(create_web_app(receiver, DatabaseInbox(db))) as server,
        httpx.Client(base_url=server.url, timeout=10) as client,
    ):
        yield client


def rows(db: Database) -> list[InboxItem]:
    with db.session() as session:
        return list(session.scalars(sa.select(InboxItem).order_by(InboxItem.id)))


def signed(event_id: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {
        "webhook-id": event_id,
        "webhook-timestamp": timestamp,
        "x-ol-signature": sign(OL_SECRET, body, event_id=event_id, timestamp=timestamp),
    }


def test_events_land_in_the_inbox_table_once(web: httpx.Client, db: Database) -> None:
    body = json.dumps({"eventId": "e-1", "topic": "asset.edited", "title": "Café ☕"}).encode()
    assert web.post("/webhooks/orangelogic", content=body, headers=signed("e-1", body)).status_code == 202
    assert web.post("/webhooks/orangelogic", content=body, headers=signed("e-1", body)).json()["status"] == (
        "duplicate"
    )
    bad = web.post("/webhooks/orangelogic", content=body, headers=signed("e-2", body) | {"webhook-id": "e-3"})
    assert bad.status_code == 401
    hostile = b"[" * 10_000
    quarantined = web.post(
        "/webhooks/iconik", content=hostile, headers={"X-AssetBridge-Secret": ICONIK_SECRET}
    )
    assert quarantined.json()["status"] == "quarantined"
    stored = rows(db)
    assert [(r.system, r.status, r.duplicates) for r in stored] == [
        ("orangelogic", "new", 1),
        ("iconik", "quarantined", 0),
    ]
    assert stored[0].event_id == "e-1" and stored[0].body == body
    assert stored[0].headers["x-ol-signature"] == "***"
    assert stored[1].body == hostile and "deeper than 64" in (stored[1].error or "")
    assert "iconik-secret" not in json.dumps(stored[1].headers)


def test_concurrent_redeliveries_store_one_row(web: httpx.Client, db: Database) -> None:
    body = json.dumps({"request_id": "a" * 32, "event_type": "assets", "realm": "entity"}).encode()
    headers = {"X-AssetBridge-Secret": ICONIK_SECRET}

    def post(_: int) -> int:
        return web.post("/webhooks/iconik", content=body, headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, range(16)))
    assert codes == [202] * 16
    [row] = rows(db)
    assert (row.event_id, row.duplicates) == ("a" * 32, 15)

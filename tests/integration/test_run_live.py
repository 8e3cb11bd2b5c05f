"""``assetbridge run`` as a real subprocess against the sandbox: webhooks → receiver → inbox → job → write.

The poll interval is 30 minutes, so anything that arrives on the other side within the test's seconds came
through a webhook. Orange Logic writes are counted on the wire: Orange Logic webhooks are switched on
(subscription to our receiver) and every write to a record fires one ``asset.edited`` delivery.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy
import yaml
from tests.conftest import iconik_client

from assetbridge.config import load_config
from assetbridge.connectors.orangelogic.datatable import set_value
from assetbridge.engine.context import OL_MODEL, open_context
from assetbridge.state import Database

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sandbox.yaml"
OL_SECRET = "ol-webhook-secret-for-tests"
ICONIK_SECRET = "iconik-webhook-secret-for-tests"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


class Service:
    """A seeded sandbox, a config for it and ``assetbridge run`` as a subprocess (restartable)."""

    def __init__(
        self,
        server: Any,
        tmp_path: Path,
        flow: dict[str, Any],
        state_url: str,
        receiver: dict[str, Any] | None = None,
    ) -> None:
        self.server = server
        self.tmp_path = tmp_path
        self.port = free_port()
        self.state_url = state_url
        info = server.info()
        self.iconik = iconik_client(server)
        self.ol_control = httpx.Client(
            base_url=info["orangelogic"]["control_url"] + "/orangelogic", timeout=10
        )
        document = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        document["flows"]["metadata_sync"].update(flow)
        document["receiver"] = {
            "host": "127.0.0.1",
            "port": self.port,
            "iconik_secret": "${TEST_ICONIK_WEBHOOK_SECRET}",
            "orangelogic_secrets": ["${TEST_OL_WEBHOOK_SECRET}"],
            **(receiver or {}),
        }
        self.config = tmp_path / "assetbridge.yaml"
        self.config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ASSETBRIDGE_")},
            "ASSETBRIDGE_ICONIK_URL": server.urls["iconik"],
            "ASSETBRIDGE_OL_URL": server.urls["orangelogic"],
            "ASSETBRIDGE_ICONIK_AUTH_TOKEN": "sandbox-auth-token",
            "ASSETBRIDGE_OL_CLIENT_SECRET": "sandbox-secret",
            "ASSETBRIDGE_STATE_URL": state_url,
            "TEST_ICONIK_WEBHOOK_SECRET": ICONIK_SECRET,
            "TEST_OL_WEBHOOK_SECRET": OL_SECRET,
        }
        self.proc: subprocess.Popen[str] | None = None
        self._view_id: str | None = None
        self.logs: list[Path] = []

    def command(self, *args: str) -> list[str]:
        return [str(Path(sys.executable).parent / "assetbridge"), *args, "--config", str(self.config)]

    def start(self) -> None:
        log = self.tmp_path / f"run-{len(self.logs)}.log"
        self.logs.append(log)
        with log.open("w") as out:
            self.proc = subprocess.Popen(
                self.command("--log-level", "INFO", "run"),
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                env=self.env,
                cwd=self.tmp_path,
            )
        wait_for(lambda: "assetbridge running" in self.output() or self.proc_died(), 30, "start-up")
        assert not self.proc_died(), self.output()

    def proc_died(self) -> bool:
        return self.proc is not None and self.proc.poll() is not None

    def output(self) -> str:
        return "".join(p.read_text(errors="replace") for p in self.logs)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        code = self.proc.wait(timeout=30)
        self.proc = None
        return code

    def subscribe_orangelogic(self) -> None:
        self.ol_control.put("/webhooks/enabled", json={"enabled": True}).raise_for_status()
        url = f"http://127.0.0.1:{self.port}/webhooks/orangelogic"
        self.ol_control.post("/webhooks", json={"url": url, "secret": OL_SECRET}).raise_for_status()

    # --- the two sides, as a user acts on them
    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An iconik call, waiting out the sandbox's rate limit (the service shares it)."""
        for _ in range(50):
            response = self.iconik.request(method, path, **kwargs)
            if response.status_code != 429:
                return response
            time.sleep(0.2)
        raise AssertionError(f"iconik kept answering 429 to {method} {path}")

    def get(self, path: str, **params: Any) -> Any:
        response = self.call("GET", path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def view_id(self) -> str:
        if self._view_id is None:
            views = self.get("/API/metadata/v1/views/")["objects"]
            self._view_id = str(next(v["id"] for v in views if v["name"] == "AssetBridge"))
        return self._view_id

    def put_metadata(self, asset_id: str, field: str, values: list[Any]) -> None:
        body = {"metadata_values": {field: {"field_values": [{"value": v} for v in values]}}}
        response = self.call("PUT", f"/API/metadata/v1/assets/{asset_id}/views/{self.view_id()}/", json=body)
        assert response.status_code == 200, response.text

    def metadata(self, asset_id: str) -> dict[str, list[Any]]:
        body = self.get(f"/API/metadata/v1/assets/{asset_id}/views/{self.view_id()}/")
        return {k: [x["value"] for x in v["field_values"]] for k, v in body["metadata_values"].items()}

    def iconik_assets(self) -> list[dict[str, Any]]:
        return list(self.get("/API/assets/v1/assets/", per_page=500)["objects"])

    def linked_assets(self) -> dict[str, str]:
        """RecordID → iconik asset id, from the crosswalk mirrored on Orange Logic."""
        return {
            r["RecordID"]: r["Fields"]["AB.Iconik-id"]
            for r in self.ol_control.get("/assets").json()["assets"]
            if r["DocType"] not in ("Folder", "Album") and r["Fields"].get("AB.Iconik-id")
        }

    def ol_record(self, record_id: str) -> dict[str, Any]:
        return dict(self.ol_control.get(f"/assets/{record_id}").json())

    def ol_edit(self, record_id: str, field: str, value: str) -> None:
        identifier = self.ol_record(record_id)["SystemIdentifier"]
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            loaded = load_config(self.config)
        finally:
            os.environ.clear()
            os.environ.update(saved)

        async def go() -> None:
            async with open_context(loaded, upgrade=False) as ctx:
                await ctx.ol.datatable.update(
                    OL_MODEL, {"CoreField.Identifier": identifier}, [set_value(field, value)]
                )

        asyncio.run(go())

    def ol_edits_of(self, record_id: str) -> int:
        items = self.ol_control.get("/webhooks/deliveries").json()["deliveries"]
        return sum(
            1
            for d in items
            if d["payload"].get("recordId") == record_id and d["payload"].get("topic") == "asset.edited"
        )

    def first_pass_done(self) -> dict[str, str]:
        def all_linked() -> dict[str, str] | None:
            links = self.linked_assets()
            return links if len(links) == 8 else None

        result: dict[str, str] = wait_for(all_linked, 40, "first pass")
        wait_for(lambda: "sync pass done" in self.output(), 30, "the first pass to finish")
        self.settle()  # the first pass's echoes are worked off: what follows is the test's alone
        return result

    def busy_jobs(self) -> int:
        """Jobs queued or running in DBOS's system database: the SQLite state's sibling file, or the
        ``dbos`` schema of the PostgreSQL state database."""
        query = "SELECT count(*) FROM {table} WHERE status IN ('ENQUEUED', 'PENDING')"
        if self.state_url.startswith("sqlite"):
            sysdb = Path(self.state_url.removeprefix("sqlite:///") + ".dbos.sqlite")
            conn = sqlite3.connect(f"file:{sysdb}?mode=ro", uri=True, timeout=5)
            try:
                return int(conn.execute(query.format(table="workflow_status")).fetchone()[0])
            finally:
                conn.close()
        engine = sqlalchemy.create_engine(self.state_url)
        try:
            with engine.connect() as pg:
                statement = sqlalchemy.text(query.format(table="dbos.workflow_status"))
                return int(pg.execute(statement).scalar_one())
        finally:
            engine.dispose()

    def settle(self) -> None:
        """Wait until the inbox is drained and no job is queued or running (twice in a row)."""

        def quiet() -> bool:
            db = self.db()
            try:
                with db.unit_of_work() as uow:
                    counts = uow.inbox.counts()
            finally:
                db.dispose()
            return counts["new"] + counts["processing"] == 0 and self.busy_jobs() == 0

        def quiet_twice() -> bool:
            if not quiet():
                return False
            time.sleep(0.5)
            return quiet()

        wait_for(quiet_twice, 30, "the service to settle")

    def db(self) -> Database:
        return Database(self.state_url)

    def close(self) -> None:
        # pytest shows captured output only for a failing test: the service's last lines explain it
        print("--- last lines of assetbridge run ---", *self.output().splitlines()[-40:], sep="\n")
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.iconik.close()
        self.ol_control.close()


@pytest.fixture
def service(sandbox_factory: Any, tmp_path: Path) -> Iterator[Service]:
    server = sandbox_factory(catalog_size=8, media="synthetic")
    flow = {"debounce_seconds": 1, "poll_interval_seconds": 1800, "reconcile_interval_seconds": 3600}
    svc = Service(server, tmp_path, flow, f"sqlite:///{tmp_path / 'state.db'}")
    svc.subscribe_orangelogic()
    svc.start()
    yield svc
    svc.close()


def test_iconik_edit_reaches_orangelogic_through_the_webhook_and_a_burst_is_one_write(
    service: Service,
) -> None:
    links = service.first_pass_done()
    record_id, asset_id = sorted(links.items())[0]

    service.put_metadata(asset_id, "campaign", ["Webhook Campaign"])
    wait_for(
        lambda: service.ol_record(record_id)["Fields"]["AB.Campaign"] == "Webhook Campaign", 10, "OL write"
    )

    # a burst of 5 edits inside the 1 s debounce window: one write, with the last value
    record_id, asset_id = sorted(links.items())[1]
    before = service.ol_edits_of(record_id)
    for n in range(5):
        service.put_metadata(asset_id, "campaign", [f"Burst {n}"])
    wait_for(lambda: service.ol_record(record_id)["Fields"]["AB.Campaign"] == "Burst 4", 10, "burst write")
    time.sleep(2.5)  # anything a second job would write lands within this
    assert service.ol_edits_of(record_id) - before == 1
    assert service.ol_record(record_id)["Fields"]["AB.Campaign"] == "Burst 4"


def test_duplicate_iconik_deliveries_make_one_write(service: Service) -> None:
    links = service.first_pass_done()
    record_id, asset_id = sorted(links.items())[2]
    response = service.call("PUT", "/_sandbox/iconik/webhooks/settings", json={"duplicate_rate": 1.0})
    assert response.status_code == 200, response.text
    before = service.ol_edits_of(record_id)
    service.put_metadata(asset_id, "campaign", ["Delivered Twice"])
    wait_for(lambda: service.ol_record(record_id)["Fields"]["AB.Campaign"] == "Delivered Twice", 10, "write")
    time.sleep(2.5)
    assert service.ol_edits_of(record_id) - before == 1
    db = service.db()
    try:
        with db.unit_of_work() as uow:
            counts = uow.inbox.counts("iconik")
    finally:
        db.dispose()
    assert counts["duplicates"] >= 1
    assert counts["new"] == counts["processing"] == 0


def test_orangelogic_edit_reaches_iconik_through_its_webhook(service: Service) -> None:
    links = service.first_pass_done()
    record_id, asset_id = sorted(links.items())[3]
    service.ol_edit(record_id, "AB.Campaign", "From Orange Logic")
    wait_for(lambda: service.metadata(asset_id).get("campaign") == ["From Orange Logic"], 10, "iconik write")
    assert service.stop() == 0
    assert "assetbridge stopped" in service.output()

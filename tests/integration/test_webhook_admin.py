"""AssetBridge's own iconik webhooks against the running sandbox: idempotent registration, drift repair,
events delivered to the receiver, and a FAILING webhook detected, reported and re-enabled."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.config import IconikConfig
from assetbridge.connectors.iconik.requests import AssetCreate, AssetUpdate
from assetbridge.engine.webhook_admin import (
    DEFAULT_TOPICS,
    SECRET_HEADER,
    WebhookTopic,
    check_iconik_webhooks,
    ensure_iconik_webhooks,
)
from assetbridge.transport.retry import RetryPolicy
from assetbridge.web.app import create_web_app
from assetbridge.web.server import WebServer
from assetbridge.web.settings import ReceiverSettings

SECRET = "iconik-hook-secret"
WEBHOOKS = "/API/notifications/v1/webhooks/"


class MemoryInbox:
    """A port fake of InboxPort; ``broken`` makes every store fail (the receiver then answers 503)."""

    def __init__(self) -> None:
        self.events: dict[tuple[str, str], dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.broken = False

    def add(self, system: str, event_id: str, body: bytes, headers: dict[str, str]) -> bool:
        if self.broken:
            raise OSError("database is down")
        with self.lock:
            if (system, event_id) in self.events:
                return False
            self.events[(system, event_id)] = {"body": body, "headers": headers}
            return True

    def quarantine(
        self, system: str, event_id: str, body: bytes, headers: dict[str, str], reason: str
    ) -> bool:
        raise AssertionError(f"nothing should be quarantined here: {reason}")

    def payloads(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(e["body"]) for e in self.events.values()]


@pytest.fixture
async def iconik(sandbox: Any) -> AsyncIterator[IconikClient]:
    info = sandbox.info()["iconik"]
    fast = RetryPolicy(initial_interval=0.01, maximum_interval=0.1, maximum_attempts=3)
    config = IconikConfig(
        base_url=info["base_url"], app_id=info["app_id"], auth_token=SecretStr(info["auth_token"]), retry=fast
    )
    async with IconikClient(config) as client:
        yield client


async def wait_for(predicate: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def test_registration_is_idempotent_and_repairs_drift(
    iconik: IconikClient, iconik_http: httpx.Client
) -> None:
    url = "http://127.0.0.1:9/webhooks/iconik"
    first = await ensure_iconik_webhooks(iconik, url, SECRET)
    names = [t.name("assetbridge") for t in DEFAULT_TOPICS]
    assert sorted(first.created) == sorted(names)
    hooks = await iconik.list_webhooks()
    assert len(hooks) == len(DEFAULT_TOPICS)
    assert all(h.url == url and h.headers == {SECRET_HEADER: SECRET} and h.status == "ENABLED" for h in hooks)
    assert {(h.event_type, h.realm) for h in hooks} == {(t.event_type, t.realm) for t in DEFAULT_TOPICS}

    again = await ensure_iconik_webhooks(iconik, url, SECRET)
    assert again.created == [] and again.updated == [] and again.deleted == []
    assert sorted(again.unchanged) == sorted(names)
    assert len(await iconik.list_webhooks()) == len(DEFAULT_TOPICS)

    entity = first.ids["assetbridge:assets:entity"]
    drifted = {"event_type": "assets", "realm": "entity", "status": "DISABLED", "url": "http://old.example/x"}
    drifted |= {"name": "assetbridge:assets:entity", "headers": {SECRET_HEADER: "old-secret"}}
    assert iconik_http.put(f"{WEBHOOKS}{entity}/", json=drifted).status_code == 200
    copy = {"event_type": "assets", "realm": "metadata", "status": "ENABLED", "url": url}
    copy |= {"name": "assetbridge:assets:metadata", "headers": {SECRET_HEADER: SECRET}}
    assert iconik_http.post(WEBHOOKS, json=copy).status_code == 201
    obsolete = {"event_type": "jobs", "realm": "entity", "status": "ENABLED", "url": url}
    assert iconik_http.post(WEBHOOKS, json=obsolete | {"name": "assetbridge:jobs:entity"}).status_code == 201
    foreign = {
        "event_type": "assets",
        "status": "ENABLED",
        "url": "http://other.example/",
        "name": "MAM sync",
    }
    assert iconik_http.post(WEBHOOKS, json=foreign).status_code == 201

    repaired = await ensure_iconik_webhooks(iconik, url, SECRET)
    assert repaired.created == []
    assert repaired.updated == ["assetbridge:assets:entity"]
    assert sorted(repaired.deleted) == ["assetbridge:assets:metadata", "assetbridge:jobs:entity"]
    after = await iconik.list_webhooks()
    assert sorted(h.name or "" for h in after) == sorted([*names, "MAM sync"])
    fixed = await iconik.get_webhook(entity)
    assert (fixed.url, fixed.status, fixed.headers) == (url, "ENABLED", {SECRET_HEADER: SECRET})


async def test_events_arrive_and_a_failing_webhook_is_reported_and_re_enabled(
    sandbox: Any, iconik: IconikClient, iconik_http: httpx.Client
) -> None:
    inbox = MemoryInbox()
    domain = sandbox.iconik.config.system_domain_id
    receiver = ReceiverSettings(iconik_secret=SecretStr(SECRET), iconik_system_domain_id=domain)
    topics = [WebhookTopic("assets", "entity")]
    with WebServer(create_web_app(receiver, inbox)) as server:
        result = await ensure_iconik_webhooks(iconik, server.url + "/webhooks/iconik", SECRET, topics)
        hook_id = result.ids["assetbridge:assets:entity"]

        asset = await iconik.create_asset(AssetCreate(title="webhook probe"))

        def arrived(operation: str) -> list[dict[str, Any]]:
            return [p for p in inbox.payloads() if p["object_id"] == asset.id and p["operation"] == operation]

        [created] = await wait_for(lambda: arrived("create"), "the create event")
        assert (created["event_type"], created["realm"], created["system_domain_id"]) == (
            "assets",
            "entity",
            domain,
        )
        stored = inbox.events[("iconik", created["request_id"])]
        assert stored["headers"]["content-type"] == "application/json"
        assert stored["headers"]["x-assetbridge-secret"] == "***"

        settings = iconik_http.put("/_sandbox/iconik/webhooks/settings", json={"failing_after": 2})
        assert settings.status_code == 200
        inbox.broken = True
        await iconik.update_asset(asset.id, AssetUpdate(title="edit 1"))
        await iconik.update_asset(asset.id, AssetUpdate(title="edit 2"))
        failing = await wait_for(
            lambda: iconik_http.get(f"{WEBHOOKS}{hook_id}/").json()["status"] == "FAILING", "FAILING"
        )
        assert failing

        inbox.broken = False
        health = await check_iconik_webhooks(iconik, topics=topics)
        [hook] = health.failing
        assert (hook.id, hook.name, hook.topic) == (hook_id, "assetbridge:assets:entity", "assets.entity")
        assert hook.first_failed_at and hook.last_error == "HTTP 503" and hook.reenabled
        assert not health.ok
        lines = "\n".join(health.lines())
        assert f"FAILING since {hook.first_failed_at}: HTTP 503; re-enabled" in lines
        assert "changes are picked up by polling" in lines
        report = health.to_dict()
        assert report["ok"] is False and report["failing"][0]["last_error"] == "HTTP 503"
        assert SECRET not in lines
        assert (await iconik.get_webhook(hook_id)).status == "ENABLED"

        await iconik.update_asset(asset.id, AssetUpdate(title="edit 3"))
        await wait_for(
            lambda: [p for p in arrived("update") if p["data"].get("title") == "edit 3"], "delivery to resume"
        )
        healthy = await check_iconik_webhooks(iconik, topics=topics)
        assert healthy.ok and healthy.enabled == ["assetbridge:assets:entity"]


async def test_check_reports_missing_and_disabled_webhooks(
    iconik: IconikClient, iconik_http: httpx.Client
) -> None:
    url = "http://127.0.0.1:9/webhooks/iconik"
    result = await ensure_iconik_webhooks(iconik, url, SECRET, [WebhookTopic("assets", "entity")])
    hook_id = result.ids["assetbridge:assets:entity"]
    disabled = {"event_type": "assets", "realm": "entity", "status": "DISABLED", "url": url}
    assert iconik_http.put(
        f"{WEBHOOKS}{hook_id}/", json=disabled | {"name": "assetbridge:assets:entity"}
    ).is_success
    health = await check_iconik_webhooks(iconik, orangelogic_webhooks=True)
    assert health.disabled == ["assetbridge:assets:entity"]
    assert "assetbridge:collections:contents" in health.missing
    assert not any("orangelogic" in line for line in health.lines())
    assert (await iconik.get_webhook(hook_id)).status == "DISABLED"  # a check never re-enables DISABLED

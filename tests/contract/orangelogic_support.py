"""Targets for the Orange Logic contract suite: the sandbox by default, a live tenant when
ASSETBRIDGE_LIVE_OL_URL, ASSETBRIDGE_LIVE_OL_CLIENT_ID and ASSETBRIDGE_LIVE_OL_CLIENT_SECRET are set.

Tests that need the sandbox's control API (clock, faults, thresholds) call ``require_sandbox()``; on a
live tenant they are reported as skipped with that reason. Live writes touch only records the suite
creates (and deletes at teardown).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from assetbridge.connectors.orangelogic.settings import (
    ClientCredentialsAuth,
    LoginAuth,
    OrangeLogicSettings,
)
from assetbridge.transport.retry import RetryPolicy
from assetbridge_sandbox.config import SandboxConfig
from assetbridge_sandbox.server import SandboxServer

LIVE_URL = os.environ.get("ASSETBRIDGE_LIVE_OL_URL")
FAST_RETRY = RetryPolicy(initial_interval=0.01, maximum_interval=0.05, maximum_attempts=4, jitter=0)


@dataclass(frozen=True)
class TenantFields:
    """Fields the suite writes; on a live tenant name your own with ASSETBRIDGE_LIVE_OL_*_FIELD."""

    select: str = "AB.Status"  # single-valued select (authority) field with at least two options
    multi: str = "AB.Channels"  # multi-valued select field with at least three options
    text: str = "AB.Restrictions"  # free text field

    @classmethod
    def from_env(cls) -> TenantFields:
        return cls(
            select=os.environ.get("ASSETBRIDGE_LIVE_OL_SELECT_FIELD", cls.select),
            multi=os.environ.get("ASSETBRIDGE_LIVE_OL_MULTI_FIELD", cls.multi),
            text=os.environ.get("ASSETBRIDGE_LIVE_OL_TEXT_FIELD", cls.text),
        )


@dataclass
class OLTarget:
    base_url: str
    client_id: str
    client_secret: str
    login: str | None = None
    password: str | None = None
    sandbox: SandboxServer | None = None
    fields: TenantFields = field(default_factory=TenantFields)
    created: list[str] = field(default_factory=list)
    run: str = field(default_factory=lambda: "ab" + secrets.token_hex(4))

    def require_sandbox(self) -> SandboxServer:
        if self.sandbox is None:
            pytest.skip("needs the sandbox control API (clock, faults, thresholds)")
        return self.sandbox

    def settings(self, auth: Any = None, **overrides: Any) -> OrangeLogicSettings:
        base: dict[str, Any] = {
            "base_url": self.base_url,
            "auth": auth or ClientCredentialsAuth(client_id=self.client_id, client_secret=self.client_secret),
            "retry": FAST_RETRY,
        }
        return OrangeLogicSettings.model_validate({**base, **overrides})

    def login_auth(self) -> LoginAuth:
        if self.login is None or self.password is None:
            pytest.skip("no login credentials for this target")
        return LoginAuth(login=self.login, password=self.password)

    def control(self, method: str, path: str, json: Any = None) -> Any:
        sandbox = self.require_sandbox()
        response = httpx.request(
            method, sandbox.urls["orangelogic"] + "/_sandbox" + path, json=json, timeout=10
        )
        assert response.status_code < 300, response.text
        return response.json()

    def advance_clock(self, seconds: float) -> None:
        self.control("POST", "/clock/advance", {"seconds": seconds})

    def faults(self, *rules: dict[str, Any]) -> None:
        self.control("PUT", "/faults", {"rules": list(rules)})

    def fired(self) -> list[int]:
        fired: list[int] = self.control("GET", "/faults")["fired"]
        return fired

    def sandbox_clock(self) -> Callable[[], float]:
        """Wall time as the sandbox sees it (its clock is moved forward by tests)."""
        sandbox = self.require_sandbox()
        return lambda: time.time() + sandbox.clock.offset


def start_sandbox(data_dir: Path) -> SandboxServer:
    """One sandbox for the whole module (tests scope their data by ``OLTarget.run``)."""
    config = SandboxConfig.model_validate(
        {
            "data_dir": str(data_dir),
            "catalog_size": 0,
            "media": "synthetic",
            "iconik": {"port": 0},
            "orangelogic": {"port": 0},
            "storage": {"port": 0},
        }
    )
    return SandboxServer(config).start()


def reset_sandbox(sandbox: SandboxServer) -> None:
    """Undo what a test may have changed: fault rules, the multi-part threshold, webhooks."""
    base = sandbox.urls["orangelogic"] + "/_sandbox"
    httpx.delete(base + "/faults", timeout=10)
    threshold = sandbox.config.orangelogic.multipart_threshold_bytes
    httpx.put(base + "/orangelogic/multipart-threshold", json={"bytes": threshold}, timeout=10)
    httpx.put(base + "/orangelogic/webhooks/enabled", json={"enabled": False}, timeout=10)


def make_target(sandbox: SandboxServer | None) -> OLTarget:
    if LIVE_URL:
        return OLTarget(
            base_url=LIVE_URL,
            client_id=os.environ["ASSETBRIDGE_LIVE_OL_CLIENT_ID"],
            client_secret=os.environ["ASSETBRIDGE_LIVE_OL_CLIENT_SECRET"],
            login=os.environ.get("ASSETBRIDGE_LIVE_OL_LOGIN"),
            password=os.environ.get("ASSETBRIDGE_LIVE_OL_PASSWORD"),
            fields=TenantFields.from_env(),
        )
    assert sandbox is not None
    info = sandbox.info()["orangelogic"]
    return OLTarget(
        base_url=info["base_url"],
        client_id=info["client_id"],
        client_secret=info["client_secret"],
        login=info["login"],
        password=info["password"],
        sandbox=sandbox,
    )

"""Runs the whole sandbox — iconik, Orange Logic and signed-URL storage — on loopback ports.

Sockets are bound first (port 0 picks a free one), so every emulator is built knowing the real base
URLs of the others (iconik hands out ``upload_url``s on the storage host). All servers share one
event loop and one ``SandboxClock``. ``SandboxServer.start()`` runs them in a background thread (the
test suite and benchmarks); ``serve_forever()`` runs them in the foreground (``assetbridge sandbox up``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from assetbridge.web.server import listen_socket
from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import SandboxConfig
from assetbridge_sandbox.faults import SandboxH11Protocol
from assetbridge_sandbox.iconik.app import create_app as create_iconik_app
from assetbridge_sandbox.iconik.seed import seed_iconik
from assetbridge_sandbox.iconik.state import IconikState
from assetbridge_sandbox.orangelogic.app import create_app as create_orangelogic_app
from assetbridge_sandbox.orangelogic.seed import seed_orangelogic
from assetbridge_sandbox.seed import generate_catalog
from assetbridge_sandbox.storage.app import create_app as create_storage_app
from assetbridge_sandbox.storage.service import StorageService


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


@dataclass
class SandboxServer:
    config: SandboxConfig
    clock: SandboxClock = field(default_factory=SandboxClock)

    def __post_init__(self) -> None:
        cfg = self.config
        self.data_dir = Path(cfg.data_dir).resolve()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._sockets = {
            "iconik": listen_socket(cfg.host, cfg.iconik.port),
            "orangelogic": listen_socket(cfg.host, cfg.orangelogic.port),
            "storage": listen_socket(cfg.host, cfg.storage.port),
        }
        self.urls = {name: _url(cfg.host, sock) for name, sock in self._sockets.items()}
        self.storage = StorageService(cfg.storage, self.clock, self.data_dir / "storage")
        self.storage.base_url = self.urls["storage"]
        self.iconik_app, self.iconik = create_iconik_app(
            cfg.iconik, self.clock, self.storage, fault_seed=cfg.seed
        )
        self.orangelogic_app, self.orangelogic = create_orangelogic_app(
            cfg.orangelogic, self.clock, data_dir=self.data_dir / "orangelogic", fault_seed=cfg.seed
        )
        self.storage_app = create_storage_app(self.storage, fault_seed=cfg.seed)
        self.seeded: dict[str, Any] = {}
        if cfg.catalog_size > 0:
            self._seed()
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()

    def _seed(self) -> None:
        """Load the deterministic catalog into both emulators (before any server runs)."""
        cfg = self.config
        catalog = generate_catalog(cfg.seed, cfg.catalog_size, self.data_dir / "media", media_mode=cfg.media)
        records = seed_orangelogic(self.orangelogic, catalog)
        iconik = asyncio.run(seed_iconik(self.iconik_app.app, self.iconik, catalog))
        self.seeded = {
            "media": catalog.media_backend,
            "orangelogic_assets": len(records),
            "iconik_assets": len(iconik["assets"]),
            "iconik": iconik,
        }

    @property
    def iconik_state(self) -> IconikState:
        return self.iconik

    def info(self) -> dict[str, Any]:
        """What scripts need to reach the sandbox (written by ``sandbox up --info FILE``)."""
        cfg = self.config
        return {
            "iconik": {
                "base_url": self.urls["iconik"],
                "app_id": cfg.iconik.app_id,
                "auth_token": cfg.iconik.auth_token,
                "control_url": self.urls["iconik"] + "/_sandbox",
            },
            "orangelogic": {
                "base_url": self.urls["orangelogic"],
                "client_id": cfg.orangelogic.client_id,
                "client_secret": cfg.orangelogic.client_secret,
                "login": cfg.orangelogic.login,
                "password": cfg.orangelogic.password,
                "webhook_secret": cfg.orangelogic.webhook_secret,
                "control_url": self.urls["orangelogic"] + "/_sandbox",
            },
            "storage": {"base_url": self.urls["storage"], "control_url": self.urls["storage"] + "/_sandbox"},
            "data_dir": str(self.data_dir),
            "seeded": {k: v for k, v in self.seeded.items() if k != "iconik"},
        }

    def write_info(self, path: Path) -> None:
        path.write_text(json.dumps(self.info(), indent=2) + "\n", encoding="utf-8")

    def _uvicorn(self, app: Any) -> uvicorn.Server:
        config = uvicorn.Config(
            app,
            http=SandboxH11Protocol,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=30,
        )
        server = uvicorn.Server(config)
        return server

    async def serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        apps = {"iconik": self.iconik_app, "orangelogic": self.orangelogic_app, "storage": self.storage_app}
        self._servers = [self._uvicorn(app) for app in apps.values()]
        tasks = [
            asyncio.create_task(server.serve(sockets=[self._sockets[name]]))
            for name, server in zip(apps, self._servers, strict=True)
        ]
        while not all(s.started for s in self._servers):
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
        self._started.set()
        await asyncio.gather(*tasks)

    def serve_forever(self) -> None:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(self.serve())

    def start(self, timeout: float = 10.0) -> SandboxServer:
        self._thread = threading.Thread(target=lambda: asyncio.run(self.serve()), name="sandbox", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("sandbox did not start in time")
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self._sockets.values():
            sock.close()

    def call_soon(self, fn: Any, *args: Any) -> None:
        """Run ``fn(*args)`` on the sandbox's event loop (for tests that mutate state directly)."""
        if self._loop is None:
            raise RuntimeError("sandbox not running")
        self._loop.call_soon_threadsafe(fn, *args)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""Serving the web app with uvicorn in a background thread, on a socket bound up front (port 0 works)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any

import uvicorn


def listen_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket for uvicorn (port 0 picks a free one); errors name the address.

    ``proto=IPPROTO_TCP`` matters: asyncio turns on TCP_NODELAY only for sockets whose proto says TCP,
    and without it every request on a kept-alive connection waits ~40 ms for a delayed ACK between the
    response's headers and body (``socket.create_server`` leaves proto at 0).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(512)
    sock.setblocking(False)
    return sock


class WebServer:
    """``WebServer(app, "127.0.0.1", 0).start()``; ``url`` is known once constructed; ``stop()`` ends it."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0) -> None:
        self.socket = listen_socket(host, port)
        bound_host, bound_port = self.socket.getsockname()[:2]
        self.url = f"http://{bound_host}:{bound_port}"
        config = uvicorn.Config(app, lifespan="off", log_level="warning", access_log=False)
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> WebServer:
        def run() -> None:
            asyncio.run(self.server.serve(sockets=[self.socket]))

        self._thread = threading.Thread(target=run, name="assetbridge-web", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started and self._thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not self.server.started:
            raise RuntimeError(f"web server on {self.url} did not start")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.socket.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

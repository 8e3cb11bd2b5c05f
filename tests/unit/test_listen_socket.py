"""Servers AssetBridge starts (sandbox, webhook receiver) get TCP_NODELAY on every accepted connection."""

from __future__ import annotations

import asyncio
import socket

import pytest

from assetbridge.web.server import listen_socket


async def test_accepted_connections_have_nodelay() -> None:
    sock = listen_socket("127.0.0.1", 0)
    seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            conn = transport.get_extra_info("socket")
            seen.set_result(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    port = sock.getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    assert await asyncio.wait_for(seen, 5) != 0
    writer.close()
    server.close()
    await server.wait_closed()


def test_a_taken_port_is_named_in_the_error() -> None:
    first = listen_socket("127.0.0.1", 0)
    port = first.getsockname()[1]
    with pytest.raises(OSError, match=f"127.0.0.1:{port}"):
        listen_socket("127.0.0.1", port)
    first.close()

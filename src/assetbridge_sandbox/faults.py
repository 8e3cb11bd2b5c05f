"""Fault injection for every sandbox app: latency, 5xx, 429 storms, resets, truncated or corrupted bodies.

Rules come from the sandbox config or are replaced at run time through the control API
(``PUT /_sandbox/faults``). Each app has one ``FaultInjector`` whose random choices come from a
``random.Random`` seeded from the config, so a run with the same seed and the same request sequence
injects the same faults.

A rule matches a request by method and path regex; ``probability`` decides per matching request and
``count`` caps how many times the rule fires in total (``None`` = no cap). Control-API paths
(``/_sandbox/``) are never faulted.

A real connection reset needs the socket, which ASGI does not expose: ``SandboxH11Protocol`` (used by
the sandbox server) puts the transport into the request scope so ``reset`` can abort the connection
before any byte of a response is written.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from uvicorn.protocols.http.h11_impl import H11Protocol

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# (status, message) -> (body, content type). Each emulator passes its own error shape.
ErrorBody = Callable[[int, str], tuple[bytes, str]]

TRANSPORT_KEY = "assetbridge_sandbox.transport"


class FaultRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["latency", "status", "rate_limit", "reset", "truncate", "corrupt"]
    path: str = Field(".*", description="regex searched in the request path")
    method: str | None = Field(None, description="HTTP method, any when omitted")
    probability: float = Field(1.0, ge=0, le=1)
    count: int | None = Field(None, ge=1, description="fire at most this many times")
    status: int = Field(503, ge=400, le=599, description="for kind=status")
    latency_ms: int = Field(0, ge=0, description="for kind=latency")
    retry_after: float | None = Field(None, ge=0, description="for kind=rate_limit: Retry-After seconds")

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return re.search(self.path, path) is not None


class FaultInjector:
    def __init__(self, rules: list[FaultRule] | None = None, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._fired: list[int] = []
        self.seed = seed
        self._random = random.Random(seed)
        self.injected: dict[str, int] = {}
        self.set_rules(rules or [], seed)

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def set_rules(self, rules: list[FaultRule], seed: int | None = None) -> None:
        self._rules = list(rules)
        self._fired = [0] * len(rules)
        if seed is not None:
            self.seed = seed
        self._random = random.Random(self.seed)

    def choose(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (latency rules first, then at most one failure)."""
        chosen: list[FaultRule] = []
        failure_chosen = False
        for i, rule in enumerate(self._rules):
            if not rule.matches(method, path):
                continue
            if rule.count is not None and self._fired[i] >= rule.count:
                continue
            if rule.kind != "latency" and failure_chosen:
                continue
            if self._random.random() >= rule.probability:
                continue
            self._fired[i] += 1
            self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
            chosen.append(rule)
            if rule.kind != "latency":
                failure_chosen = True
        return chosen

    def snapshot(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "rules": [r.model_dump() for r in self._rules],
            "fired": list(self._fired),
            "injected": dict(self.injected),
        }


def json_error_body(status: int, message: str) -> tuple[bytes, str]:
    return json.dumps({"errors": [message]}).encode(), "application/json"


class FaultMiddleware:
    """ASGI middleware applying the injector's decisions, plus a fixed per-app latency."""

    def __init__(
        self,
        app: ASGIApp,
        injector: FaultInjector,
        *,
        error_body: ErrorBody = json_error_body,
        base_latency_ms: int = 0,
    ) -> None:
        self.app = app
        self.injector = injector
        self.error_body = error_body
        self.base_latency_ms = base_latency_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        if self.base_latency_ms:
            await asyncio.sleep(self.base_latency_ms / 1000)
        failure: FaultRule | None = None
        for rule in self.injector.choose(scope["method"], scope["path"]):
            if rule.kind == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
            else:
                failure = rule
        if failure is None:
            await self.app(scope, receive, send)
            return
        if failure.kind == "reset":
            transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
            if transport is not None:
                transport.abort()
                return
            # No socket (in-process ASGI): the closest thing is an exception the client sees as a failure.
            raise ConnectionResetError("sandbox fault: connection reset")
        if failure.kind == "truncate":
            await self._truncated(scope, receive, send)
            return
        if failure.kind == "corrupt":
            await self.app(scope, _corrupting(receive), send)
            return
        status = 429 if failure.kind == "rate_limit" else failure.status
        message = "Too many requests" if status == 429 else "Sandbox injected server error"
        body, ctype = self.error_body(status, message)
        headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
        if status == 429 and failure.retry_after is not None:
            headers.append((b"retry-after", str(int(failure.retry_after)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the real handler, announce its full length, then send half the body and drop the line."""
        started: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": started.get("status", 200), "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        transport = scope.get("extensions", {}).get(TRANSPORT_KEY)
        if transport is not None:
            transport.abort()
            return
        raise ConnectionResetError("sandbox fault: truncated body")


def _corrupting(receive: Receive) -> Receive:
    """The request body as the app sees it after one bit flipped in transit (its first non-empty chunk)."""
    done = False

    async def wrapped() -> Message:
        nonlocal done
        message = await receive()
        body = message.get("body", b"")
        if not done and message["type"] == "http.request" and body:
            done = True
            middle = len(body) // 2
            message = {**message, "body": body[:middle] + bytes([body[middle] ^ 0x01]) + body[middle + 1 :]}
        return message

    return wrapped


class SandboxH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, exposing the transport to the app so faults can reset connections."""

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        scope: Any = self.scope
        if scope is not None:
            scope.setdefault("extensions", {})[TRANSPORT_KEY] = self.transport

"""The engine's one HTTP seam: a session over ``httpx.AsyncClient`` (the only module importing httpx).

A session knows its base URL, auth headers, timeouts, rate governor and retry policy. ``request``
reads the whole (small, JSON) body; ``stream`` yields the body in chunks for media. Failures become
``assetbridge.errors`` classes (``transport.classify``); log lines and error messages carry the path
template or a redacted URL, never a token or a URL signature.

Retries happen here only for calls that are safe to repeat: ``idempotent`` defaults to True for
GET/HEAD/PUT/DELETE/PATCH/OPTIONS and False for POST. A non-idempotent call is retried only when the
request provably did not reach the server (connect failure) or the server refused it with 429. A
body given as an async iterable is streamed once and never re-sent.
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import random
import time
from collections.abc import AsyncIterable, AsyncIterator, Collection, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import structlog
from pydantic import BaseModel, ConfigDict, Field

from assetbridge.errors import ApiError, RateLimitedError, TransientError
from assetbridge.transport.classify import (
    DetailParser,
    classify_status,
    default_detail,
    parse_int,
    parse_retry_after,
    transient_from_exception,
)
from assetbridge.transport.governor import RateGovernor, Sleep
from assetbridge.transport.redaction import redact_url
from assetbridge.transport.retry import RetryPolicy

log = structlog.get_logger("assetbridge.transport")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"})
# Failures where the request cannot have reached the server's application.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Timeouts(BaseModel):
    """Seconds; ``read`` is per chunk received, not for the whole body."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connect: float = Field(10.0, gt=0)
    read: float = Field(60.0, gt=0)
    write: float = Field(60.0, gt=0)
    pool: float = Field(30.0, gt=0)

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str  # redacted

    def json(self) -> Any:
        if not self.content:
            return None
        return jsonlib.loads(self.content)


class StreamResponse:
    """An open response whose body is read chunk by chunk; read errors become ``TransientError``."""

    def __init__(self, session: HttpSession, call: str, response: httpx.Response) -> None:
        self._session = session
        self._call = call
        self._response = response
        self.status = response.status_code
        self.headers: Mapping[str, str] = response.headers

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_bytes(chunk_size):
                yield chunk
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise transient_from_exception(
                self._session.system, self._call, exc, self._session.secrets
            ) from None


class _OneShotBody:
    """A request body that forgets its bytes once sent.

    httpx responses and their streams form a reference cycle that keeps the request (and its body)
    alive until the cyclic garbage collector runs, which large, few allocations rarely trigger: with
    plain ``content=`` every uploaded chunk would stay in memory for a while.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data

    async def __aiter__(self) -> AsyncIterator[bytes]:
        data, self._data = self._data, b""
        # In slices: the socket layer copies whatever it cannot send at once, so a 16 MiB part
        # written whole would be held twice until the kernel took it.
        view = memoryview(data)
        for start in range(0, len(data), SEND_SLICE):
            yield bytes(view[start : start + SEND_SLICE])


ONE_SHOT_MIN = 64 * 1024
SEND_SLICE = 1024 * 1024


def call_name(method: str, template: str | None, url: str) -> str:
    """``GET /API/assets/v1/assets/{asset_id}/`` or, for absolute URLs, the redacted URL without query."""
    if template is not None:
        return f"{method} {template}"
    parts = urlsplit(redact_url(url))
    return f"{method} {urlunsplit((parts.scheme, parts.netloc, parts.path, '', ''))}"


class HttpSession:
    """One remote system (or its storage) behind governor, retries, classification and redaction."""

    def __init__(
        self,
        *,
        system: str,
        base_url: str = "",
        headers: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        governor: RateGovernor | None = None,
        detail_parser: DetailParser = default_detail,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        max_connections: int = 20,
    ) -> None:
        self.system = system
        self.secrets = tuple(s for s in secrets if s)
        self.retry = retry or RetryPolicy()
        self.governor = governor
        self.detail_parser = detail_parser
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.attempts = 0  # every HTTP exchange tried, for tests and metrics
        self._client = httpx.AsyncClient(
            base_url=base_url,
            headers=dict(headers or {}),
            timeout=(timeouts or Timeouts()).to_httpx(),
            transport=transport,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> HttpSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _feedback(self, response: httpx.Response) -> None:
        if self.governor is None:
            return
        self.governor.on_response(
            self.governor.clock(),
            response.status_code,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            remaining=parse_int(response.headers.get("ratelimit-remaining")),
        )

    async def request(
        self,
        method: str,
        template: str | None = None,
        *,
        path_params: Mapping[str, str] | None = None,
        url: str | None = None,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        ok_statuses: Collection[int] = (),
        retry: RetryPolicy | None = None,
    ) -> HttpResponse:
        """Send one call (retrying when safe); return the response or raise an ``ApiError``.

        Either ``template`` (+ ``path_params``, relative to the base URL) or an absolute ``url``.
        Statuses in ``ok_statuses`` are returned like 2xx (e.g. GCS's 308 "Resume Incomplete").
        """
        method = method.upper()
        if url is None:
            if template is None:
                raise ValueError("request() needs a template or a url")
            url = template.format(**(path_params or {})) if path_params else template
        call = call_name(method, template, url)
        policy = retry or self.retry
        safe = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        streamed_body = content is not None and not isinstance(content, bytes)
        attempt = 0
        while True:
            attempt += 1
            self.attempts += 1
            if self.governor is not None:
                await self.governor.acquire()
            started = time.monotonic()
            error: ApiError
            try:
                body: bytes | AsyncIterable[bytes] | _OneShotBody | None = content
                send_headers = headers
                # An async iterable (a streamed upload) goes as is; it can be sent once only.
                if isinstance(content, bytes) and len(content) >= ONE_SHOT_MIN:
                    body = _OneShotBody(content)
                    send_headers = {
                        **{k: v for k, v in (headers or {}).items() if k.lower() != "content-length"},
                        "Content-Length": str(len(content)),
                    }
                response = await self._client.request(
                    method,
                    url,
                    params={k: _param(v) for k, v in params.items() if v is not None} if params else None,
                    json=json,
                    content=body,
                    headers=send_headers,
                )
            except (httpx.TransportError, httpx.StreamError) as exc:
                error = transient_from_exception(self.system, call, exc, self.secrets)
                may_retry = safe or isinstance(exc, _NOT_SENT)
                status: int | None = None
            else:
                self._feedback(response)
                status = response.status_code
                log.debug(
                    "http.response",
                    system=self.system,
                    call=call,
                    status=status,
                    attempt=attempt,
                    elapsed_ms=round((time.monotonic() - started) * 1000, 1),
                )
                if 200 <= status < 300 or status in ok_statuses:
                    return HttpResponse(
                        status, response.headers, response.content, redact_url(str(response.url))
                    )
                error = classify_status(
                    self.system,
                    call,
                    status,
                    response.headers,
                    response.content,
                    secrets=self.secrets,
                    detail_parser=self.detail_parser,
                )
                may_retry = safe or isinstance(error, RateLimitedError)
            retry_after = error.retry_after if isinstance(error, RateLimitedError) else None
            if streamed_body:
                may_retry = False  # the iterable is consumed: the caller must start the upload again
            if not error.retryable or not may_retry or policy.gives_up(attempt, retry_after):
                log.info(
                    "http.failed",
                    system=self.system,
                    call=call,
                    status=status,
                    attempt=attempt,
                    error=str(error),
                )
                raise error
            delay = policy.delay(attempt, retry_after, self.rng)
            log.warning(
                "http.retry",
                system=self.system,
                call=call,
                status=status,
                attempt=attempt,
                delay=round(delay, 3),
            )
            await self.sleep(delay)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        ok_statuses: Collection[int] = (),
        template: str | None = None,
    ) -> AsyncIterator[StreamResponse]:
        """Open a response for chunked reading; no retries here (the caller resumes with ``Range``)."""
        method = method.upper()
        call = call_name(method, template, url)
        self.attempts += 1
        if self.governor is not None:
            await self.governor.acquire()
        request = self._client.build_request(method, url, headers=headers)
        try:
            response = await self._client.send(request, stream=True)
        except (httpx.TransportError, httpx.StreamError) as exc:
            raise transient_from_exception(self.system, call, exc, self.secrets) from None
        try:
            self._feedback(response)
            status = response.status_code
            if not (200 <= status < 300 or status in ok_statuses):
                try:
                    body = await response.aread()
                except (httpx.TransportError, httpx.StreamError) as exc:
                    raise transient_from_exception(self.system, call, exc, self.secrets) from None
                raise classify_status(
                    self.system,
                    call,
                    status,
                    response.headers,
                    body,
                    secrets=self.secrets,
                    detail_parser=self.detail_parser,
                )
            yield StreamResponse(self, call, response)
        finally:
            await response.aclose()


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


__all__ = [
    "HttpResponse",
    "HttpSession",
    "StreamResponse",
    "Timeouts",
    "TransientError",
    "call_name",
]

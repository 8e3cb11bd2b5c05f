"""Ranged, resumable downloads from signed storage URLs, with md5/sha1 computed on the way.

After a reset or a truncated body the download goes on with ``Range: bytes=<written>-``; a server
that ignores ``Range`` (200 instead of 206) makes it start over. An expired URL (403) is replaced
through ``refresh_url``. The digests are compared with what iconik recorded (``ChecksumError``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import structlog

from assetbridge.errors import AuthError, ChecksumError, TransientError
from assetbridge.transfer.checksums import Digests, StreamingHasher, normalize_checksum
from assetbridge.transfer.pipes import FileWriter
from assetbridge.transport.http import HttpSession
from assetbridge.transport.retry import RetryPolicy

log = structlog.get_logger("assetbridge.iconik.download")

SYSTEM = "iconik"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class ResumableDownload:
    """Iterate ``chunks()`` once; ``digests`` is set when the iteration ends."""

    def __init__(
        self,
        storage: HttpSession,
        url: str,
        *,
        refresh_url: Callable[[], Awaitable[str]] | None = None,
        policy: RetryPolicy,
        chunk_size: int = 1024 * 1024,
        expected_size: int | None = None,
        expected_md5: str | None = None,
        expected_sha1: str | None = None,
    ) -> None:
        self.storage = storage
        self.url = url
        self.refresh_url = refresh_url
        self.policy = policy
        self.chunk_size = chunk_size
        self.expected_size = expected_size
        self.expected_md5 = normalize_checksum(expected_md5) if expected_md5 else None
        self.expected_sha1 = normalize_checksum(expected_sha1) if expected_sha1 else None
        self.digests: Digests | None = None
        self.resumes = 0
        self.restarted = False

    async def chunks(self, on_restart: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[bytes]:
        """The body, resumed with ``Range`` after failures. A server that ignores ``Range`` sends the
        whole body again: with ``on_restart`` (the consumer forgets what it got) we start over,
        without it that is a ``TransientError``."""
        hasher = StreamingHasher()
        attempt = 0
        refreshed = False
        while True:
            attempt += 1
            start = hasher.size
            headers = {"Range": f"bytes={start}-"} if start else {}
            try:
                async with self.storage.stream("GET", self.url, headers=headers) as response:
                    if start and not self._resumed_at(response.status, response.headers, start):
                        if on_restart is None:
                            raise TransientError(SYSTEM, "GET download url", "server ignored Range") from None
                        log.info("iconik.download.restart", reason="range ignored")
                        await on_restart()
                        self.restarted = True
                        hasher = StreamingHasher()
                    async for chunk in response.aiter_bytes(self.chunk_size):
                        await hasher.aupdate(chunk)
                        yield chunk
                break
            except AuthError:
                if self.refresh_url is None or refreshed:
                    raise
                refreshed = True
                self.url = await self.refresh_url()
            except TransientError as exc:
                if self.policy.gives_up(attempt):
                    raise
                self.resumes += 1
                log.warning("iconik.download.resume", offset=hasher.size, attempt=attempt, error=str(exc))
                await self.storage.sleep(self.policy.delay(attempt, rng=self.storage.rng))
        self.digests = hasher.digests()
        self.verify(self.digests)

    @staticmethod
    def _resumed_at(status: int, headers: Mapping[str, str], start: int) -> bool:
        match = _CONTENT_RANGE.match(headers.get("content-range", ""))
        return status == 206 and match is not None and int(match.group(1)) == start

    def verify(self, digests: Digests) -> None:
        call = "GET download url"
        if self.expected_size is not None and digests.size != self.expected_size:
            raise ChecksumError(
                SYSTEM, call, expected=str(self.expected_size), actual=str(digests.size), algorithm="size"
            )
        if self.expected_md5 and digests.md5 != self.expected_md5:
            raise ChecksumError(SYSTEM, call, expected=self.expected_md5, actual=digests.md5, algorithm="md5")
        if self.expected_sha1 and digests.sha1 != self.expected_sha1:
            raise ChecksumError(
                SYSTEM, call, expected=self.expected_sha1, actual=digests.sha1, algorithm="sha1"
            )

    async def to_path(self, dest: Path) -> Digests:
        """Write to ``dest`` (created or truncated) and return the verified digests; on a checksum
        mismatch ``dest`` is removed."""
        writer = await FileWriter(dest).open()

        async def restart() -> None:
            nonlocal writer
            await writer.close()
            writer = await FileWriter(dest).open()

        try:
            async for chunk in self.chunks(on_restart=restart):
                await writer.write(chunk)
        except ChecksumError:
            await writer.close()
            await asyncio.to_thread(dest.unlink, missing_ok=True)  # no bytes that failed verification
            raise
        finally:
            await writer.close()
        assert self.digests is not None
        return self.digests

"""Streaming, resumable downloads: originals (``GetDocumentAPI.aspx``, §6.5) and renditions.

Bytes go straight to a file while md5/sha1 are computed. After a reset or a truncated body the
transfer continues with ``Range: bytes=<written>-``; a rendition URL that expired (or is refused) is
minted again first, so a long transfer never fails because its URL aged out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.errors import SYSTEM
from assetbridge.errors import ApiError, AuthError, NotFoundError, TransientError
from assetbridge.transfer.checksums import Digests, StreamingHasher
from assetbridge.transfer.pipes import FileWriter

ORIGINAL_PATH = "/htm/GetDocumentAPI.aspx"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
CHUNK = 256 * 1024


@dataclass(frozen=True)
class Source:
    """Where to read from now: the URL and whether it is on the tenant's host (gets the token)."""

    url: str
    authenticated: bool


# (refresh) -> the current source; refresh=True after the previous URL was refused or aged out.
SourceFactory = Callable[[bool], Awaitable[Source]]


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    digests: Digests
    resumes: int
    refreshes: int


def _range_start_and_total(status: int, headers: Mapping[str, str]) -> tuple[int, int | None]:
    """Where the body starts in the file and the file's full size (None when not announced)."""
    if status == 206:
        match = _CONTENT_RANGE.match(headers.get("content-range", ""))
        if match is None:
            return 0, None
        return int(match.group(1)), None if match.group(3) == "*" else int(match.group(3))
    length = headers.get("content-length")
    return 0, int(length) if length and length.isdigit() else None


async def download(
    core: Core,
    source: SourceFactory,
    dest: Path,
    *,
    max_resumes: int = 8,
    backoff: float = 0.2,
    is_stale: Callable[[], bool] = lambda: False,
) -> DownloadResult:
    """Stream ``source`` into ``dest`` with resume and URL refresh; the digests cover the whole file."""
    hasher = StreamingHasher()
    writer = await FileWriter(dest, 0).open()
    resumes = refreshes = 0
    refresh = False
    try:
        while True:
            if is_stale():
                refresh = True
            current = await source(refresh)
            refreshes += int(refresh)
            refresh = False
            offset = hasher.size
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            try:
                async with core.stream(
                    current.url, headers=headers, authenticated=current.authenticated
                ) as resp:
                    start, total = _range_start_and_total(resp.status, resp.headers)
                    if start != offset:
                        # The server ignored (or misread) Range: start over so the digests stay true.
                        await writer.close()
                        writer = await FileWriter(dest, 0).open()
                        hasher = StreamingHasher()
                        if start:
                            raise TransientError(SYSTEM, "download", f"asked for byte {offset}, got {start}")
                    async for chunk in resp.aiter_bytes(CHUNK):
                        await writer.write(chunk)
                        await hasher.aupdate(chunk)
                if total is not None and hasher.size < total:
                    raise TransientError(SYSTEM, "download", f"body ended at {hasher.size} of {total} bytes")
                return DownloadResult(dest, hasher.digests(), resumes, refreshes)
            except (AuthError, NotFoundError) as exc:
                # An expired or refused signed URL: mint a new one once per failure, then give up.
                if current.authenticated or exc.status not in (401, 403, 404, 410) or refreshes > max_resumes:
                    raise
                refresh = True
            except TransientError:
                resumes += 1
                if resumes > max_resumes:
                    raise
                await asyncio.sleep(backoff * resumes)
    finally:
        await writer.close()


class RangeReader:
    """A source read front to back in ``Range`` windows, straight into the caller (nothing on disk).

    Each window is its own ``GET`` (``Range: bytes=a-b``), so a signed rendition URL that expires during
    a long transfer is noticed at the next window and minted again; a reset or a truncated body
    resumes from the last byte received. ``size`` is known once the first chunk has arrived.
    """

    def __init__(
        self,
        core: Core,
        source: SourceFactory,
        *,
        window: int = 64 * 1024 * 1024,
        chunk: int = 1024 * 1024,
        max_failures: int = 8,
        backoff: float = 0.2,
        is_stale: Callable[[], bool] = lambda: False,
    ) -> None:
        self.core = core
        self.source = source
        self.window = max(chunk, window)
        self.chunk = chunk
        self.max_failures = max_failures
        self.backoff = backoff
        self.is_stale = is_stale
        self.size: int | None = None
        self.refreshes = 0
        self.resumes = 0

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The whole source, in order; raises when it cannot be read after ``max_failures`` tries."""
        offset = 0
        failures = 0
        refresh = False
        while self.size is None or offset < self.size:
            if self.is_stale():
                refresh = True
            current = await self.source(refresh)
            self.refreshes += int(refresh)
            refresh = False
            end = offset + self.window - 1
            if self.size is not None:
                end = min(end, self.size - 1)
            try:
                async with self.core.stream(
                    current.url,
                    headers={"Range": f"bytes={offset}-{end}"},
                    authenticated=current.authenticated,
                ) as resp:
                    start, total = _range_start_and_total(resp.status, resp.headers)
                    if resp.status != 206 and offset:
                        raise TransientError(
                            SYSTEM, "download", f"asked for byte {offset}, got the whole file"
                        )
                    if start != offset:
                        raise TransientError(SYSTEM, "download", f"asked for byte {offset}, got {start}")
                    if total is not None:
                        self.size = total
                    async for piece in resp.aiter_bytes(self.chunk):
                        offset += len(piece)
                        failures = 0
                        yield piece
                if self.size is None:  # no length announced: the body ran to the end
                    self.size = offset
                if offset < min(end + 1, self.size):
                    raise TransientError(SYSTEM, "download", f"body ended at {offset} of {self.size} bytes")
            except ApiError as exc:
                if exc.status == 416:
                    # Past the end (an empty file answers every Range so): the size is in Content-Range.
                    self.size = offset if self.size is None else self.size
                    if offset >= self.size:
                        return
                    raise
                if isinstance(exc, TransientError):
                    failures += 1
                    self.resumes += 1
                    if failures > self.max_failures:
                        raise
                    await asyncio.sleep(self.backoff * failures)
                    continue
                if not isinstance(exc, AuthError | NotFoundError):
                    raise
                failures += 1
                if (
                    current.authenticated
                    or exc.status not in (401, 403, 404, 410)
                    or failures > self.max_failures
                ):
                    raise
                refresh = True

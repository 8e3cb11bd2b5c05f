"""Streaming, resumable downloads: originals (``GetDocumentAPI.aspx``, §6.5) and renditions.

Bytes go straight to a file while md5/sha1 are computed. After a reset or a truncated body the
transfer continues with ``Range: bytes=<written>-``; a rendition URL that expired (or is refused) is
minted again first, so a long transfer never fails because its URL aged out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.errors import SYSTEM
from assetbridge.errors import AuthError, NotFoundError, TransientError
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


def _total_from(status: int, headers: dict[str, str], offset: int) -> int | None:
    if status == 206:
        match = _CONTENT_RANGE.match(headers.get("content-range", ""))
        if match and match.group(3) != "*":
            return int(match.group(3))
        return None
    length = headers.get("content-length")
    return int(length) if length and length.isdigit() else None


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
                    if offset and resp.status == 200:
                        # The server ignored Range: start over so the digests stay true.
                        await writer.close()
                        writer = await FileWriter(dest, 0).open()
                        hasher = StreamingHasher()
                    total = _total_from(resp.status, dict(resp.headers), offset)
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

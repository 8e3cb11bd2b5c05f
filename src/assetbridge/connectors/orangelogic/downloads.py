"""Streaming, resumable downloads: originals (``GetDocumentAPI.aspx``, §6.5) and renditions.

Bytes go straight to a file while md5/sha1 are computed. After a reset or a truncated body the
transfer continues with ``Range: bytes=<written>-``; a rendition URL that expired (or is refused) is
minted again first, so a long transfer never fails because its URL aged out.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
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

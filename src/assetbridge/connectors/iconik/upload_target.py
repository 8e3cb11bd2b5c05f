"""Where an upload goes: the signed URLs iconik handed out and how to get fresh ones."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from assetbridge.transfer.pipes import read_file, rechunk

Source = Path | AsyncIterable[bytes]


@dataclass
class UploadTarget:
    """One file or proxy record's upload endpoints.

    ``refresh`` returns a fresh ``(upload_url, multipart_upload_url)`` when a signed URL expired;
    ``part_urls(upload_id, parts_num, page, per_page)`` and ``multipart_url(upload_id, kind)`` are
    iconik's S3 multipart helpers (reference §5.4 step 7).
    """

    name: str  # for log lines: "file <id>" / "proxy <id>"
    method: str  # GCS | S3
    upload_url: str
    multipart_upload_url: str | None
    content_type: str
    refresh: Callable[[], Awaitable[tuple[str, str | None]]]
    part_urls: Callable[[str, int, int, int], Awaitable[dict[int, str]]]
    multipart_url: Callable[[str, str], Awaitable[str]]


def chunks_of(source: Source, size: int) -> AsyncIterator[bytes]:
    """``size``-byte chunks (last shorter) of a file path or an async byte iterator."""
    if isinstance(source, Path):
        return rechunk(read_file(source, size), size)  # file reads come back whole: no re-chunking copy
    return rechunk(source, size)

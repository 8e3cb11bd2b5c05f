"""Where an upload goes: the signed URLs iconik handed out and how to get fresh ones."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
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


@dataclass
class ResumeState:
    """What a storage upload has stored so far, kept by the caller so a later run can continue it.

    GCS: ``session_url`` (the server is asked for the committed offset). S3: ``upload_id`` and the
    md5 (hex) of every part already stored, with the ``part_size`` they were cut with. ``saved`` is
    awaited after each change (the caller persists it); ``sent``/``resumed`` count chunks or parts
    sent in this run and skipped because the storage already had them.
    """

    session_url: str = ""
    upload_id: str = ""
    part_size: int = 0
    parts: dict[int, str] = field(default_factory=dict)
    saved: Callable[[ResumeState], Awaitable[None]] | None = None
    sent: int = 0
    resumed: int = 0
    refreshes: int = 0

    async def save(self) -> None:
        if self.saved is not None:
            await self.saved(self)

"""GCS resumable upload sessions (the XML/JSON API protocol real clients implement).

Protocol: ``POST <signed url>`` with ``x-goog-resumable: start`` → 201 + ``Location`` (the session URI,
carrying ``upload_id``); ``PUT <session>`` chunks with ``Content-Range: bytes a-b/total`` (``*`` while
the total is unknown) → 308 + ``Range: bytes=0-n`` until the last chunk → 200 + the object resource;
``PUT`` with ``Content-Range: bytes */total`` and no body asks for the persisted range;
``DELETE <session>`` cancels (499). Every chunk but the last must be a multiple of 256 KiB.
A chunk that fails half-way (wrong length, dropped connection) is discarded, so the persisted range
only ever ends on a chunk boundary; a chunk that restarts before the persisted offset is accepted
and its already-persisted prefix skipped.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from assetbridge_sandbox.storage.errors import StorageError
from assetbridge_sandbox.storage.objects import HashingWriter, ObjectInfo, ObjectStore

CHUNK_MULTIPLE = 256 * 1024

_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)$")


@dataclass(frozen=True)
class ContentRange:
    start: int | None  # None for "bytes */total" (a status query)
    end: int | None
    total: int | None  # None for "*"


def parse_content_range(header: str | None) -> ContentRange | None:
    if header is None:
        return None
    match = _RANGE.match(header.strip())
    if not match:
        raise StorageError(400, "InvalidArgument", f"Failed to parse Content-Range header: {header!r}")
    start, end, total = match.groups()
    rng = ContentRange(
        int(start) if start is not None else None,
        int(end) if end is not None else None,
        None if total == "*" else int(total),
    )
    if rng.start is not None and rng.end is not None and rng.end < rng.start:
        raise StorageError(400, "InvalidArgument", f"Invalid Content-Range {header!r}: end before start")
    return rng


@dataclass
class GcsSession:
    upload_id: str
    key: str
    content_type: str
    total: int | None
    created: float
    part_path: Path
    offset: int = 0
    result: ObjectInfo | None = None
    cancelled: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    writer: HashingWriter | None = None

    def range_header(self) -> str | None:
        return f"bytes=0-{self.offset - 1}" if self.offset > 0 else None


class GcsSessions:
    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self.sessions: dict[str, GcsSession] = {}
        self.dir = store.root / "gcs-sessions"
        self.dir.mkdir(parents=True, exist_ok=True)

    def start(self, key: str, content_type: str, total: int | None, now: float) -> GcsSession:
        upload_id = "ABg5-" + secrets.token_urlsafe(24)
        part_path = self.dir / upload_id
        part_path.touch()
        session = GcsSession(
            upload_id, key, content_type or "application/octet-stream", total, now, part_path
        )
        self.sessions[upload_id] = session
        return session

    def get(self, upload_id: str, now: float, ttl: int) -> GcsSession:
        session = self.sessions.get(upload_id)
        if session is None or session.cancelled:
            raise StorageError(404, "NoSuchUpload", "No such upload session (unknown, cancelled or expired).")
        if session.result is None and now > session.created + ttl:
            self.discard(session)
            raise StorageError(404, "NoSuchUpload", "The upload session has expired.")
        return session

    def discard(self, session: GcsSession) -> None:
        session.cancelled = True
        if session.writer is not None:
            session.writer.handle.close()
            session.writer = None
        session.part_path.unlink(missing_ok=True)

    def _check_chunk(self, session: GcsSession, rng: ContentRange, content_length: int | None) -> None:
        assert rng.start is not None and rng.end is not None
        expected = rng.end - rng.start + 1
        if content_length is not None and content_length != expected:
            raise StorageError(
                400,
                "InvalidArgument",
                f"Content-Length {content_length} does not match Content-Range {rng.start}-{rng.end}.",
            )
        if rng.total is not None and session.total is not None and rng.total != session.total:
            raise StorageError(
                400, "InvalidArgument", f"Total size {rng.total} differs from {session.total}."
            )
        total = rng.total if rng.total is not None else session.total
        if total is not None and rng.end + 1 > total:
            raise StorageError(
                400, "InvalidArgument", f"Content-Range end {rng.end} is past the total {total}."
            )
        if rng.start > session.offset:
            raise StorageError(
                400,
                "InvalidArgument",
                f"Invalid request. According to the Content-Range header, the upload offset is {rng.start} "
                f"byte(s), which exceeds already uploaded size of {session.offset} byte(s).",
            )
        is_last = total is not None and rng.end + 1 == total
        if not is_last and expected % CHUNK_MULTIPLE:
            raise StorageError(
                400,
                "InvalidArgument",
                f"Invalid request. The number of bytes uploaded is required to be a multiple of "
                f"{CHUNK_MULTIPLE}, except for the final request. The received request contained "
                f"{expected} bytes, which does not meet this requirement.",
            )

    async def write_chunk(
        self,
        session: GcsSession,
        rng: ContentRange,
        content_length: int | None,
        body: AsyncIterator[bytes],
    ) -> ObjectInfo | None:
        """Persist one chunk; returns the object when this chunk completed the upload."""
        self._check_chunk(session, rng, content_length)
        assert rng.start is not None and rng.end is not None
        if rng.total is not None:
            session.total = rng.total
        if session.writer is None:
            session.writer = HashingWriter(session.part_path.open("r+b"))
            session.writer.handle.seek(session.offset)
        writer = session.writer
        snap = writer.snapshot()
        skip = session.offset - rng.start
        expected = rng.end - rng.start + 1
        received = 0
        try:
            async for data in body:
                if not data:
                    continue
                received += len(data)
                if received > expected:
                    raise StorageError(
                        400, "InvalidArgument", "The request body is longer than Content-Range."
                    )
                if skip >= len(data):
                    skip -= len(data)
                    continue
                writer.write(data[skip:] if skip else data)
                skip = 0
            if received != expected:
                raise StorageError(
                    400,
                    "InvalidArgument",
                    f"Received {received} bytes but Content-Range announced {expected}.",
                )
        except BaseException:
            writer.restore(snap)
            raise
        session.offset = max(session.offset, rng.end + 1)
        if session.total is not None and session.offset == session.total:
            return self._finish(session)
        return None

    def _finish(self, session: GcsSession) -> ObjectInfo:
        writer = session.writer
        assert writer is not None
        writer.handle.close()
        session.writer = None
        session.result = self.store.commit(
            session.key,
            session.part_path,
            size=writer.size,
            md5=writer.md5,
            sha1=writer.sha1,
            content_type=session.content_type,
        )
        return session.result

    def finalize(self, session: GcsSession) -> ObjectInfo:
        """Complete an upload whose bytes are all persisted (``bytes */total`` with total = offset)."""
        session.total = session.offset
        if session.writer is None:  # only before the first chunk, i.e. a zero-byte object
            session.writer = HashingWriter(session.part_path.open("r+b"))
        return self._finish(session)

"""GCS resumable upload to a signed ``upload_url`` (reference §5.4 step 7, GCS).

``POST upload_url`` with ``x-goog-resumable: start`` opens a session (``Location``); chunks (multiples
of 256 KiB except the last) are ``PUT`` with ``Content-Range``; the server answers 308 with the
``Range`` it holds until the last chunk (200/201 with the object, ``md5Hash`` base64). After a failed
chunk, ``PUT`` with ``Content-Range: bytes */total`` asks what the server kept, and we go on from there.
Only the current and the next chunk are ever in memory.
"""

from __future__ import annotations

import asyncio
import re

import structlog

from assetbridge.connectors.iconik.upload_target import ResumeState, Source, UploadTarget, chunks_of
from assetbridge.errors import AuthError, ChecksumError, TransientError
from assetbridge.transfer.checksums import Digests, StreamingHasher, normalize_checksum
from assetbridge.transfer.parts import gcs_chunk_size
from assetbridge.transport.http import HttpResponse, HttpSession
from assetbridge.transport.retry import NO_RETRY, RetryPolicy

log = structlog.get_logger("assetbridge.iconik.upload")

_RANGE = re.compile(r"bytes=(\d+)-(\d+)")
COMPLETE = -1


def _held(response: HttpResponse) -> int:
    """Bytes the server holds according to a 308's ``Range`` (none when the header is absent)."""
    match = _RANGE.search(response.headers.get("range", ""))
    return int(match.group(2)) + 1 if match else 0


class GcsResumableUpload:
    def __init__(
        self,
        storage: HttpSession,
        target: UploadTarget,
        *,
        chunk_size: int,
        policy: RetryPolicy,
        resume: ResumeState | None = None,
    ) -> None:
        self.storage = storage
        self.target = target
        self.chunk_size = gcs_chunk_size(chunk_size)
        self.policy = policy
        self.session_url = ""
        self.final: HttpResponse | None = None
        self.resumes = 0
        # With a resume state an open session is continued from the offset the server holds.
        self.resume = resume

    async def _start(self, size: int | None) -> None:
        headers = {
            "x-goog-resumable": "start",
            "Content-Type": self.target.content_type,
            "X-Upload-Content-Type": self.target.content_type,
        }
        if size is not None:
            headers["X-Upload-Content-Length"] = str(size)
        try:
            response = await self.storage.request(
                "POST", url=self.target.upload_url, content=b"", headers=headers
            )
        except AuthError:
            # A signed URL that expired before we used it: ask iconik for a new one, once.
            log.info("iconik.upload.refresh_url", target=self.target.name)
            self.target.upload_url, self.target.multipart_upload_url = await self.target.refresh()
            if self.resume is not None:
                self.resume.refreshes += 1
            response = await self.storage.request(
                "POST", url=self.target.upload_url, content=b"", headers=headers
            )
        location = response.headers.get("location")
        if not location:
            raise TransientError("iconik", "POST upload_url", "resumable start answered without Location")
        self.session_url = location

    async def _status(self, total: int | None) -> int:
        headers = {"Content-Range": f"bytes */{total if total is not None else '*'}"}
        response = await self.storage.request(
            "PUT", url=self.session_url, content=b"", headers=headers, ok_statuses=(308,)
        )
        if response.status != 308:
            self.final = response
            return COMPLETE
        return _held(response)

    async def _send(
        self, data: bytes, start: int, total: int | None, last: bool, pos: int | None = None
    ) -> None:
        end = start + len(data)
        pos = start if pos is None else pos
        attempt = 0
        while True:
            attempt += 1
            body = data[pos - start :]
            total_text = str(total) if total is not None else "*"
            content_range = f"bytes {pos}-{end - 1}/{total_text}" if body else f"bytes */{total_text}"
            try:
                response = await self.storage.request(
                    "PUT",
                    url=self.session_url,
                    content=body,
                    headers={"Content-Range": content_range},
                    ok_statuses=(308,),
                    retry=NO_RETRY,
                )
            except TransientError:
                if self.policy.gives_up(attempt):
                    raise
                await self.storage.sleep(self.policy.delay(attempt, rng=self.storage.rng))
                self.resumes += 1
                held = await self._status(total if last else None)
                if held == COMPLETE:
                    return
                if held < start:
                    raise TransientError(
                        "iconik", "PUT upload session", f"server holds {held} bytes, expected {start}"
                    ) from None
                pos = min(held, end)
                continue
            if response.status != 308:
                self.final = response
                return
            held = _held(response)
            if held >= end and not last:
                return
            if attempt >= 3 * self.policy.maximum_attempts:
                raise TransientError("iconik", "PUT upload session", f"stuck at byte {held}")
            pos = max(start, min(held, end))

    async def _continue_or_start(self, size: int | None) -> int:
        """Bytes the storage already holds (``COMPLETE`` when it has the whole object)."""
        resume = self.resume
        if resume is not None and resume.session_url:
            self.session_url = resume.session_url
            return await self._status(None)
        await self._start(size)
        if resume is not None:
            resume.session_url = self.session_url
            await resume.save()
        return 0

    async def run(self, source: Source, size: int | None) -> Digests:
        held = await self._continue_or_start(size)
        hasher = StreamingHasher()
        chunks = chunks_of(source, self.chunk_size)
        current = await anext(chunks, None)
        if current is None:
            current = b""
        start = 0
        while True:
            following = await anext(chunks, None)
            end = start + len(current)
            last = following is None
            # The chunk is hashed (in a worker thread) while it is being sent.
            hashing = asyncio.ensure_future(hasher.aupdate(current))
            try:
                if held == COMPLETE or end <= held:
                    if self.resume is not None:
                        self.resume.resumed += 1
                else:
                    await self._send(current, start, end if last else size, last, max(start, held))
                    if self.resume is not None:
                        self.resume.sent += 1
                        await self.resume.save()
            finally:
                await hashing
            start = end
            if following is None:
                break
            current = following
        digests = hasher.digests()
        if self.final is None:
            raise TransientError("iconik", "PUT upload session", "upload did not complete")
        self._verify(digests)
        return digests

    def _verify(self, digests: Digests) -> None:
        assert self.final is not None
        try:
            data = self.final.json()
        except ValueError:
            data = None
        reported = data.get("md5Hash") if isinstance(data, dict) else None
        if reported and normalize_checksum(str(reported)) != digests.md5:
            raise ChecksumError(
                "iconik",
                "PUT upload session",
                expected=digests.md5,
                actual=normalize_checksum(str(reported)),
                algorithm="md5",
            )

"""S3 uploads to signed URLs: one ``PUT`` for small files, multipart above the part size.

Multipart (reference §5.4 step 7, S3): ``POST multipart_upload_url`` → ``<UploadId>``; part URLs from
iconik's ``multipart_url/part/`` (fetched a page at a time, fetched again when one expired); parts are
``PUT`` in parallel (bounded) with ``Content-MD5``, each retried on its own; the ETag of each part must
be its md5; ``complete_url`` gets the ``CompleteMultipartUpload`` XML. On failure the upload is aborted.
At most ``concurrency`` parts (plus the one being read) are in memory.
"""

from __future__ import annotations

import asyncio
import base64
import html
import math
import re

import structlog

from assetbridge.connectors.iconik.upload_target import ResumeState, Source, UploadTarget, chunks_of
from assetbridge.errors import (
    ApiError,
    AuthError,
    ChecksumError,
    NotFoundError,
    TransientError,
    ValidationError,
)
from assetbridge.transfer.checksums import (
    OFFLOAD_THRESHOLD,
    Digests,
    StreamingHasher,
    md5_hex,
    normalize_checksum,
)
from assetbridge.transfer.parts import S3_MAX_PARTS, s3_part_size
from assetbridge.transport.http import HttpSession
from assetbridge.transport.retry import NO_RETRY, RetryPolicy

log = structlog.get_logger("assetbridge.iconik.upload")

SYSTEM = "iconik"
_UPLOAD_ID = re.compile(r"<UploadId>([^<]+)</UploadId>")
_LISTED_PART = re.compile(r"<Part>\s*<PartNumber>(\d+)</PartNumber>.*?<ETag>([^<]*)</ETag>", re.S)


async def _hash_after(previous: asyncio.Future[None] | None, hasher: StreamingHasher, data: bytes) -> None:
    if previous is not None:
        await previous
    await hasher.aupdate(data)


def _bad_digest(error: ValidationError) -> bool:
    text = f"{error.message} {error.detail}"
    return "BadDigest" in text or "Content-MD5 you specified did not match" in text


def _content_md5(data: bytes) -> str:
    return base64.b64encode(bytes.fromhex(md5_hex(data))).decode()


class S3Upload:
    def __init__(
        self,
        storage: HttpSession,
        target: UploadTarget,
        *,
        part_size: int,
        concurrency: int,
        policy: RetryPolicy,
        url_page: int = 100,
        resume: ResumeState | None = None,
    ) -> None:
        self.storage = storage
        self.target = target
        self.part_size = part_size
        self.concurrency = concurrency
        self.policy = policy
        self.url_page = url_page
        self.upload_id = ""
        self.parts_num = S3_MAX_PARTS
        self._urls: dict[int, str] = {}
        self._etags: dict[int, str] = {}
        self.refreshed_parts = 0
        # With a resume state the upload is continued from its stored parts and never aborted here.
        self.resume = resume
        self._listing_complete = False

    async def run(self, source: Source, size: int | None) -> Digests:
        if size is not None and size <= self.part_size:
            digests = await self._single(source)
            if self.resume is not None:
                self.resume.sent += 1
                self.resume.refreshes += self.refreshed_parts
            return digests
        try:
            return await self._multipart(source, size)
        finally:
            if self.resume is not None:
                self.resume.refreshes += self.refreshed_parts

    async def _continue_or_initiate(self, part_size: int) -> dict[int, str]:
        """Parts already stored (number → md5) of the upload being continued; {} for a new upload."""
        resume = self.resume
        if resume is not None and resume.upload_id and resume.part_size == part_size:
            self.upload_id = resume.upload_id
            listed = await self._listed_parts()
            if listed is not None:
                # A complete listing is the truth (a part recorded but not listed is not stored).
                return listed if self._listing_complete else {**resume.parts, **listed}
            log.info("iconik.upload.upload_gone", target=self.target.name)
        elif resume is not None and resume.upload_id:
            # Cut with another part size: its parts cannot be reused, so it is aborted, not left behind.
            self.upload_id = resume.upload_id
            await self._abort()
        await self._initiate()
        if resume is not None:
            resume.upload_id, resume.part_size = self.upload_id, part_size
            resume.parts.clear()
            await resume.save()
        return {}

    async def _single(self, source: Source) -> Digests:
        data = b"".join([chunk async for chunk in chunks_of(source, self.part_size)])
        hasher = StreamingHasher()
        await hasher.aupdate(data)
        headers = {"Content-Type": self.target.content_type, "Content-MD5": _content_md5(data)}
        try:
            response = await self.storage.request(
                "PUT", url=self.target.upload_url, content=data, headers=headers
            )
        except AuthError:
            self.target.upload_url, self.target.multipart_upload_url = await self.target.refresh()
            response = await self.storage.request(
                "PUT", url=self.target.upload_url, content=data, headers=headers
            )
        digests = hasher.digests()
        self._check_etag(response.headers.get("etag"), digests.md5, "PUT upload_url")
        return digests

    def _check_etag(self, etag: str | None, md5: str, call: str) -> None:
        if etag and re.fullmatch(r'"?[0-9a-fA-F]{32}"?', etag) and normalize_checksum(etag) != md5:
            raise ChecksumError(SYSTEM, call, expected=md5, actual=normalize_checksum(etag), algorithm="md5")

    async def _initiate(self) -> None:
        headers = {"Content-Type": self.target.content_type}
        url = self.target.multipart_upload_url
        if not url:
            raise ApiError(
                "iconik", "POST /API/files/v1/assets/{asset_id}/files/", "no multipart_upload_url given"
            )
        try:
            response = await self.storage.request(
                "POST", url=url, content=b"", headers=headers, idempotent=True
            )
        except AuthError:
            self.target.upload_url, self.target.multipart_upload_url = await self.target.refresh()
            url = self.target.multipart_upload_url or url
            response = await self.storage.request(
                "POST", url=url, content=b"", headers=headers, idempotent=True
            )
        match = _UPLOAD_ID.search(response.content.decode("utf-8", "replace"))
        if not match:
            raise TransientError(SYSTEM, "POST multipart_upload_url", "no UploadId in the answer")
        self.upload_id = match.group(1)

    async def _listed_parts(self) -> dict[int, str] | None:
        """Parts the storage holds for ``upload_id`` (ListParts, first page of up to 1000), or None when
        it no longer knows the upload. {} when iconik gives no ``list_parts_url``: stored parts are used."""
        self._listing_complete = False
        try:
            url = await self.target.multipart_url(self.upload_id, "list_parts_url")
            if not url:
                return {}
            response = await self.storage.request("GET", url=url)
        except (NotFoundError, ValidationError):
            return None
        except AuthError:
            return {}
        text = response.content.decode("utf-8", "replace")
        self._listing_complete = "<IsTruncated>true</IsTruncated>" not in text
        return {
            int(number): normalize_checksum(html.unescape(etag))
            for number, etag in _LISTED_PART.findall(text)
        }

    async def _part_url(self, number: int, *, fresh: bool = False) -> str:
        if fresh or number not in self._urls:
            page = (number - 1) // self.url_page + 1
            urls = await self.target.part_urls(self.upload_id, self.parts_num, page, self.url_page)
            self._urls.update(urls)
        if number not in self._urls:
            raise ApiError("iconik", "GET multipart_url/part/", f"no URL for part {number}")
        return self._urls[number]

    async def _put_part(self, number: int, data: bytes) -> None:
        md5 = await asyncio.to_thread(md5_hex, data) if len(data) >= OFFLOAD_THRESHOLD else md5_hex(data)
        headers = {"Content-MD5": base64.b64encode(bytes.fromhex(md5)).decode()}
        attempt = 0
        fresh = False
        while True:
            attempt += 1
            url = await self._part_url(number, fresh=fresh)
            fresh = False
            try:
                response = await self.storage.request(
                    "PUT", url=url, content=data, headers=headers, retry=NO_RETRY
                )
                self._check_etag(response.headers.get("etag"), md5, "PUT part")
                self._etags[number] = md5
                return
            except AuthError:
                if self.policy.gives_up(attempt):
                    raise
                self.refreshed_parts += 1
                fresh = True
            except (TransientError, ChecksumError, ValidationError) as exc:
                # S3 answers 400 BadDigest when the bytes it got do not match Content-MD5: damaged on the way.
                if self.policy.gives_up(attempt) or (
                    isinstance(exc, ValidationError) and not _bad_digest(exc)
                ):
                    raise
                log.warning("iconik.upload.part_retry", part=number, attempt=attempt, error=str(exc))
                await self.storage.sleep(self.policy.delay(attempt, rng=self.storage.rng))

    async def _multipart(self, source: Source, size: int | None) -> Digests:
        part_size = s3_part_size(size or 0, self.part_size)
        if size is not None:
            self.parts_num = max(1, math.ceil(size / part_size))
        known = await self._continue_or_initiate(part_size)
        hasher = StreamingHasher()
        slots = asyncio.Semaphore(self.concurrency)
        tasks: set[asyncio.Task[None]] = set()
        failures: list[BaseException] = []
        hashing: list[asyncio.Future[None]] = []

        async def worker(number: int, data: bytes) -> None:
            try:
                await self._put_part(number, data)
                if self.resume is not None:
                    self.resume.parts[number] = self._etags[number]
                    self.resume.sent += 1
                    await self.resume.save()
            except BaseException as exc:
                failures.append(exc)
            finally:
                slots.release()

        number = 0
        try:
            async for data in chunks_of(source, part_size):
                await slots.acquire()
                if failures:
                    slots.release()
                    break
                number += 1
                # The whole-file digest runs (in order, in a worker thread) beside reading and sending.
                while len(hashing) >= 2:
                    await hashing.pop(0)
                hashing.append(
                    asyncio.ensure_future(_hash_after(hashing[-1] if hashing else None, hasher, data))
                )
                stored = known.get(number)
                if stored is not None and stored == await asyncio.to_thread(md5_hex, data):
                    self._etags[number] = stored
                    if self.resume is not None:
                        self.resume.resumed += 1
                    slots.release()
                    continue
                task = asyncio.create_task(worker(number, data))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            if number == 0 and not failures:
                await slots.acquire()
                number = 1
                await worker(1, b"")
            await asyncio.gather(*list(tasks))
            if failures:
                raise failures[0]
            for pending in hashing:
                await pending
            await self._complete(number)
        except BaseException:
            for running in [*tasks, *hashing]:
                running.cancel()
            if self.resume is None:
                await self._abort()
            raise
        return hasher.digests()

    async def _complete(self, count: int) -> None:
        parts = "".join(
            f'<Part><PartNumber>{n}</PartNumber><ETag>"{self._etags[n]}"</ETag></Part>'
            for n in range(1, count + 1)
        )
        body = f"<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>"
        url = await self.target.multipart_url(self.upload_id, "complete_url")
        response = await self.storage.request(
            "POST",
            url=url,
            content=body.encode(),
            headers={"Content-Type": "application/xml"},
            idempotent=True,
        )
        if b"<Error>" in response.content:
            raise TransientError(
                SYSTEM, "POST complete_url", response.content[:300].decode("utf-8", "replace")
            )

    async def _abort(self) -> None:
        if not self.upload_id:
            return
        try:
            url = await self.target.multipart_url(self.upload_id, "abort_url")
            if url:
                await self.storage.request("DELETE", url=url, retry=NO_RETRY)
        except ApiError as exc:
            log.info("iconik.upload.abort_failed", target=self.target.name, error=str(exc))

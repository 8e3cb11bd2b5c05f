"""The transfer engine: an Orange Logic original or rendition streamed into iconik, resumable.

Bytes flow from the Orange Logic source (``Range`` windows; rendition URLs re-minted when they age
out) through a bounded buffer straight into the iconik storage upload (GCS resumable or S3 multipart
with parallel parts): memory stays flat in the file size and nothing touches the disk.

Every transfer is a ``transfers`` row named by the caller's ``key``. The row records the iconik
file/proxy receiving the bytes and, as parts land, the GCS session or the S3 upload id with each
stored part's md5. A later run with the same key continues the same upload: the source is read again
from the start (the whole-file md5 needs every byte), parts the storage already holds are checked
against their stored md5 and skipped, only the missing ones are sent. After close, the size and md5
iconik records are compared with the bytes sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import structlog

from assetbridge.connectors.iconik.media import ResumeState
from assetbridge.connectors.iconik.models import File, Proxy
from assetbridge.connectors.iconik.requests import ProxyCreate
from assetbridge.connectors.iconik.upload_target import UploadTarget
from assetbridge.connectors.orangelogic.downloads import RangeReader
from assetbridge.engine.context import SyncContext
from assetbridge.errors import AssetBridgeError, ChecksumError, NotFoundError
from assetbridge.state.models_media import Transfer
from assetbridge.state.repositories.transfers import Progress, TransfersRepo
from assetbridge.transfer.checksums import Digests, StreamingHasher, normalize_checksum

log = structlog.get_logger("assetbridge.transfer")

READ_AHEAD_CHUNK = 1024 * 1024

Role = Literal["original", "proxy"]


class TransferError(AssetBridgeError):
    """A media copy that cannot be done as asked: names the asset, the rendition and the value at fault."""

    def __init__(self, message: str, *, system_identifier: str, rendition: str, asset_id: str) -> None:
        super().__init__(f"{system_identifier} ({rendition}) → iconik asset {asset_id}: {message}")
        self.system_identifier = system_identifier
        self.rendition = rendition
        self.asset_id = asset_id


class MissingMediaError(TransferError):
    """The Orange Logic asset or the rendition asked for does not exist."""


class EmptyMediaError(TransferError):
    """The source has zero bytes: nothing worth copying (and iconik would keep an empty file)."""


class TransferMismatchError(TransferError):
    """An earlier run of this key copied something else (another asset, role or source)."""


@dataclass(frozen=True)
class CopyResult:
    role: Role
    iconik_id: str  # the iconik file id (original) or proxy id
    size: int
    md5: str  # hex md5 of the bytes sent
    parts_sent: int  # parts/chunks actually sent this run (resume sends only the missing ones)
    parts_resumed: int  # parts found already stored from an earlier, interrupted run
    url_refreshes: int  # expired source/target URLs renewed on the way


@dataclass(frozen=True)
class TransferProgress:
    """Reported after each part the storage confirmed (and the state row recorded)."""

    key: str
    parts_sent: int
    parts_resumed: int


ProgressHook = Callable[[TransferProgress], Awaitable[None]]


@dataclass(frozen=True)
class _Job:
    key: str
    system_identifier: str
    rendition: str
    asset_id: str
    role: Role
    file_name: str
    content_type: str
    version_id: str | None

    @property
    def source(self) -> str:
        return f"{self.system_identifier}:{self.rendition}"

    def error(self, cls: type[TransferError], message: str) -> TransferError:
        return cls(
            message,
            system_identifier=self.system_identifier,
            rendition=self.rendition,
            asset_id=self.asset_id,
        )


async def copy_to_iconik(
    ctx: SyncContext,
    *,
    system_identifier: str,
    rendition: str,
    asset_id: str,
    role: Role,
    file_name: str,
    content_type: str,
    version_id: str | None = None,
    key: str,
    progress: ProgressHook | None = None,
) -> CopyResult:
    """Stream an Orange Logic original (rendition="original") or rendition (e.g. "Path_WebHigh",
    "Path_TR7") into iconik asset `asset_id` as its ORIGINAL file (of `version_id`) or a proxy.
    `key` names the transfer durably (resume after a crash continues it). Raises a specific error
    (missing rendition, zero-byte media, checksum mismatch) naming the asset and the value at fault."""
    job = _Job(key, system_identifier, rendition, asset_id, role, file_name, content_type, version_id)
    row = await ctx.db_call(_begin, ctx, job)
    if row.status == "done" and row.target_id and row.md5 and row.size is not None:
        return CopyResult(role, row.target_id, row.size, row.md5, 0, 0, 0)
    try:
        try:
            return await _Transfer(ctx, job, row, progress).run()
        except NotFoundError as exc:
            if not (row.session_url or row.upload_id):
                raise
            # The storage no longer knows the stored upload (expired or aborted): send it all again, once.
            log.warning("transfer.upload_forgotten", key=key, asset_id=asset_id, error=str(exc))
            row = await ctx.db_call(_forget_upload, ctx, key)
            return await _Transfer(ctx, job, row, progress).run()
    except ChecksumError as exc:
        # What the storage holds is not what was read: the next run starts a new upload, not this one.
        await ctx.db_call(_forget_upload, ctx, key)
        await ctx.db_call(_fail, ctx, key, str(exc))
        raise
    except AssetBridgeError as exc:
        await ctx.db_call(_fail, ctx, key, str(exc))
        raise


def _begin(ctx: SyncContext, job: _Job) -> Transfer:
    with ctx.db.unit_of_work() as uow:
        row = TransfersRepo(uow.session).begin(
            job.key,
            asset_id=job.asset_id,
            role=job.role,
            version_id=job.version_id,
            source=job.source,
            file_name=job.file_name,
        )
        if (row.asset_id, row.role, row.source, row.version_id) != (
            job.asset_id,
            job.role,
            job.source,
            job.version_id,
        ):
            raise job.error(
                TransferMismatchError,
                f"transfer key {job.key!r} was used for {row.source} → {row.role} of asset {row.asset_id}"
                f" (version {row.version_id})",
            )
        return row


def _forget_upload(ctx: SyncContext, key: str) -> Transfer:
    with ctx.db.unit_of_work() as uow:
        repo = TransfersRepo(uow.session)
        repo.save_progress(key, Progress())
        row = repo.get(key)
        assert row is not None
        return row


def _fail(ctx: SyncContext, key: str, error: str) -> None:
    with ctx.db.unit_of_work() as uow:
        TransfersRepo(uow.session).fail(key, error)


def _rendition_format(rendition: str) -> str:
    return rendition[len("Path_") :] if rendition.lower().startswith("path_") else rendition


class _Transfer:
    def __init__(self, ctx: SyncContext, job: _Job, row: Transfer, progress: ProgressHook | None) -> None:
        self.ctx = ctx
        self.job = job
        self.row = row
        self.progress = progress
        flow = ctx.loaded.config.flows.media
        self.part_size = flow.part_size
        self.parallel = flow.parallel_parts
        self.window = flow.source_window

    async def run(self) -> CopyResult:
        reader = await self._reader()
        chunks = reader.chunks()
        first = await self._first_chunk(reader, chunks)
        size = reader.size or 0
        feed: AsyncGenerator[bytes, None] | None = None
        try:
            closed = await self._closed_target(size)
            if closed is not None:
                return await self._confirm_closed(closed, _prepend(first, chunks), reader)
            target, target_id = await self._target(size)
            resume = self._resume_state()
            feed = _read_ahead(_prepend(first, chunks), self.part_size)
            digests = await self.ctx.iconik.upload_to_target(
                target,
                feed,
                size,
                resume=resume,
                part_size=self.part_size,
                concurrency=self.parallel,
            )
        finally:
            if feed is not None:
                await feed.aclose()  # stops its reading task before the source is closed
            await chunks.aclose()
        if digests.size != size:
            raise self.job.error(TransferError, f"the source sent {digests.size} bytes but announced {size}")
        await self._close_and_verify(target_id, digests)
        await self.ctx.db_call(self._finish, digests)
        result = CopyResult(
            role=self.job.role,
            iconik_id=target_id,
            size=digests.size,
            md5=digests.md5,
            parts_sent=resume.sent,
            parts_resumed=resume.resumed,
            url_refreshes=reader.refreshes + resume.refreshes,
        )
        log.info(
            "transfer.done",
            key=self.job.key,
            asset_id=self.job.asset_id,
            role=self.job.role,
            size=result.size,
            parts_sent=result.parts_sent,
            parts_resumed=result.parts_resumed,
            url_refreshes=result.url_refreshes,
        )
        return result

    # the source
    async def _reader(self) -> RangeReader:
        job = self.job
        ol = self.ctx.ol
        if job.rendition.lower() in ("original", "trx"):
            try:
                asset = await ol.search.get(job.system_identifier)
            except NotFoundError:
                raise job.error(MissingMediaError, "no such Orange Logic asset") from None
            if not asset.record_id:
                raise job.error(MissingMediaError, "Orange Logic names no RecordID for the asset")
            return ol.original_reader(asset.record_id, window=self.window)
        return ol.rendition_reader(
            job.system_identifier, _rendition_format(job.rendition), window=self.window
        )

    async def _first_chunk(self, reader: RangeReader, chunks: AsyncGenerator[bytes, None]) -> bytes:
        job = self.job
        try:
            first = await anext(chunks, b"")
        except NotFoundError as exc:
            raise job.error(MissingMediaError, f"not available: {exc.message}") from None
        if not first or not reader.size:
            await chunks.aclose()
            raise job.error(EmptyMediaError, "the source has 0 bytes")
        return first

    # the target
    async def _target(self, size: int) -> tuple[UploadTarget, str]:
        """The iconik file/proxy of an earlier run when it still awaits these bytes, else a new one."""
        job, row, iconik = self.job, self.row, self.ctx.iconik
        if row.target_id and row.size == size:
            existing = await self._existing(row.target_id)
            if isinstance(existing, File):
                return iconik.file_target(job.asset_id, existing, job.content_type), existing.id
            if isinstance(existing, Proxy):
                return iconik.proxy_target(job.asset_id, existing, job.content_type), existing.id
        if job.role == "original":
            file = await iconik.create_original_file(
                job.asset_id,
                file_name=job.file_name,
                size=size,
                content_type=job.content_type,
                version_id=job.version_id,
            )
            target = iconik.file_target(job.asset_id, file, job.content_type)
            target_id = file.id
        else:
            proxy = await iconik.create_proxy(
                job.asset_id,
                ProxyCreate(
                    name=job.file_name,
                    filename=job.file_name,
                    format=_proxy_format(job.content_type),
                    size=size,
                    version_id=job.version_id,
                ),
            )
            target = iconik.proxy_target(job.asset_id, proxy, job.content_type)
            target_id = proxy.id
        await self.ctx.db_call(self._set_target, target_id, target.method, size)
        return target, target_id

    async def _closed_target(self, size: int) -> File | Proxy | None:
        """The file/proxy an earlier run closed but could not record as done (a crash in between)."""
        row, iconik, asset_id = self.row, self.ctx.iconik, self.job.asset_id
        if not row.target_id or row.size != size:
            return None
        try:
            if self.job.role == "original":
                found: File | Proxy = await iconik.get_file(asset_id, row.target_id)
            else:
                found = await iconik.get_proxy(asset_id, row.target_id)
        except NotFoundError:
            return None
        return found if found.status == "CLOSED" and found.size == size else None

    async def _confirm_closed(
        self, closed: File | Proxy, chunks: AsyncIterator[bytes], reader: RangeReader
    ) -> CopyResult:
        """Read the source once more (nothing is sent) and check it against what iconik holds."""
        hasher = StreamingHasher()
        async for chunk in chunks:
            await hasher.aupdate(chunk)
        digests = hasher.digests()
        recorded = closed.checksum if isinstance(closed, File) else None
        if recorded and normalize_checksum(recorded) != digests.md5:
            raise ChecksumError(
                "iconik",
                "GET /API/files/v1/assets/{asset_id}/files/{file_id}/",
                expected=digests.md5,
                actual=normalize_checksum(recorded),
                algorithm="md5",
            )
        await self.ctx.db_call(self._finish, digests)
        parts = -(-digests.size // self.part_size)
        return CopyResult(self.job.role, closed.id, digests.size, digests.md5, 0, parts, reader.refreshes)

    async def _existing(self, target_id: str) -> File | Proxy | None:
        iconik, asset_id = self.ctx.iconik, self.job.asset_id
        try:
            if self.job.role == "original":
                file = await iconik.get_file(asset_id, target_id, generate_signed_post_url=True)
                return file if file.status not in ("DELETED", "CLOSED") and file.upload_url else None
            proxy = await iconik.get_proxy(asset_id, target_id)
            return proxy if proxy.status not in ("DELETED", "CLOSED") and proxy.upload_url else None
        except NotFoundError:
            return None

    def _resume_state(self) -> ResumeState:
        row = self.row
        state = ResumeState(
            session_url=row.session_url or "",
            upload_id=row.upload_id or "",
            part_size=row.part_size or 0,
            parts={int(n): str(md5) for n, md5 in (row.parts or {}).items()},
        )

        async def saved(current: ResumeState) -> None:
            snapshot = Progress(
                session_url=current.session_url,
                upload_id=current.upload_id,
                part_size=current.part_size,
                parts=dict(current.parts),
            )
            await self.ctx.db_call(self._save, snapshot)
            if self.progress is not None:
                await self.progress(TransferProgress(self.job.key, current.sent, current.resumed))

        state.saved = saved
        return state

    # closing
    async def _close_and_verify(self, target_id: str, digests: Digests) -> None:
        job, iconik = self.job, self.ctx.iconik
        if job.role == "original":
            await iconik.close_file(job.asset_id, target_id, size=digests.size, checksum=digests.md5)
            recorded = await iconik.get_file(job.asset_id, target_id)
            if recorded.checksum and normalize_checksum(recorded.checksum) != digests.md5:
                raise ChecksumError(
                    "iconik",
                    "GET /API/files/v1/assets/{asset_id}/files/{file_id}/",
                    expected=digests.md5,
                    actual=normalize_checksum(recorded.checksum),
                    algorithm="md5",
                )
            recorded_size = recorded.size
        else:
            closed = await iconik.close_proxy(job.asset_id, target_id, size=digests.size)
            recorded_size = closed.size
        if recorded_size is not None and recorded_size != digests.size:
            raise job.error(
                TransferError,
                f"iconik records {recorded_size} bytes for {target_id}, {digests.size} were sent",
            )

    # state rows
    def _set_target(self, target_id: str, method: str, size: int) -> None:
        with self.ctx.db.unit_of_work() as uow:
            TransfersRepo(uow.session).set_target(self.job.key, target_id=target_id, method=method, size=size)
        self.row.session_url = self.row.upload_id = None
        self.row.parts = {}
        self.row.part_size = None

    def _save(self, progress: Progress) -> None:
        with self.ctx.db.unit_of_work() as uow:
            TransfersRepo(uow.session).save_progress(self.job.key, progress)

    def _finish(self, digests: Digests) -> None:
        with self.ctx.db.unit_of_work() as uow:
            TransfersRepo(uow.session).finish(self.job.key, md5=digests.md5, size=digests.size)


def _proxy_format(content_type: str) -> str | None:
    subtype = content_type.split("/", 1)[-1].split(";", 1)[0].strip().lower()
    return {"jpeg": "jpg", "quicktime": "mov"}.get(subtype, subtype) or None


async def _prepend(first: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    yield first
    async for chunk in rest:
        yield chunk


_END = object()


async def _read_ahead(source: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    """``source`` read by a task of its own, up to about ``limit`` bytes ahead of the consumer, so the
    download goes on while a chunk or part is being uploaded (the uploaders read, then send)."""
    queue: asyncio.Queue[object] = asyncio.Queue()
    room = asyncio.Semaphore(max(1, limit // READ_AHEAD_CHUNK))

    async def pump() -> None:
        try:
            async for chunk in source:
                for start in range(0, len(chunk), READ_AHEAD_CHUNK):
                    await room.acquire()
                    queue.put_nowait(chunk[start : start + READ_AHEAD_CHUNK])
            queue.put_nowait(_END)
        except Exception as exc:  # handed to the consumer, raised there
            queue.put_nowait(exc)

    task = asyncio.create_task(pump())
    try:
        while True:
            item = await queue.get()
            if item is _END:
                return
            if isinstance(item, Exception):
                raise item
            room.release()
            assert isinstance(item, bytes)
            yield item
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


__all__ = [
    "CopyResult",
    "EmptyMediaError",
    "MissingMediaError",
    "TransferError",
    "TransferMismatchError",
    "TransferProgress",
    "copy_to_iconik",
]

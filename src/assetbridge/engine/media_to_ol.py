"""iconik → Orange Logic: an iconik file streamed into an Orange Logic upload, resumable by key.

The bytes come from iconik's signed, expiring download URL (re-minted when refused, resumed with
``Range`` after a reset) and go straight into the Orange Logic request body: one streamed
``UploadNewMedia``/``UploadNewVersion`` call up to the tenant's multi-part threshold, the §7.4
multi-part flow above it (chunks cut from the stream, each with its MD5 and retried alone). Nothing is
held in memory beyond one chunk, nothing touches the disk. md5 and sha256 of the bytes are computed on
the way; iconik's recorded size and md5 are checked at the end of the stream (a mismatch aborts the
upload before Orange Logic completes it).

Each transfer is an ``ol_transfers`` row named by the caller's ``key``. A finished key returns its
result without sending anything. An interrupted multi-part upload continues the same upload item: the
stream is read again from the start (the whole-file hashes need every byte) and the chunks Orange Logic
already confirmed are skipped. An interrupted single upload first looks for the asset it may have
created (same file name, same folder, created since the attempt began) before sending again.

With ``via_url=True`` Orange Logic imports the file from the iconik signed URL itself (§7.3) and the
bytes do not pass through AssetBridge on the way in; the hashes are then those of what Orange Logic
serves back (read once, streaming).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from assetbridge.connectors.iconik.downloads import ResumableDownload
from assetbridge.connectors.iconik.models import File
from assetbridge.connectors.orangelogic.errors import import_messages, raise_for_import_messages
from assetbridge.connectors.orangelogic.models import UploadResult
from assetbridge.connectors.orangelogic.records import IDENTIFIER
from assetbridge.connectors.orangelogic.settings import CHUNK_ALIGNMENT
from assetbridge.connectors.orangelogic.uploads import MultipartItem
from assetbridge.engine.context import SyncContext
from assetbridge.errors import (
    AssetBridgeError,
    ChecksumError,
    NotFoundError,
    TransientError,
    ValidationError,
)
from assetbridge.state.models_archive import OlTransfer
from assetbridge.state.repositories.archives import OlTransfersRepo
from assetbridge.state.types import utcnow
from assetbridge.transfer.checksums import normalize_checksum
from assetbridge.transfer.pipes import rechunk

log = structlog.get_logger("assetbridge.media_to_ol")

OFF_LOOP_BYTES = 1024 * 1024  # hash chunks at least this big in a worker thread
DELETED_STATUSES = ("DELETED", "PURGED", "ARCHIVED")


@dataclass(frozen=True)
class ToOrangeLogic:
    record_id: str  # Orange Logic RecordID of the asset written
    system_identifier: str
    new_asset: bool  # False: a new version of `record_id`
    size: int
    md5: str  # hex md5 of the bytes streamed (computed while streaming)
    sha256: str
    iconik_checksum: str | None  # the checksum iconik recorded for the file, as recorded
    multipart: bool  # the > threshold multi-part path was used


class ToOrangeLogicError(AssetBridgeError):
    """A copy that cannot be done as asked: names the iconik asset, the file and the value at fault."""

    def __init__(self, message: str, *, asset_id: str, file_id: str, file_name: str) -> None:
        super().__init__(f"iconik asset {asset_id} file {file_id} ({file_name}) → Orange Logic: {message}")
        self.asset_id = asset_id
        self.file_id = file_id
        self.file_name = file_name


class MissingFileError(ToOrangeLogicError):
    """The iconik asset or file is deleted, purged, not uploaded, or its bytes are gone from storage."""


class EmptyFileError(ToOrangeLogicError):
    """iconik records zero bytes for the file: nothing worth archiving or reviewing."""


class SourceChecksumError(ToOrangeLogicError):
    """The bytes iconik served do not match the size/md5 iconik recorded for the file."""


class TargetMissingError(ToOrangeLogicError):
    """The Orange Logic folder or asset to write into does not exist."""


class FieldRejectedError(ToOrangeLogicError):
    """Orange Logic stored the file but did not apply a field value (it said so in the import messages)."""

    def __init__(self, message: str, *, field: str, value: str, record_id: str, **where: str) -> None:
        super().__init__(message, **where)
        self.field = field
        self.value = value
        self.record_id = record_id


class TransferMismatchError(ToOrangeLogicError):
    """The key names an earlier transfer of another file or to another target."""


class _Hashes:
    def __init__(self) -> None:
        self._md5: Any = hashlib.md5(usedforsecurity=False)
        self._sha256: Any = hashlib.sha256()
        self.size = 0

    def _update(self, chunk: bytes) -> None:
        self._md5.update(chunk)
        self._sha256.update(chunk)

    async def aupdate(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if len(chunk) >= OFF_LOOP_BYTES:
            await asyncio.to_thread(self._update, chunk)
        else:
            self._update(chunk)

    @property
    def md5(self) -> str:
        return str(self._md5.hexdigest())

    @property
    def sha256(self) -> str:
        return str(self._sha256.hexdigest())


async def hash_stream(chunks: AsyncIterator[bytes]) -> tuple[int, str, str]:
    """(size, md5 hex, sha256 hex) of a byte stream, hashed as it arrives."""
    hashes = _Hashes()
    async for chunk in chunks:
        await hashes.aupdate(chunk)
    return hashes.size, hashes.md5, hashes.sha256


@dataclass(frozen=True)
class _Job:
    key: str
    asset_id: str
    file_id: str
    file_name: str
    folder: str | None
    record_id: str | None
    fields: Mapping[str, str]
    via_url: bool
    threshold: int
    chunk_size: int

    @property
    def target(self) -> str:
        return f"folder:{self.folder}" if self.folder is not None else f"record:{self.record_id}"

    def where(self) -> dict[str, str]:
        return {"asset_id": self.asset_id, "file_id": self.file_id, "file_name": self.file_name}

    def error(self, cls: type[ToOrangeLogicError], message: str) -> ToOrangeLogicError:
        return cls(message, **self.where())


async def copy_to_orangelogic(
    ctx: SyncContext,
    *,
    asset_id: str,
    file_id: str,
    file_name: str,
    folder: str | None = None,
    record_id: str | None = None,
    fields: Mapping[str, str] | None = None,
    key: str,
    via_url: bool = False,
    multipart_threshold: int | None = None,
    chunk_size: int | None = None,
) -> ToOrangeLogic:
    """Stream iconik file ``file_id`` of ``asset_id`` into Orange Logic as a new asset in ``folder``
    (a folder RecordID or identifier) or a new version of ``record_id``, with ``fields`` set on it.

    ``key`` names the transfer durably: a finished key returns its result, an interrupted one continues.
    Raises a ``ToOrangeLogicError`` subclass naming the asset, the file and the value at fault; transient
    failures (``TransientError``) leave the row resumable. ``multipart_threshold``/``chunk_size`` (a
    multiple of 131,072) override the connection's (1.5 GB / 8 MiB).
    """
    if (folder is None) == (record_id is None):
        raise ValueError("give exactly one of folder or record_id")
    settings = ctx.ol.settings
    chunk = chunk_size or settings.chunk_size_bytes
    if chunk % CHUNK_ALIGNMENT:
        raise ValueError(f"chunk_size must be a multiple of {CHUNK_ALIGNMENT}")
    threshold = multipart_threshold or settings.multipart_threshold_bytes
    job = _Job(
        key, asset_id, file_id, file_name, folder, record_id, dict(fields or {}), via_url, threshold, chunk
    )
    row = await ctx.db_call(_begin, ctx, job)
    if (row.asset_id, row.file_id, row.target) != (asset_id, file_id, job.target):
        raise job.error(
            TransferMismatchError,
            f"key {key!r} already copied iconik asset {row.asset_id} file {row.file_id} to {row.target}",
        )
    if row.status == "done":
        return _result(row)
    if row.status == "failed" and row.record_id:
        # The file reached Orange Logic but a field was refused: sending it again would duplicate it.
        raise job.error(ToOrangeLogicError, row.error or "failed earlier")
    try:
        for attempt in (1, 2):
            try:
                return await _Copy(ctx, job, row).run()
            except TransientError as exc:
                if attempt == 2:
                    raise
                log.warning("media_to_ol.retry", key=key, asset_id=asset_id, error=str(exc))
                row = await ctx.db_call(_get, ctx, key)
        raise AssertionError("unreachable")
    except ToOrangeLogicError as exc:
        await ctx.db_call(_update, ctx, key, status="failed", error=str(exc))
        raise


class _Copy:
    def __init__(self, ctx: SyncContext, job: _Job, row: OlTransfer) -> None:
        self.ctx = ctx
        self.job = job
        self.row = row
        self.hashes: _Hashes | None = None
        self.download: ResumableDownload | None = None

    async def run(self) -> ToOrangeLogic:
        job, ol = self.job, self.ctx.ol
        file = await self._source_file()
        size = file.size or 0
        multipart = size > job.threshold and not job.via_url
        previous = await self._messages_before() if job.fields and job.record_id else []
        try:
            if job.via_url:
                result = await self._via_url(file)
            elif multipart:
                result = await self._multipart(file, size)
            else:
                result = await self._single(file, size)
        except NotFoundError as exc:
            raise self._not_found(exc) from None
        except ChecksumError as exc:
            raise job.error(
                SourceChecksumError, f"iconik served other bytes than it recorded ({exc})"
            ) from None
        except ValidationError as exc:
            if exc.system != "orangelogic":
                raise job.error(MissingFileError, f"iconik cannot serve the file: {exc}") from None
            raise job.error(ToOrangeLogicError, f"Orange Logic refused the upload: {exc}") from None
        if job.via_url:
            reader = ol.original_reader(await self._record_id_of(result))
            size_read, md5, sha256 = await hash_stream(reader.chunks())
        else:
            assert self.hashes is not None
            size_read, md5, sha256 = self.hashes.size, self.hashes.md5, self.hashes.sha256
        recorded = normalize_checksum(file.checksum) if file.checksum else None
        if job.via_url and (size_read != size or (recorded and len(recorded) == 32 and recorded != md5)):
            raise job.error(
                SourceChecksumError,
                f"Orange Logic imported {size_read} bytes with md5 {md5}; iconik recorded {size} bytes, "
                f"checksum {file.checksum}",
            )
        record_id = await self._record_id_of(result)
        system_identifier = result.system_identifier or await self._identifier_of(record_id)
        done = {
            "record_id": record_id,
            "system_identifier": system_identifier,
            "new_asset": job.record_id is None,
            "size": size_read,
            "md5": md5,
            "sha256": sha256,
            "iconik_checksum": file.checksum,
            "multipart": multipart,
        }
        await self._check_fields(system_identifier, previous, done)
        row = await self.ctx.db_call(_update, self.ctx, job.key, status="done", error=None, **done)
        return _result(row)

    async def _source_file(self) -> File:
        job, iconik = self.job, self.ctx.iconik
        try:
            asset = await iconik.get_asset(job.asset_id)
            file = await iconik.get_file(job.asset_id, job.file_id)
        except NotFoundError:
            raise job.error(
                MissingFileError, "the iconik asset or file does not exist (deleted or purged)"
            ) from None
        if (asset.status or "").upper() in DELETED_STATUSES:
            raise job.error(MissingFileError, f"the iconik asset is {asset.status}")
        if (file.status or "").upper() != "CLOSED":
            raise job.error(MissingFileError, f"the iconik file is not uploaded (status {file.status})")
        if file.size is None:
            raise job.error(MissingFileError, "iconik records no size for the file")
        if file.size == 0:
            raise job.error(EmptyFileError, "iconik records 0 bytes for the file")
        return file

    def _not_found(self, exc: NotFoundError) -> ToOrangeLogicError:
        job = self.job
        if exc.system == "orangelogic":
            where = f"folder {job.folder!r}" if job.folder is not None else f"asset {job.record_id!r}"
            return job.error(TargetMissingError, f"the Orange Logic {where} does not exist ({exc})")
        return job.error(MissingFileError, f"the iconik file's bytes are gone ({exc})")

    def _stream(self, file: File) -> Callable[[], AsyncIterator[bytes]]:
        """A factory: each call opens the iconik download again (fresh signed URL) and hashes anew."""
        iconik, job = self.ctx.iconik, self.job

        async def chunks() -> AsyncIterator[bytes]:
            url = await iconik.file_download_url(job.asset_id, job.file_id)
            download = iconik.open_download(job.asset_id, file.model_copy(update={"url": url}))
            hashes = self.hashes = _Hashes()
            self.download = download
            async for chunk in download.chunks():
                await hashes.aupdate(chunk)
                yield chunk

        return chunks

    async def _single(self, file: File, size: int) -> UploadResult:
        job, ol, row = self.job, self.ctx.ol, self.row
        if job.folder is not None and row.status == "uploading" and row.started_at is not None:
            found = await self._find_uploaded(row)
            if found is not None:
                # Sent by an interrupted run: hash the source again instead of sending it twice.
                self.hashes = _Hashes()
                async for _chunk in self._stream(file)():
                    pass
                return found
        await self.ctx.db_call(
            _update, self.ctx, job.key, status="uploading", started_at=utcnow(), size=size, multipart=False
        )
        return await ol.uploads.upload_stream(
            self._stream(file),
            size,
            file_name=job.file_name,
            folder_record_id=job.folder,
            record_id=job.record_id,
            metadata=job.fields or None,
        )

    async def _find_uploaded(self, row: OlTransfer) -> UploadResult | None:
        assert self.job.folder is not None and row.started_at is not None
        try:
            return await self.ctx.ol.uploads.find_uploaded(
                row.file_name, self.job.folder, since=row.started_at
            )
        except ValueError:
            return None

    async def _multipart(self, file: File, size: int) -> UploadResult:
        try:
            return await self._multipart_once(file, size)
        except NotFoundError as exc:
            if exc.system != "orangelogic" or not self.row.item_id:
                raise
            # Orange Logic no longer knows the stored upload item: start a new one, once.
            log.warning("media_to_ol.upload_item_forgotten", key=self.job.key, error=str(exc))
            self.row = await self.ctx.db_call(
                _update, self.ctx, self.job.key, item_id=None, transaction_id=None, chunks_done=0
            )
            return await self._multipart_once(file, size)

    async def _multipart_once(self, file: File, size: int) -> UploadResult:
        job, ol, ctx = self.job, self.ctx.ol, self.ctx
        row = self.row
        if row.item_id and row.transaction_id and row.size == size and row.chunk_size:
            item = MultipartItem(
                row.transaction_id, row.item_id, row.item_system_identifier, row.item_record_id
            )
            chunk_size, done = int(row.chunk_size), row.chunks_done
        else:
            item = await ol.uploads.begin_multipart(
                file_name=job.file_name,
                size=size,
                folder_record_id=job.folder,
                record_id=job.record_id,
                metadata=job.fields or None,
            )
            chunk_size, done = job.chunk_size, 0
            self.row = await ctx.db_call(
                _update,
                ctx,
                job.key,
                status="uploading",
                started_at=utcnow(),
                size=size,
                multipart=True,
                transaction_id=item.transaction_id,
                item_id=item.item_id,
                item_record_id=item.record_id,
                item_system_identifier=item.system_identifier,
                chunk_size=chunk_size,
                chunks_done=0,
            )
        index = offset = 0
        async for data in rechunk(self._stream(file)(), chunk_size):
            if index >= done:
                await ol.uploads.send_chunk(item.item_id, data, offset, size, job.file_name)
                await ctx.db_call(_update, ctx, job.key, chunks_done=index + 1)
            index += 1
            offset += len(data)
        return await ol.uploads.complete_multipart(item)

    async def _via_url(self, file: File) -> UploadResult:
        job, ol, row = self.job, self.ctx.ol, self.row
        if job.folder is not None and row.status == "uploading" and row.started_at is not None:
            found = await self._find_uploaded(row)
            if found is not None:
                return found
        url = await self.ctx.iconik.file_download_url(job.asset_id, job.file_id)
        await self.ctx.db_call(
            _update,
            self.ctx,
            job.key,
            status="uploading",
            started_at=utcnow(),
            size=file.size,
            multipart=False,
        )
        return await ol.uploads.import_from_url(
            url,
            file_name=job.file_name,
            folder_record_id=job.folder,
            record_id=job.record_id,
            metadata=job.fields or None,
        )

    async def _record_id_of(self, result: UploadResult) -> str:
        if result.record_id:
            return result.record_id
        if self.job.record_id and not result.system_identifier:
            return self.job.record_id
        record = await self.ctx.ol.datatable.read(
            "Documents.All", {IDENTIFIER: result.system_identifier or ""}
        )
        return str(record.get("RecordID") or self.job.record_id or "")

    async def _identifier_of(self, record_id: str) -> str:
        record = await self.ctx.ol.datatable.read("Documents.All", {"RecordID": record_id})
        return str(record.get(IDENTIFIER) or record.get("SystemIdentifier") or "")

    async def _messages_before(self) -> list[str]:
        assert self.job.record_id is not None
        try:
            record = await self.ctx.ol.datatable.read("Documents.All", {"RecordID": self.job.record_id})
        except NotFoundError as exc:
            raise self._not_found(exc) from None
        return import_messages(record)

    async def _check_fields(self, system_identifier: str, previous: list[str], done: dict[str, Any]) -> None:
        """Orange Logic reports fields it did not apply only in the asset's import messages (§7)."""
        job = self.job
        if not job.fields:
            return
        record = await self.ctx.ol.datatable.read("Documents.All", {IDENTIFIER: system_identifier})
        try:
            raise_for_import_messages("upload", record, list(job.fields), previous=previous)
        except ValidationError as exc:
            detail = exc.detail if isinstance(exc.detail, dict) else {}
            name = str(detail.get("field", ""))
            value = job.fields.get(name, "")
            message = (
                f"Orange Logic stored the file as {done['record_id']} but did not apply "
                f"{name} = {value!r}: {detail.get('import_message', exc)}"
            )
            await self.ctx.db_call(_update, self.ctx, job.key, **done)
            raise FieldRejectedError(
                message, field=name, value=value, record_id=str(done["record_id"]), **job.where()
            ) from None


def _result(row: OlTransfer) -> ToOrangeLogic:
    assert row.record_id and row.system_identifier and row.md5 and row.sha256 and row.size is not None
    return ToOrangeLogic(
        record_id=row.record_id,
        system_identifier=row.system_identifier,
        new_asset=bool(row.new_asset),
        size=row.size,
        md5=row.md5,
        sha256=row.sha256,
        iconik_checksum=row.iconik_checksum,
        multipart=row.multipart,
    )


def _begin(ctx: SyncContext, job: _Job) -> OlTransfer:
    with ctx.db.unit_of_work() as uow:
        return OlTransfersRepo(uow.session).begin(
            job.key, asset_id=job.asset_id, file_id=job.file_id, file_name=job.file_name, target=job.target
        )


def _get(ctx: SyncContext, key: str) -> OlTransfer:
    with ctx.db.unit_of_work() as uow:
        row = OlTransfersRepo(uow.session).get(key)
        assert row is not None
        return row


def _update(ctx: SyncContext, key: str, **values: Any) -> OlTransfer:
    with ctx.db.unit_of_work() as uow:
        return OlTransfersRepo(uow.session).update(key, **values)

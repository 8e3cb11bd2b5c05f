"""Moving media in and out of iconik: the upload flow of reference §5.4 and verified downloads (§5.7)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from assetbridge.connectors.iconik.downloads import ResumableDownload
from assetbridge.connectors.iconik.files import FILE, PROXY, FilesAPI, first_url
from assetbridge.connectors.iconik.models import File, FileSet, Format, Proxy
from assetbridge.connectors.iconik.requests import FileCreate, FileSetCreate, FormatCreate, ProxyCreate
from assetbridge.connectors.iconik.upload_gcs import GcsResumableUpload
from assetbridge.connectors.iconik.upload_s3 import S3Upload
from assetbridge.connectors.iconik.upload_target import ResumeState, Source, UploadTarget
from assetbridge.errors import ApiError, NotFoundError
from assetbridge.transfer.checksums import Digests


@dataclass(frozen=True)
class Uploaded:
    file: File
    digests: Digests
    method: str


class MediaAPI(FilesAPI):
    def _file_target(self, asset_id: str, file: File, content_type: str) -> UploadTarget:
        async def refresh() -> tuple[str, str | None]:
            fresh = await self.get_file(asset_id, file.id, generate_signed_post_url=True)
            return fresh.upload_url or "", fresh.multipart_upload_url

        async def part_urls(upload_id: str, parts_num: int, page: int, per_page: int) -> dict[int, str]:
            return await self.multipart_part_urls(
                asset_id, file.id, upload_id, parts_num, page=page, per_page=per_page
            )

        async def multipart_url(upload_id: str, kind: str) -> str:
            return await self.multipart_url(asset_id, file.id, upload_id, kind)

        return UploadTarget(
            name=f"file {file.id}",
            method=(file.storage_method or file.upload_method or "").upper(),
            upload_url=file.upload_url or "",
            multipart_upload_url=file.multipart_upload_url,
            content_type=content_type,
            refresh=refresh,
            part_urls=part_urls,
            multipart_url=multipart_url,
        )

    def _proxy_target(self, asset_id: str, proxy: Proxy, content_type: str) -> UploadTarget:
        async def refresh() -> tuple[str, str | None]:
            fresh = await self.get_proxy(asset_id, proxy.id)
            return fresh.upload_url or "", fresh.multipart_upload_url

        async def part_urls(upload_id: str, parts_num: int, page: int, per_page: int) -> dict[int, str]:
            params = {"upload_id": upload_id, "parts_num": parts_num, "page": page, "per_page": per_page}
            data = await self._json(
                "GET", PROXY + "multipart_url/part/", params=params, asset_id=asset_id, proxy_id=proxy.id
            )
            return {int(o["number"]): str(o["url"]) for o in (data or {}).get("objects", []) if "number" in o}

        async def multipart_url(upload_id: str, kind: str) -> str:
            params = {"upload_id": upload_id, "type": kind}
            data = await self._json(
                "GET", PROXY + "multipart_url/", params=params, asset_id=asset_id, proxy_id=proxy.id
            )
            return first_url((data or {}).get(kind))

        return UploadTarget(
            name=f"proxy {proxy.id}",
            method=(proxy.storage_method or proxy.upload_method or "").upper(),
            upload_url=proxy.upload_url or "",
            multipart_upload_url=proxy.multipart_upload_url,
            content_type=content_type,
            refresh=refresh,
            part_urls=part_urls,
            multipart_url=multipart_url,
        )

    def file_target(self, asset_id: str, file: File, content_type: str) -> UploadTarget:
        """Where the bytes of a created (not yet closed) file go, with fresh-URL callbacks."""
        return self._file_target(asset_id, file, content_type)

    def proxy_target(self, asset_id: str, proxy: Proxy, content_type: str) -> UploadTarget:
        return self._proxy_target(asset_id, proxy, content_type)

    async def upload_to_target(
        self,
        target: UploadTarget,
        source: Source,
        size: int | None,
        *,
        resume: ResumeState | None = None,
        part_size: int | None = None,
        concurrency: int | None = None,
    ) -> Digests:
        """Send the bytes with the storage's own protocol; constant memory, retried per chunk/part.

        With ``resume`` an interrupted upload is continued (only what the storage lacks is sent) and
        its progress reported through ``resume.saved``; ``part_size``/``concurrency`` override the
        connection's S3 part size (and GCS chunk size) and parallel parts.
        """
        cfg = self.config
        if target.method == "GCS":
            return await GcsResumableUpload(
                self.storage,
                target,
                chunk_size=part_size or cfg.gcs_chunk_size,
                policy=cfg.storage_retry,
                resume=resume,
            ).run(source, size)
        if target.method == "S3":
            return await S3Upload(
                self.storage,
                target,
                part_size=part_size or cfg.s3_part_size,
                concurrency=concurrency or cfg.upload_concurrency,
                policy=cfg.storage_retry,
                url_page=cfg.multipart_url_page,
                resume=resume,
            ).run(source, size)
        raise ApiError("iconik", "upload", f"unsupported storage method {target.method or 'unknown'!r}")

    async def upload_original(
        self,
        asset_id: str,
        source: Source,
        *,
        file_name: str,
        size: int,
        content_type: str = "application/octet-stream",
        version_id: str | None = None,
        storage_id: str | None = None,
        directory_path: str = "",
    ) -> Uploaded:
        """Format ORIGINAL → file set → file → bytes → ``CLOSED`` with size and md5 (reference §5.4).

        Safe to call again after a failure: the version's ORIGINAL format and its file set on that
        storage are reused rather than created twice (iconik has no idempotency keys).
        """
        file = await self.create_original_file(
            asset_id,
            file_name=file_name,
            size=size,
            content_type=content_type,
            version_id=version_id,
            storage_id=storage_id,
            directory_path=directory_path,
        )
        target = self._file_target(asset_id, file, content_type)
        digests = await self.upload_to_target(target, source, size)
        closed = await self.close_file(asset_id, file.id, size=digests.size, checksum=digests.md5)
        return Uploaded(closed, digests, target.method)

    async def create_original_file(
        self,
        asset_id: str,
        *,
        file_name: str,
        size: int,
        content_type: str = "application/octet-stream",
        version_id: str | None = None,
        storage_id: str | None = None,
        directory_path: str = "",
    ) -> File:
        """Format ORIGINAL (reused) → file set on the storage (reused) → a new file awaiting its bytes."""
        storage = await (self.get_storage(storage_id) if storage_id else self.matching_storage("FILES"))
        fmt = await self._original_format(asset_id, version_id)
        if fmt is None:
            fmt = await self.create_format(
                asset_id,
                FormatCreate(
                    name="ORIGINAL",
                    version_id=version_id,
                    metadata=[{"internet_media_type": content_type}],
                    storage_methods=[storage.method] if storage.method else None,
                ),
            )
        file_set = await self._file_set_on(asset_id, fmt.id, storage.id)
        if file_set is None:
            file_set = await self.create_file_set(
                asset_id,
                FileSetCreate(
                    name=file_name,
                    format_id=fmt.id,
                    storage_id=storage.id,
                    base_dir=directory_path,
                    version_id=version_id,
                ),
            )
        return await self.create_file(
            asset_id,
            FileCreate(
                original_name=file_name,
                directory_path=directory_path,
                size=size,
                format_id=fmt.id,
                file_set_id=file_set.id,
                storage_id=storage.id,
                version_id=version_id,
            ),
        )

    async def _original_format(self, asset_id: str, version_id: str | None) -> Format | None:
        if version_id is None:
            try:
                return await self.get_format(asset_id, "ORIGINAL")
            except NotFoundError:
                return None
        async for fmt in self.iter_formats(asset_id):
            if fmt.name == "ORIGINAL" and fmt.version_id == version_id and fmt.status != "DELETED":
                return fmt
        return None

    async def _file_set_on(self, asset_id: str, format_id: str, storage_id: str) -> FileSet | None:
        async for file_set in self.iter_file_sets(asset_id):
            if (
                file_set.format_id == format_id
                and file_set.storage_id == storage_id
                and file_set.status not in ("DELETED", "ARCHIVED")
            ):
                return file_set
        return None

    async def upload_proxy(
        self,
        asset_id: str,
        source: Source,
        proxy: ProxyCreate,
        *,
        size: int,
        content_type: str = "video/mp4",
    ) -> tuple[Proxy, Digests]:
        """Create a proxy, send its bytes, mark it ``CLOSED`` (reference §5.5)."""
        created = await self.create_proxy(asset_id, proxy.model_copy(update={"size": size}))
        digests = await self.upload_to_target(
            self._proxy_target(asset_id, created, content_type), source, size
        )
        closed = await self.close_proxy(asset_id, created.id, size=digests.size)
        return closed, digests

    def open_download(self, asset_id: str, file: File) -> ResumableDownload:
        """A verified, resumable download of a file record (size and md5 from what iconik recorded)."""

        async def refresh() -> str:
            return await self.file_download_url(asset_id, file.id)

        return ResumableDownload(
            self.storage,
            file.url or "",
            refresh_url=refresh,
            policy=self.config.storage_retry,
            chunk_size=self.config.download_chunk_size,
            expected_size=file.size,
            expected_md5=file.checksum if file.checksum and len(file.checksum) in (32, 24) else None,
        )

    async def download_file(self, asset_id: str, file_id: str, dest: Path) -> Digests:
        file = await self.get_file(asset_id, file_id)
        url = await self.file_download_url(asset_id, file_id)
        download = self.open_download(asset_id, file.model_copy(update={"url": url}))
        return await download.to_path(dest)

    async def download_proxy(self, asset_id: str, proxy_id: str, dest: Path) -> Digests:
        proxy = await self.get_proxy(asset_id, proxy_id)
        url = await self.proxy_download_url(asset_id, proxy_id)

        async def refresh() -> str:
            return await self.proxy_download_url(asset_id, proxy_id)

        return await ResumableDownload(
            self.storage,
            url,
            refresh_url=refresh,
            policy=self.config.storage_retry,
            chunk_size=self.config.download_chunk_size,
            expected_size=proxy.size,
        ).to_path(dest)


__all__ = ["FILE", "MediaAPI", "ResumeState", "Uploaded"]

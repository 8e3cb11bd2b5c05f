"""Storages, formats, file sets, files, proxies, keyframes (``/API/files/v1/``, reference §5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import File, FileSet, Format, JobRef, Keyframe, Proxy, Storage
from assetbridge.connectors.iconik.requests import (
    FileCreate,
    FileSetCreate,
    FormatCreate,
    KeyframeCreate,
    ProxyCreate,
)
from assetbridge.transport.pagination import iter_last_id

M = TypeVar("M", bound=BaseModel)

F = "/API/files/v1"
FORMATS = F + "/assets/{asset_id}/formats/"
FORMAT = F + "/assets/{asset_id}/formats/{format_id}/"
FILE_SETS = F + "/assets/{asset_id}/file_sets/"
FILES = F + "/assets/{asset_id}/files/"
FILE = F + "/assets/{asset_id}/files/{file_id}/"
PROXIES = F + "/assets/{asset_id}/proxies/"
PROXY = F + "/assets/{asset_id}/proxies/{proxy_id}/"
KEYFRAMES = F + "/assets/{asset_id}/keyframes/"

StoragePurpose = Literal["FILES", "PROXIES", "KEYFRAMES", "EXPORTS", "ARCHIVE", "FACES"]


class FilesAPI(IconikBase):
    async def matching_storage(
        self, purpose: StoragePurpose = "FILES", storage_id: str | None = None
    ) -> Storage:
        params = {"storage_id": storage_id} if storage_id else None
        return await self._model(
            Storage, "GET", F + "/storages/matching/{purpose}/", params=params, purpose=purpose
        )

    async def get_storage(self, storage_id: str) -> Storage:
        return await self._model(Storage, "GET", F + "/storages/{storage_id}/", storage_id=storage_id)

    async def list_storages(
        self, *, purpose: StoragePurpose | None = None, per_page: int = 100
    ) -> list[Storage]:
        data = await self._json("GET", F + "/storages/", params={"purpose": purpose, "per_page": per_page})
        return [Storage.model_validate(o) for o in (data or {}).get("objects", [])]

    async def _iter_cursor(
        self, model: type[M], template: str, per_page: int, params: dict[str, Any] | None = None, **path: str
    ) -> AsyncIterator[M]:
        async def fetch(last_id: str | None) -> dict[str, Any]:
            query = {"per_page": per_page, "last_id": last_id, **(params or {})}
            data = (await self.api.request("GET", template, path_params=path, params=query)).json()
            return dict(data or {})

        async for item in iter_last_id(fetch, per_page=per_page):
            yield model.model_validate(item)

    # formats
    async def create_format(self, asset_id: str, fmt: FormatCreate) -> Format:
        return await self._model(
            Format, "POST", FORMATS, body=fmt.body(), idempotent=False, asset_id=asset_id
        )

    async def get_format(self, asset_id: str, format_id_or_name: str) -> Format:
        """By id, or by name (``ORIGINAL``) which iconik also accepts in this path (reference §5.1)."""
        return await self._model(Format, "GET", FORMAT, asset_id=asset_id, format_id=format_id_or_name)

    def iter_formats(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[Format]:
        return self._iter_cursor(Format, FORMATS, per_page, asset_id=asset_id)

    async def delete_format(self, asset_id: str, format_id: str) -> None:
        await self._call("DELETE", FORMAT, asset_id=asset_id, format_id=format_id)

    # file sets
    async def create_file_set(self, asset_id: str, file_set: FileSetCreate) -> FileSet:
        return await self._model(
            FileSet, "POST", FILE_SETS, body=file_set.body(), idempotent=False, asset_id=asset_id
        )

    def iter_file_sets(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[FileSet]:
        return self._iter_cursor(FileSet, FILE_SETS, per_page, asset_id=asset_id)

    # files
    async def create_file(self, asset_id: str, file: FileCreate) -> File:
        """Register a file; the answer carries ``upload_url``/``upload_method`` for the bytes."""
        return await self._model(File, "POST", FILES, body=file.body(), idempotent=False, asset_id=asset_id)

    async def get_file(self, asset_id: str, file_id: str, *, generate_signed_post_url: bool = False) -> File:
        """``generate_signed_post_url`` asks for a fresh ``upload_url`` (an expired one is refreshed so)."""
        params = {"generate_signed_post_url": True} if generate_signed_post_url else None
        return await self._model(File, "GET", FILE, params=params, asset_id=asset_id, file_id=file_id)

    def iter_files(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[File]:
        return self._iter_cursor(File, FILES, per_page, {"generate_signed_url": False}, asset_id=asset_id)

    async def update_file(self, asset_id: str, file_id: str, changes: dict[str, Any]) -> File:
        return await self._model(File, "PATCH", FILE, body=changes, asset_id=asset_id, file_id=file_id)

    async def close_file(
        self, asset_id: str, file_id: str, *, size: int, checksum: str | None = None
    ) -> File:
        """Mark a fully written file ``CLOSED`` (reference §5.4 step 8)."""
        changes: dict[str, Any] = {"status": "CLOSED", "size": size, "progress_processed": 100}
        if checksum:
            changes["checksum"] = checksum
        return await self.update_file(asset_id, file_id, changes)

    async def delete_file(self, asset_id: str, file_id: str) -> None:
        await self._call("DELETE", FILE, asset_id=asset_id, file_id=file_id)

    async def file_download_url(self, asset_id: str, file_id: str) -> str:
        data = await self._json("GET", FILE + "download_url/", asset_id=asset_id, file_id=file_id)
        return str((data or {}).get("url") or "")

    async def generate_keyframes(
        self, asset_id: str, file_id: str, *, priority: int | None = None
    ) -> str | None:
        """Start proxy + keyframe generation from a file; the job id (None when iconik skipped it: 204)."""
        body = {"priority": priority} if priority is not None else {}
        response = await self._call(
            "POST", FILE + "keyframes/", body=body, idempotent=False, asset_id=asset_id, file_id=file_id
        )
        if response.status == 204 or not response.content:
            return None
        return JobRef.model_validate(response.json()).job_id

    async def generate_proxy_keyframes(self, asset_id: str, proxy_id: str) -> str | None:
        """Start keyframe + poster generation from a proxy (reference §5.6); the job id (None on 204)."""
        response = await self._call(
            "POST", PROXY + "keyframes/", body={}, idempotent=False, asset_id=asset_id, proxy_id=proxy_id
        )
        if response.status == 204 or not response.content:
            return None
        return JobRef.model_validate(response.json()).job_id

    # proxies
    async def create_proxy(self, asset_id: str, proxy: ProxyCreate) -> Proxy:
        return await self._model(
            Proxy, "POST", PROXIES, body=proxy.body(), idempotent=False, asset_id=asset_id
        )

    async def get_proxy(self, asset_id: str, proxy_id: str) -> Proxy:
        return await self._model(Proxy, "GET", PROXY, asset_id=asset_id, proxy_id=proxy_id)

    def iter_proxies(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[Proxy]:
        return self._iter_cursor(Proxy, PROXIES, per_page, asset_id=asset_id)

    async def close_proxy(self, asset_id: str, proxy_id: str, *, size: int | None = None) -> Proxy:
        body: dict[str, Any] = {"status": "CLOSED"}
        if size is not None:
            body["size"] = size
        return await self._model(Proxy, "PATCH", PROXY, body=body, asset_id=asset_id, proxy_id=proxy_id)

    async def delete_proxy(self, asset_id: str, proxy_id: str) -> None:
        await self._call("DELETE", PROXY, asset_id=asset_id, proxy_id=proxy_id)

    async def proxy_download_url(self, asset_id: str, proxy_id: str) -> str:
        data = await self._json("GET", PROXY + "download_url/", asset_id=asset_id, proxy_id=proxy_id)
        return str((data or {}).get("url") or "")

    # keyframes
    async def create_keyframe(self, asset_id: str, keyframe: KeyframeCreate) -> Keyframe:
        return await self._model(
            Keyframe, "POST", KEYFRAMES, body=keyframe.body(), idempotent=False, asset_id=asset_id
        )

    def iter_keyframes(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[Keyframe]:
        return self._iter_cursor(
            Keyframe, KEYFRAMES, per_page, {"generate_signed_url": True}, asset_id=asset_id
        )

    # S3 multipart helpers (reference §5.4 step 7, S3)
    async def multipart_part_urls(
        self,
        asset_id: str,
        file_id: str,
        upload_id: str,
        parts_num: int,
        *,
        page: int = 1,
        per_page: int = 100,
    ) -> dict[int, str]:
        """Presigned part URLs ``{part number: url}`` for one page of parts."""
        params = {"upload_id": upload_id, "parts_num": parts_num, "page": page, "per_page": per_page}
        data = await self._json(
            "GET", FILE + "multipart_url/part/", params=params, asset_id=asset_id, file_id=file_id
        )
        return {int(o["number"]): str(o["url"]) for o in (data or {}).get("objects", []) if "number" in o}

    async def multipart_url(
        self, asset_id: str, file_id: str, upload_id: str, kind: str = "complete_url"
    ) -> str:
        """The ``complete_url`` (or ``abort_url``) of an S3 multipart upload."""
        params = {"upload_id": upload_id, "type": kind}
        data = await self._json(
            "GET", FILE + "multipart_url/", params=params, asset_id=asset_id, file_id=file_id
        )
        return first_url((data or {}).get(kind))


def first_url(value: object) -> str:
    """A ``MultiPartURLsSchema`` URL; ``list_parts_url`` comes as a one-element list."""
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")

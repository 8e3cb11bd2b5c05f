"""Uploads (reference §7): one call up to the threshold, the multi-part flow above it, new versions,
and import from a URL the tenant pulls itself.

Single: ``POST /API/UploadMedia/v3.0/UploadNewMedia`` with the file as a streamed multipart part.
Multi-part (§7.4): create a transaction, register the file, send chunks whose size is a multiple of
131,072 bytes (the last one is the remainder) to ``/webapi/mediafile/import/upload/item/26_v1/{id}``
with ``start``/``end``/``totalLength`` and the chunk's MD5, then complete. A chunk is safe to send
again (same byte range), so each is retried on its own; a whole upload never is: after a transient
failure of a call that may have created an asset, the asset is looked up first.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.errors import SYSTEM, raise_for_import_messages
from assetbridge.connectors.orangelogic.models import Asset, UploadResult
from assetbridge.connectors.orangelogic.multipart_body import MultipartBody
from assetbridge.connectors.orangelogic.query import field
from assetbridge.connectors.orangelogic.records import IDENTIFIER, DataTableApi
from assetbridge.connectors.orangelogic.search import SearchApi
from assetbridge.connectors.orangelogic.settings import CHUNK_ALIGNMENT
from assetbridge.errors import TransientError, ValidationError
from assetbridge.transfer.checksums import md5_hex

UPLOAD_NEW_MEDIA = "/API/UploadMedia/v3.0/UploadNewMedia"
UPLOAD_NEW_VERSION = "/API/UploadMedia/v3.0/UploadNewVersion"
# Only the chunk path is documented (§7.4); the others follow the sandbox's choice (§12 q3): check them
# against a live tenant's Swagger page (/swagger/index.html?urls.primaryName=mediafile).
IMPORT_FROM_URL = "/webapi/mediafile/import/upload/uploadmediawithurl_4c1_v1"
CREATE_TRANSACTION = "/webapi/mediafile/import/upload/createtransaction_23_v1"
REGISTER_ASSETS = "/webapi/mediafile/import/upload/registerassets_24_v1"
UPLOAD_CHUNK = "/webapi/mediafile/import/upload/item/26_v1/{item}"
COMPLETE_UPLOAD = "/webapi/mediafile/import/upload/complete_27_v1"
LOOKUP_FIELDS = ("OriginalFileName", "CoreField.Parent-folder")
CHUNK_ATTEMPTS = 4


def plan_chunks(total: int, chunk_size: int) -> list[tuple[int, int]]:
    """Inclusive (start, end) byte ranges: starts on 131,072-byte boundaries, the last one the remainder."""
    if chunk_size <= 0 or chunk_size % CHUNK_ALIGNMENT:
        raise ValueError(f"chunk size must be a positive multiple of {CHUNK_ALIGNMENT}")
    if total <= 0:
        return []
    return [(start, min(start + chunk_size, total) - 1) for start in range(0, total, chunk_size)]


@dataclass(frozen=True)
class MultipartItem:
    """A registered multi-part upload (§7.4 steps 1–2): where its chunks go and the asset it makes."""

    transaction_id: str
    item_id: str
    system_identifier: str | None
    record_id: str | None


def _api_response(data: Mapping[str, Any]) -> Mapping[str, Any]:
    api = data.get("APIResponse")
    if isinstance(api, dict):
        inner = api.get("Response")
        return inner if isinstance(inner, dict) else api
    return data


def parse_upload_result(data: Mapping[str, Any]) -> UploadResult:
    """``APIResponse{SystemIdentifier, RecordID}`` or a camelCase webapi body."""
    body = _api_response(data)

    def pick(*keys: str) -> str | None:
        for key in keys:
            for k, v in body.items():
                if k.lower() == key.lower() and v not in (None, ""):
                    return str(v)
        return None

    status = pick("uploadStatus", "status") or "Success"
    version = pick("assetVersion", "version")
    duplicate = pick("duplicateRecordID")
    return UploadResult(
        system_identifier=pick("SystemIdentifier", "identifier", "fileIdentifier"),
        record_id=duplicate or pick("RecordID", "dO_recordID", "recordID"),
        status=status,
        version=int(version) if version and version.isdigit() else None,
        duplicate=status.lower() == "alreadyexists" or duplicate is not None,
    )


def _read_range(path: Path, start: int, end: int) -> bytes:
    handle: BinaryIO
    with path.open("rb") as handle:
        handle.seek(start)
        return handle.read(end - start + 1)


class UploadApi:
    def __init__(self, core: Core, search: SearchApi, datatable: DataTableApi) -> None:
        self.core = core
        self.search = search
        self.datatable = datatable
        self.chunks_sent = 0

    async def _verify_metadata(
        self, result: UploadResult, metadata: Mapping[str, str] | None, call: str
    ) -> None:
        """Metadata naming fields the asset does not have is dropped silently, with an import message (§7)."""
        if not metadata or not result.system_identifier:
            return
        record = await self.datatable.read("Documents.All", {IDENTIFIER: result.system_identifier})
        raise_for_import_messages(call, record, list(metadata))

    async def upload(
        self,
        path: Path,
        folder_record_id: str,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, str] | None = None,
        mode: str = "ProcessInLine",
    ) -> UploadResult:
        """A new asset in the folder: one call up to ``multipart_threshold_bytes``, multi-part above."""
        name = file_name or path.name
        size = (await asyncio.to_thread(path.stat)).st_size
        if size > self.core.settings.multipart_threshold_bytes:
            result = await self.upload_multipart(path, folder_record_id, file_name=name, metadata=metadata)
            await self._verify_metadata(result, metadata, f"POST {COMPLETE_UPLOAD}")
            return result
        started = datetime.now(UTC)
        params = {"FolderRecordID": folder_record_id, "FileName": name, "UploadMode": mode}
        if metadata:
            params["Metadata"] = json.dumps(dict(metadata))
        try:
            result = await self._send_file(UPLOAD_NEW_MEDIA, params, path, name)
        except TransientError as failure:
            try:
                found = await self.find_uploaded(name, folder_record_id, since=started)
            except ValueError:
                # A file name Search cannot express: leave the decision to the caller, risk no duplicate.
                raise failure from None
            result = found or await self._send_file(UPLOAD_NEW_MEDIA, params, path, name)
        if mode == "ProcessInLine":
            await self._verify_metadata(result, metadata, f"POST {UPLOAD_NEW_MEDIA}")
        return result

    async def upload_version(
        self, path: Path, record_id: str, *, file_name: str | None = None, mode: str = "ProcessInLine"
    ) -> UploadResult:
        """A new version of an existing asset (§7.2); not re-sent on its own after a transient failure."""
        name = file_name or path.name
        params = {"RecordID": record_id, "FileName": name, "UploadMode": mode}
        return await self._send_file(UPLOAD_NEW_VERSION, params, path, name)

    async def upload_stream(
        self,
        stream: Callable[[], AsyncIterable[bytes]],
        size: int,
        *,
        file_name: str,
        folder_record_id: str | None = None,
        record_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
        mode: str = "ProcessInLine",
    ) -> UploadResult:
        """One streamed call (up to the threshold): a new asset in the folder or a new version of
        ``record_id``. ``stream`` is a factory producing the ``size`` bytes from the start each time it is
        called (the one re-send after a 401). Sent once: the caller decides what a transient failure means.
        """
        if (folder_record_id is None) == (record_id is None):
            raise ValueError("give exactly one of folder_record_id or record_id")
        params = {"FileName": file_name, "UploadMode": mode}
        if record_id is not None:
            endpoint, params["RecordID"] = UPLOAD_NEW_VERSION, record_id
        else:
            endpoint, params["FolderRecordID"] = UPLOAD_NEW_MEDIA, folder_record_id or ""
        if metadata:
            params["Metadata"] = json.dumps(dict(metadata))
        body = MultipartBody.streamed([], "InputStream", file_name, stream, size)
        headers = {"Content-Type": body.header, "Content-Length": str(body.length())}
        data = await self.core.call_json(
            "POST", endpoint, params=params, content=body.chunks, headers=headers, idempotent=False
        )
        result = parse_upload_result(data)
        if not result.system_identifier and not result.record_id:
            raise ValidationError(SYSTEM, f"POST {endpoint}", "the upload answer names no asset")
        return result

    async def begin_multipart(
        self,
        *,
        file_name: str,
        size: int,
        folder_record_id: str | None = None,
        record_id: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> MultipartItem:
        """§7.4 steps 1–2 for one file: a new asset in the folder, or (``recordID`` in the registered
        file, a sandbox choice §12 q3) a new version of ``record_id``."""
        tx_form = [("folderRecordID", folder_record_id)] if folder_record_id else []
        if metadata:
            tx_form.append(("metadata", json.dumps(dict(metadata))))
        tx = await self.core.call_json(
            "POST", CREATE_TRANSACTION, form=tx_form, idempotent=True, json_format=False
        )
        transaction = _pick(tx, "transactionID", "transactionId")
        spec: dict[str, Any] = {"fileName": file_name, "fileSize": size}
        if record_id:
            spec["recordID"] = record_id
        reg_form = [("transactionID", transaction), ("files", json.dumps([spec]))]
        if folder_record_id:
            reg_form.append(("folderRecordID", folder_record_id))
        registered = _first_item(
            await self.core.call_json(
                "POST", REGISTER_ASSETS, form=reg_form, idempotent=False, json_format=False
            )
        )
        return MultipartItem(
            transaction_id=transaction,
            item_id=_pick(registered, "uploadItemID", "uploadItemId"),
            system_identifier=_opt(registered, "identifier"),
            record_id=_opt(registered, "dO_recordID", "recordID"),
        )

    async def complete_multipart(self, item: MultipartItem) -> UploadResult:
        """§7.4 step 5; an ``Incomplete`` answer (chunks missing) is a ``TransientError``."""
        done = await self.core.call_json(
            "POST", COMPLETE_UPLOAD, form=[("uploadItemID", item.item_id)], idempotent=True, json_format=False
        )
        result = parse_upload_result(_first_item(done))
        if result.status.lower() not in ("success", "alreadyexists"):
            raise TransientError(SYSTEM, f"POST {COMPLETE_UPLOAD}", f"upload status {result.status}")
        return result.model_copy(
            update={
                "system_identifier": result.system_identifier or item.system_identifier,
                "record_id": result.record_id or item.record_id,
            }
        )

    async def send_chunk(self, item_id: str, data: bytes, start: int, total: int, file_name: str) -> None:
        """One chunk (§7.4 step 4) with its MD5; re-sent alone when the tenant's MD5 differs."""
        end = start + len(data) - 1
        digest = md5_hex(data)
        endpoint = UPLOAD_CHUNK.format(item=item_id)
        part = MultipartBody.build([], "data", file_name, data=data)
        body = part.as_bytes()
        params = {"start": start, "end": end, "totalLength": total, "md5": digest}
        headers = {"Content-Type": part.header}
        for attempt in range(1, CHUNK_ATTEMPTS + 1):
            self.chunks_sent += 1
            try:
                # Transient failures are retried inside the session: re-sending one byte range is safe.
                await self.core.call(
                    "POST", endpoint, params=params, content=body, headers=headers, idempotent=True
                )
                return
            except ValidationError as exc:
                # The tenant computed another MD5: the bytes were damaged on the way; send them again.
                if "md5" not in exc.message.lower() or attempt == CHUNK_ATTEMPTS:
                    raise

    async def _send_file(
        self, endpoint: str, params: Mapping[str, str], path: Path, name: str
    ) -> UploadResult:
        body = MultipartBody.build([], "InputStream", name, path=path)
        length = await asyncio.to_thread(body.length)
        headers = {"Content-Type": body.header, "Content-Length": str(length)}
        data = await self.core.call_json(
            "POST", endpoint, params=params, content=body.chunks, headers=headers, idempotent=False
        )
        result = parse_upload_result(data)
        if not result.system_identifier and not result.record_id:
            raise ValidationError(SYSTEM, f"POST {endpoint}", "the upload answer names no asset")
        return result

    async def find_uploaded(
        self, file_name: str, folder_record_id: str, *, since: datetime
    ) -> UploadResult | None:
        """An asset a failed upload may have created: same file name, same folder, created since then."""
        query = field("OriginalFileName", file_name)
        async for asset in self.search.iterate(query, fields=LOOKUP_FIELDS):
            if self._same_upload(asset, folder_record_id, since):
                return UploadResult(system_identifier=asset.system_identifier, record_id=asset.record_id)
        return None

    @staticmethod
    def _same_upload(asset: Asset, folder_record_id: str, since: datetime) -> bool:
        parent = asset.value("CoreField.Parent-folder")
        created = asset.create_date
        recent = created is None or created >= since - timedelta(minutes=2)
        return (parent is None or parent == folder_record_id) and recent

    async def import_from_url(
        self,
        url: str,
        *,
        file_name: str,
        folder_record_id: str | None = None,
        record_id: str | None = None,
        mode: str = "ProcessInLine",
        metadata: Mapping[str, str] | None = None,
    ) -> UploadResult:
        """The tenant downloads ``url`` itself (bytes never pass through us, §7.3): a new asset in the
        folder, or a new version of ``record_id``."""
        if (folder_record_id is None) == (record_id is None):
            raise ValueError("give exactly one of folder_record_id or record_id")
        body = {"fileURL": url, "fileName": file_name, "importMode": mode}
        body |= {"recordID": record_id} if record_id else {"folderRecordID": folder_record_id or ""}
        if metadata:
            body["metadata"] = json.dumps(dict(metadata))
        data = await self.core.call_json(
            "POST",
            IMPORT_FROM_URL,
            content=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            idempotent=False,
            json_format=False,
        )
        return parse_upload_result(data)

    async def upload_multipart(
        self,
        path: Path,
        folder_record_id: str,
        *,
        file_name: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> UploadResult:
        """The §7.4 flow: transaction, register, aligned chunks (each with MD5, retried alone), complete."""
        name = file_name or path.name
        total = (await asyncio.to_thread(path.stat)).st_size
        tx_form = [("folderRecordID", folder_record_id)]
        if metadata:
            tx_form.append(("metadata", json.dumps(dict(metadata))))
        tx = await self.core.call_json(
            "POST", CREATE_TRANSACTION, form=tx_form, idempotent=True, json_format=False
        )
        transaction = _pick(tx, "transactionID", "transactionId")
        files = json.dumps([{"fileName": name, "fileSize": total}])
        reg_form = [("transactionID", transaction), ("folderRecordID", folder_record_id), ("files", files)]
        registered = await self.core.call_json(
            "POST", REGISTER_ASSETS, form=reg_form, idempotent=False, json_format=False
        )
        item = _pick(_first_item(registered), "uploadItemID", "uploadItemId")
        for start, end in plan_chunks(total, self.core.settings.chunk_size_bytes):
            await self._send_chunk(path, item, start, end, total)
        done = await self.core.call_json(
            "POST",
            COMPLETE_UPLOAD,
            form=[("uploadItemID", item)],
            idempotent=True,
            json_format=False,
        )
        result = parse_upload_result(_first_item(done))
        if result.status.lower() not in ("success", "alreadyexists"):
            raise TransientError(SYSTEM, f"POST {COMPLETE_UPLOAD}", f"upload status {result.status}")
        registered_item = _first_item(registered)
        return result.model_copy(
            update={
                "system_identifier": result.system_identifier or _opt(registered_item, "identifier"),
                "record_id": result.record_id or _opt(registered_item, "dO_recordID", "recordID"),
            }
        )

    async def _send_chunk(self, path: Path, item: str, start: int, end: int, total: int) -> None:
        data = await asyncio.to_thread(_read_range, path, start, end)
        await self.send_chunk(item, data, start, total, path.name)


def _first_item(data: Mapping[str, Any]) -> Mapping[str, Any]:
    for key in ("items", "files", "uploadItems", "results", "uploadResults"):
        value = data.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return dict(value[0])
    return data


def _opt(data: Mapping[str, Any], *keys: str) -> str | None:
    lowered = {k.lower(): v for k, v in data.items()}
    for key in keys:
        value = lowered.get(key.lower())
        if value not in (None, ""):
            return str(value)
    return None


def _pick(data: Mapping[str, Any], *keys: str) -> str:
    value = _opt(data, *keys)
    if value is None:
        raise ValidationError(SYSTEM, "multi-part upload", f"the answer has none of {', '.join(keys)}")
    return value

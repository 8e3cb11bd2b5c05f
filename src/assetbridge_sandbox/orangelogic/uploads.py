"""Uploads (reference §7): UploadNewMedia, UploadNewVersion, import from a URL, and the shared ingest path.

``UploadNewMedia`` (v1.0–v3.0) takes the first file part whatever its name (``InputStream``,
``UploadStream``...); files above the multi-part threshold (1.5 GB on real tenants, changeable through
the control API) are refused with HTTP 413 and must use the multi-part flow. The file part is streamed into
``data_dir/incoming`` as it arrives (``formstream``) and then moved into place, never held in memory.

``UploadMode``: ``ProcessInLine`` (default) returns after the proxies exist; ``ProcessProxiesInBackground``
returns at once, searchable, proxies later; ``ProcessProxiesAndParentAndIndexInBackground`` and
``ProcessFullyInBackground[Lite]`` return at once and the asset is not searchable until processing ends.

Paths not captured in public material (§12.3) are sandbox choices: ``/API/UploadMedia/v3.0/UploadNewVersion``
(``RecordID`` of the asset + file part) and ``POST /webapi/mediafile/import/upload/uploadmediawithurl_4c1_v1``
(JSON ``{folderRecordID | recordID, fileURL, fileName, importMode, metadata}``; the sandbox pulls the URL
with httpx streaming before answering). ``Metadata`` is a JSON object ``{"Field": "value|value"}``; a bad
field or value never fails the upload, it is written to the asset's import messages.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
from pathlib import Path
from typing import Any

import anyio
import httpx
from starlette.responses import Response

from assetbridge_sandbox.orangelogic import renditions
from assetbridge_sandbox.orangelogic.common import OLError, StoredFile, json_response
from assetbridge_sandbox.orangelogic.datatable import Assignment, _new_value
from assetbridge_sandbox.orangelogic.formstream import discard_files
from assetbridge_sandbox.orangelogic.routing import Ctx
from assetbridge_sandbox.orangelogic.state import CONTAINER_TYPES, OLState, Record

UPLOAD_MODES = {
    "processinline": "ProcessInLine",
    "processproxiesinbackground": "ProcessProxiesInBackground",
    "processproxiesandparentandindexinbackground": "ProcessProxiesAndParentAndIndexInBackground",
    "processfullyinbackground": "ProcessFullyInBackground",
    "processfullyinbackgroundlite": "ProcessFullyInBackgroundLite",
}
CHUNK = 1024 * 1024
EXT_KIND = {"image": "Image", "video": "Video", "audio": "Audio"}


def doc_type_for(file_name: str, content_type: str = "") -> str:
    ctype = content_type if content_type and content_type != "application/octet-stream" else ""
    ctype = ctype or mimetypes.guess_type(file_name)[0] or ""
    if file_name.lower().endswith(".y4m"):
        ctype = "video/x-yuv4mpeg"
    return EXT_KIND.get(ctype.split("/")[0], "Multimedia")


def upload_mode(raw: str | None, default: str = "ProcessInLine") -> str:
    if not raw:
        return default
    mode = UPLOAD_MODES.get(raw.lower())
    if mode is None:
        raise OLError(400, f"Unknown UploadMode '{raw}'", code="INVALID_PARAMETER")
    return mode


def incoming_name(state: OLState, name: str) -> str:
    return f"{state.new_token()[:16]}-{Path(name).name or 'upload'}"


def incoming_path(state: OLState, name: str) -> Path:
    return state.incoming_dir / incoming_name(state, name)


def folder_for(state: OLState, ident: str | None, ignore_check: bool) -> Record:
    if not ident:
        return state.root
    record = state.find(ident)
    if record is None:
        raise OLError(400, f"The folder '{ident}' does not exist", code="INVALID_FOLDER")
    while ignore_check and record.doc_type not in CONTAINER_TYPES and record.parent:
        record = state.records[record.parent]
    if record.doc_type not in CONTAINER_TYPES:
        raise OLError(400, f"'{ident}' is not a container", code="INVALID_FOLDER")
    return record


def parse_metadata(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise OLError(
            400, "Metadata must be a JSON object of field names to values", code="INVALID_PARAMETER"
        ) from exc
    if not isinstance(data, dict):
        raise OLError(
            400, "Metadata must be a JSON object of field names to values", code="INVALID_PARAMETER"
        )
    return {str(k): "|".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in data.items()}


def apply_metadata(state: OLState, record: Record, metadata: dict[str, str]) -> None:
    label = f"Documents.{record.doc_type}.{record.subtype}"
    for name, value in metadata.items():
        fdef = state.tenant.field(name)
        if fdef is None:
            record.import_messages.append(
                f"The field '{name}' does not exist on {label}: the value was not imported."
            )
            continue
        if fdef.readonly:
            continue
        try:
            new = _new_value(state, record, Assignment(name, ":=", value, fdef))
        except OLError as exc:
            record.import_messages.append(f"{exc.message}: the value was not imported.")
            continue
        if new is not None:
            record.values[fdef.name] = new


async def attach_file(
    state: OLState, record: Record, src: Path, size: int, file_name: str, content_type: str
) -> None:
    dest_dir = state.files_dir / record.record_id / f"v{record.version}"
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / (Path(file_name).name or "file")
    await anyio.to_thread.run_sync(shutil.move, src, dest)
    record.file_path = dest
    record.file_name = Path(file_name).name
    record.content_type = content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
    record.size = size
    renditions.invalidate(record)


async def process(state: OLState, record: Record, mode: str) -> None:
    """Proxies now (ProcessInLine) or in the background; background index modes hide the asset meanwhile."""
    if mode == "ProcessInLine":
        await renditions.generate_all(state, record)
        return
    if mode != "ProcessProxiesInBackground":
        record.searchable = False

    async def background() -> None:
        try:
            await renditions.generate_all(state, record)
        finally:
            record.searchable = True

    state.spawn(background())


async def ingest_new(
    ctx: Ctx,
    src: Path,
    size: int,
    file_name: str,
    content_type: str,
    folder: Record,
    metadata: dict[str, str],
    mode: str,
) -> Record:
    state = ctx.state
    doc_type = doc_type_for(file_name, content_type)
    record = state.new_record(doc_type, "Default", {}, parent=folder.record_id, fire=False)
    await attach_file(state, record, src, size, file_name, content_type)
    apply_metadata(state, record, metadata)
    await process(state, record, mode)
    state.fire("asset.created", record, ctx.muted)
    return record


async def ingest_version(
    ctx: Ctx,
    record: Record,
    src: Path,
    size: int,
    file_name: str,
    content_type: str,
    metadata: dict[str, str],
    mode: str,
) -> Record:
    record.version += 1
    await attach_file(ctx.state, record, src, size, file_name, content_type)
    apply_metadata(ctx.state, record, metadata)
    await process(ctx.state, record, mode)
    ctx.state.touch(record, ctx.muted)
    return record


def _first_file(ctx: Ctx) -> tuple[StoredFile, Path]:
    stored = ctx.params.files[0] if ctx.params.files else None
    if stored is None or stored.path is None:
        raise OLError(400, "The request has no file part (multipart/form-data)", code="MISSING_FILE")
    return stored, stored.path


def _success(ctx: Ctx, record: Record, mode: str) -> Response:
    body = {
        "Code": "SUCCESS",
        "SystemIdentifier": record.identifier,
        "RecordID": record.record_id,
        "MediaEncryptedIdentifier": record.record_id,
        "Version": record.version,
        "UploadMode": mode,
    }
    return json_response({"APIRequestInfo": ctx.info(), "APIResponse": body})


async def upload_new_media(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    try:
        upload, src = _first_file(ctx)
        folder = folder_for(state, params.get("FolderRecordID"), params.flag("IgnoreCheckContainer"))
        mode = upload_mode(params.get("UploadMode"), "ProcessInLine")
        if not params.get("UploadMode") and params.flag("ProcessAssetInBackground"):
            mode = "ProcessFullyInBackground"
        metadata = parse_metadata(params.get("Metadata"))
        file_name = params.get("FileName") or upload.filename or "upload.bin"
        record = await ingest_new(
            ctx, src, upload.size, file_name, upload.content_type, folder, metadata, mode
        )
    finally:
        await discard_files(params)
    return _success(ctx, record, mode)


async def upload_new_version(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    try:
        upload, src = _first_file(ctx)
        ident = params.get("RecordID") or params.get("Identifier") or params.get("SystemIdentifier") or ""
        record = state.find(ident)
        if record is None or record.doc_type in CONTAINER_TYPES:
            raise OLError(404, f"Asset '{ident}' not found", code="NOT_FOUND")
        mode = upload_mode(params.get("UploadMode"))
        metadata = parse_metadata(params.get("Metadata"))
        file_name = params.get("FileName") or upload.filename or record.file_name
        await ingest_version(ctx, record, src, upload.size, file_name, upload.content_type, metadata, mode)
    finally:
        await discard_files(params)
    return _success(ctx, record, mode)


async def upload_from_url(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    url = params.get("fileURL") or ""
    if not url.lower().startswith(("http://", "https://")):
        raise OLError(400, "fileURL must be an http(s) URL", code="OL_ERR_006_BADREQUEST")
    existing = state.find(params.get("recordID") or "") if params.get("recordID") else None
    if params.get("recordID") and existing is None:
        raise OLError(
            404, "Asset not found", code="OL_ERR_001_NOTFOUND", extra={"Asset ID": params.get("recordID")}
        )
    folder = state.root if existing else folder_for(state, params.get("folderRecordID"), False)
    mode = upload_mode(params.get("importMode"), "ProcessFullyInBackground")
    metadata = parse_metadata(params.get("metadata"))
    file_name = params.get("fileName") or url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] or "download.bin"
    src = incoming_path(state, file_name)
    size = 0
    content_type = ""
    try:
        async with (
            httpx.AsyncClient(timeout=30, follow_redirects=True) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code >= 400:
                raise OLError(
                    400,
                    f"Could not download the file (HTTP {resp.status_code})",
                    code="OL_ERR_006_BADREQUEST",
                )
            content_type = resp.headers.get("content-type", "").split(";")[0]
            async with await anyio.open_file(src, "wb") as out:
                async for chunk in resp.aiter_bytes(CHUNK):
                    size += len(chunk)
                    if size > state.multipart_threshold:
                        raise OLError(
                            413, "The file is larger than the upload limit", code="OL_ERR_006_BADREQUEST"
                        )
                    await out.write(chunk)
    except httpx.HTTPError as exc:
        src.unlink(missing_ok=True)
        raise OLError(
            400, f"Could not download the file: {type(exc).__name__}", code="OL_ERR_006_BADREQUEST"
        ) from exc
    except OLError:
        src.unlink(missing_ok=True)
        raise
    if existing is not None:
        record = await ingest_version(ctx, existing, src, size, file_name, content_type, metadata, mode)
    else:
        record = await ingest_new(ctx, src, size, file_name, content_type, folder, metadata, mode)
    body: dict[str, Any] = {
        "recordID": record.record_id,
        "identifier": record.identifier,
        "fileName": record.file_name,
        "assetVersion": record.version,
        "importStatus": "Success",
    }
    return json_response(body)

"""The multi-part upload flow (reference §7.4): transaction, register, chunks, complete.

Only the chunk endpoint's path is documented (``POST /webapi/mediafile/import/upload/item/26_v1/{id}
?start=&end=&totalLength=`` with a ``data`` file part); the others are sandbox choices (§12.3):

- ``POST /webapi/mediafile/import/upload/createtransaction_23_v1`` ``{folderRecordID, metadata}`` →
  ``{"transactionID"}``
- ``POST /webapi/mediafile/import/upload/registerassets_24_v1`` ``{transactionID, folderRecordID?, files:
  [{"fileName", "fileSize", "recordID"?}]}`` → ``{"items": [{status, startposition, uploadItemID,
  identifier, dO_recordID, requestedFileName, requestedFileSize}]}``. A ``fileName`` with ``/`` creates the
  missing folders; a ``recordID`` makes the upload a new version of that asset.
- ``POST /webapi/mediafile/import/upload/complete_27_v1`` ``{uploadItemID}`` →
  ``{uploadItemID, duplicateRecordID, assetVersion, uploadStatus: Incomplete|Success}``.

Chunk rules: ``start`` is a multiple of 131,072; ``end + 1`` is too unless the chunk is the last
(``end == totalLength - 1``); the body length must equal ``end - start + 1``; an optional ``md5`` (hex or
base64 of the chunk's MD5) is checked and a mismatch is refused with 400 without storing anything, so the
client re-sends that chunk alone. Chunks may arrive in any order and be re-sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from starlette.responses import Response

from assetbridge_sandbox.orangelogic.common import OLError, json_response
from assetbridge_sandbox.orangelogic.formstream import discard_files
from assetbridge_sandbox.orangelogic.routing import Ctx
from assetbridge_sandbox.orangelogic.state import OLState, Record
from assetbridge_sandbox.orangelogic.uploads import (
    CHUNK,
    apply_metadata,
    attach_file,
    doc_type_for,
    folder_for,
    incoming_path,
    ingest_version,
    parse_metadata,
    process,
)

ALIGN = 131_072


@dataclass
class Transaction:
    transaction_id: str
    folder_id: str
    metadata: dict[str, str]


@dataclass
class Item:
    item_id: str
    transaction_id: str
    file_name: str
    size: int
    folder_id: str
    record: Record
    new_version: bool
    part_path: Path
    ranges: set[tuple[int, int]] = field(default_factory=set)
    done: bool = False


def _bad(message: str) -> OLError:
    return OLError(400, message, code="OL_ERR_006_BADREQUEST")


async def create_transaction(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    folder = folder_for(state, params.get("folderRecordID"), False)
    tx = Transaction(state.random_id(16), folder.record_id, parse_metadata(params.get("metadata")))
    state.uploads[tx.transaction_id] = tx
    return json_response({"transactionID": tx.transaction_id})


def _files(raw: str | None) -> list[dict[str, Any]]:
    try:
        files = json.loads(raw or "")
    except ValueError as exc:
        raise _bad("files must be a JSON array of {fileName, fileSize}") from exc
    if not isinstance(files, list) or not files or not all(isinstance(f, dict) for f in files):
        raise _bad("files must be a non-empty JSON array of {fileName, fileSize}")
    return files


def _register_one(state: OLState, tx: Transaction, folder: Record, spec: dict[str, Any]) -> Item:
    name = str(spec.get("fileName") or spec.get("name") or "")
    try:
        size = int(spec.get("fileSize", spec.get("size", -1)))
    except (TypeError, ValueError) as exc:
        raise _bad(f"fileSize of '{name}' is not a number") from exc
    if not name or size < 1:
        raise _bad("each file needs a fileName and a positive fileSize")
    existing_id = spec.get("recordID")
    if existing_id:
        record = state.find(str(existing_id))
        if record is None:
            raise OLError(404, "Asset not found", code="OL_ERR_001_NOTFOUND", extra={"Asset ID": existing_id})
    else:
        sub, _, base = name.rpartition("/")
        target = state.ensure_folder_path(sub, folder) if sub else folder
        record = state.new_record(doc_type_for(base), "Default", {}, parent=target.record_id, fire=False)
        record.searchable = False
    item = Item(
        state.random_id(16),
        tx.transaction_id,
        name.rpartition("/")[2],
        size,
        folder.record_id,
        record,
        bool(existing_id),
        incoming_path(state, name.rpartition("/")[2]),
    )
    with item.part_path.open("wb") as fh:
        fh.truncate(size)
    state.uploads[item.item_id] = item
    return item


async def register_assets(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    tx = state.uploads.get(params.get("transactionID") or "")
    if not isinstance(tx, Transaction):
        raise OLError(404, "Upload transaction not found", code="OL_ERR_001_NOTFOUND")
    folder = folder_for(state, params.get("folderRecordID") or tx.folder_id, False)
    items = [_register_one(state, tx, folder, spec) for spec in _files(params.get("files"))]
    return json_response(
        {
            "items": [
                {
                    "status": "Registered",
                    "startposition": 0,
                    "uploadItemID": i.item_id,
                    "identifier": i.record.identifier,
                    "dO_recordID": i.record.record_id,
                    "requestedFileName": i.file_name,
                    "requestedFileSize": i.size,
                }
                for i in items
            ]
        }
    )


def _md5_ok(expected: str, digest: bytes) -> bool:
    value = expected.strip()
    return value.lower() == digest.hex() or value == base64.b64encode(digest).decode()


def _copy_into(src: Path, dest: Path, offset: int) -> bytes:
    """Copy the stored chunk into place at ``offset`` (run in a worker thread); returns its MD5."""
    md5 = hashlib.md5(usedforsecurity=False)
    with src.open("rb") as inp, dest.open("r+b") as out:
        out.seek(offset)
        while piece := inp.read(CHUNK):
            md5.update(piece)
            out.write(piece)
    return md5.digest()


async def upload_chunk(ctx: Ctx) -> Response:
    state, params = ctx.state, ctx.params
    item = state.uploads.get(ctx.match.group("item"))
    try:
        if not isinstance(item, Item) or item.done:
            raise OLError(404, "Upload item not found", code="OL_ERR_001_NOTFOUND")
        start, end, total = params.int("start", -1), params.int("end", -1), params.int("totalLength", -1)
        if total != item.size:
            raise _bad(f"totalLength {total} does not match the registered size {item.size}")
        if start < 0 or start % ALIGN or end < start or end >= total:
            raise _bad(f"start must be a multiple of {ALIGN} and start <= end < totalLength")
        if end != total - 1 and (end + 1) % ALIGN:
            raise _bad(f"end + 1 must be a multiple of {ALIGN} except for the last chunk")
        part = next((f for f in params.files if f.path is not None), None)
        if part is None or part.path is None:
            raise _bad("the chunk must be sent as the multipart part 'data'")
        if part.size != end - start + 1:
            raise _bad(f"the chunk has {part.size} bytes, expected {end - start + 1}")
        # The range only counts once its MD5 is checked: a bad chunk is simply overwritten by its retry.
        item.ranges.discard((start, end))
        digest = await anyio.to_thread.run_sync(_copy_into, part.path, item.part_path, start)
        md5 = params.get("md5") or params.get("contentMD5")
        if md5 and not _md5_ok(md5, digest):
            raise _bad("The MD5 of the chunk does not match the md5 parameter")
        item.ranges.add((start, end))
    finally:
        await discard_files(params)
    return Response(status_code=200)


def _complete_coverage(item: Item) -> bool:
    covered = 0
    for start, end in sorted(item.ranges):
        if start > covered:
            return False
        covered = max(covered, end + 1)
    return covered >= item.size


async def complete(ctx: Ctx) -> Response:
    state = ctx.state
    item_id = ctx.params.get("uploadItemID") or ""
    item = state.uploads.get(item_id)
    if not isinstance(item, Item):
        raise OLError(404, "Upload item not found", code="OL_ERR_001_NOTFOUND")
    result: dict[str, Any] = {"uploadItemID": item.item_id, "duplicateRecordID": None}
    if item.done:
        return json_response({**result, "assetVersion": item.record.version, "uploadStatus": "Success"})
    if not _complete_coverage(item):
        return json_response({**result, "assetVersion": 0, "uploadStatus": "Incomplete"})
    tx = state.uploads.get(item.transaction_id)
    metadata = tx.metadata if isinstance(tx, Transaction) else {}
    item.done = True
    if item.new_version:
        await ingest_version(
            ctx, item.record, item.part_path, item.size, item.file_name, "", metadata, "ProcessInLine"
        )
        version = item.record.version
    else:
        record = item.record
        await attach_file(state, record, item.part_path, item.size, item.file_name, "")
        record.doc_type = doc_type_for(item.file_name)
        apply_metadata(state, record, metadata)
        await process(state, record, "ProcessInLine")
        record.searchable = True
        record.edited = state.now()
        state.fire("asset.created", record, ctx.muted)
        version = 0
    return json_response({**result, "assetVersion": version, "uploadStatus": "Success"})

"""``/gcs/{key}``: GCS-style signed URLs and resumable upload sessions (see ``storage/gcs.py``)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.requests import ClientDisconnect

from assetbridge_sandbox.storage.errors import StorageError, error_response
from assetbridge_sandbox.storage.gcs import GcsSession, parse_content_range
from assetbridge_sandbox.storage.http_objects import download, object_headers
from assetbridge_sandbox.storage.objects import ObjectInfo, validate_key
from assetbridge_sandbox.storage.s3 import receive_to_file
from assetbridge_sandbox.storage.service import StorageService
from assetbridge_sandbox.storage.signing import object_path


def content_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    if not raw.isdigit():
        raise StorageError(400, "InvalidArgument", "Invalid Content-Length header.")
    return int(raw)


def _rfc3339(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


def object_resource(service: StorageService, info: ObjectInfo) -> dict[str, Any]:
    """The JSON API object resource a completed resumable upload answers with."""
    link = service.base_url + object_path("gcs", info.key)
    return {
        "kind": "storage#object",
        "id": f"{info.key}/{info.generation}",
        "selfLink": link,
        "mediaLink": link,
        "name": info.name,
        "bucket": info.bucket,
        "generation": str(info.generation),
        "metageneration": "1",
        "contentType": info.content_type,
        "storageClass": "STANDARD",
        "size": str(info.size),
        "md5Hash": info.md5_base64,
        "etag": info.etag,
        "timeCreated": _rfc3339(info.created),
        "updated": _rfc3339(info.created),
    }


def _finished(service: StorageService, session: GcsSession, info: ObjectInfo) -> Response:
    headers = object_headers(info, "gcs")
    headers["X-GUploader-UploadID"] = session.upload_id
    return JSONResponse(object_resource(service, info), status_code=200, headers=headers)


def _incomplete(session: GcsSession) -> Response:
    headers = {"X-GUploader-UploadID": session.upload_id}
    rng = session.range_header()
    if rng:
        headers["Range"] = rng
    return Response(status_code=308, headers=headers)


async def _session_put(service: StorageService, session: GcsSession, request: Request) -> Response:
    async with session.lock:
        if session.result is not None:
            return _finished(service, session, session.result)
        length = content_length(request)
        rng = parse_content_range(request.headers.get("content-range"))
        if rng is None:
            if length is None:
                raise StorageError(
                    411, "MissingContentLength", "You must provide the Content-Length HTTP header."
                )
            if length == 0:
                return _incomplete(session)
            rng = parse_content_range(
                f"bytes {session.offset}-{session.offset + length - 1}/{session.offset + length}"
            )
            assert rng is not None
        if rng.start is None:  # status query, or finalising an upload whose size was unknown
            if rng.total is not None and rng.total == session.offset:
                return _finished(service, session, service.gcs.finalize(session))
            return _incomplete(session)
        finished = await service.gcs.write_chunk(session, rng, length, request.stream())
        return _finished(service, session, finished) if finished else _incomplete(session)


async def _start(service: StorageService, key: str, request: Request) -> Response:
    if request.headers.get("x-goog-resumable", "").lower() != "start":
        raise StorageError(
            400, "InvalidArgument", "POST on an object URL needs the header x-goog-resumable: start."
        )
    size_raw = request.headers.get("x-upload-content-length")
    size = int(size_raw) if size_raw and size_raw.isdigit() else None
    ctype = request.headers.get("x-upload-content-type") or request.headers.get("content-type")
    session_url = service.start_gcs_session(key, size, ctype)
    upload_id = session_url.rsplit("upload_id=", 1)[1]
    return Response(status_code=201, headers={"Location": session_url, "X-GUploader-UploadID": upload_id})


async def _simple_put(service: StorageService, key: str, request: Request) -> Response:
    temp = service.store.temp_path()
    size, md5, sha1 = await receive_to_file(request.stream(), temp, content_length(request))
    ctype = request.headers.get("content-type") or "application/octet-stream"
    info = service.store.commit(key, temp, size=size, md5=md5, sha1=sha1, content_type=ctype)
    return Response(status_code=200, headers=object_headers(info, "gcs"))


async def _handle(service: StorageService, key: str, request: Request) -> Response:
    validate_key(key)
    method = request.method
    upload_id = request.query_params.get("upload_id")
    if upload_id is not None:
        cfg = service.config
        session = service.gcs.get(upload_id, service.clock.time(), cfg.gcs_session_ttl_seconds)
        if session.key != key:
            raise StorageError(404, "NoSuchUpload", "No such upload session for this object.")
        if method == "PUT":
            return await _session_put(service, session, request)
        if method == "DELETE":
            service.gcs.discard(session)
            return Response(status_code=499)
        raise StorageError(405, "MethodNotAllowed", f"{method} is not allowed on an upload session.")
    service.signer.verify("gcs", method, request.url.path, request.query_params.multi_items())
    if method == "POST":
        return await _start(service, key, request)
    if method == "PUT":
        return await _simple_put(service, key, request)
    if method in {"GET", "HEAD"}:
        return download(service, key, request, "gcs")
    if method == "DELETE":
        if not service.delete(key):
            raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
        return Response(status_code=204)
    raise StorageError(405, "MethodNotAllowed", f"{method} is not allowed.")


def build_router(service: StorageService) -> APIRouter:
    router = APIRouter()

    @router.api_route("/gcs/{key:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
    async def gcs_object(key: str, request: Request) -> Response:
        try:
            return await _handle(service, key, request)
        except StorageError as exc:
            return error_response("gcs", exc, head=request.method == "HEAD")
        except ValueError as exc:
            return error_response("gcs", StorageError(400, "InvalidArgument", str(exc)))
        except ClientDisconnect:
            return Response(status_code=499)

    return router

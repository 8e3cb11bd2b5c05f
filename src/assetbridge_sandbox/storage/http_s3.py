"""``/s3/{key}``: S3-style presigned URLs — single PUT, multipart upload operations, GET/HEAD."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from assetbridge_sandbox.storage.errors import StorageError, error_response
from assetbridge_sandbox.storage.http_gcs import content_length
from assetbridge_sandbox.storage.http_objects import download
from assetbridge_sandbox.storage.objects import validate_key
from assetbridge_sandbox.storage.s3 import (
    MAX_COMPLETE_BODY,
    MultipartUpload,
    check_content_md5,
    complete_xml,
    initiate_xml,
    list_parts_xml,
    receive_to_file,
)
from assetbridge_sandbox.storage.service import StorageService
from assetbridge_sandbox.storage.signing import object_path

XML = "application/xml"


def _required_length(request: Request) -> int:
    length = content_length(request)
    if length is None:
        raise StorageError(411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
    return length


async def _read_small(request: Request) -> bytes:
    body = bytearray()
    async for data in request.stream():
        body.extend(data)
        if len(body) > MAX_COMPLETE_BODY:
            break
    return bytes(body)


async def _upload_op(service: StorageService, upload: MultipartUpload, request: Request) -> Response:
    method = request.method
    if method == "PUT":
        raw = request.query_params.get("partNumber", "")
        if not raw.isdigit():
            raise StorageError(400, "InvalidArgument", "Part number must be an integer between 1 and 10000.")
        part = await service.s3.put_part(
            upload,
            int(raw),
            request.stream(),
            _required_length(request),
            request.headers.get("content-md5"),
            service.clock.time(),
        )
        return Response(status_code=200, headers={"ETag": f'"{part.etag}"'})
    if method == "GET":
        return Response(list_parts_xml(upload), media_type=XML)
    if method == "POST":
        info = service.s3.complete(upload, await _read_small(request))
        location = service.base_url + object_path("s3", info.key)
        return Response(complete_xml(location, info), media_type=XML, headers={"ETag": f'"{info.etag}"'})
    if method == "DELETE":
        service.s3.abort(upload)
        return Response(status_code=204)
    raise StorageError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


async def _handle(service: StorageService, key: str, request: Request) -> Response:
    validate_key(key)
    method = request.method
    params = request.query_params
    service.signer.verify("s3", method, request.url.path, params.multi_items())
    if method == "POST" and "uploads" in params:
        ctype = request.headers.get("content-type") or "application/octet-stream"
        upload = service.s3.create(key, ctype, service.clock.time())
        bucket, name = key.split("/", 1)
        return Response(initiate_xml(bucket, name, upload.upload_id), media_type=XML)
    upload_id = params.get("uploadId")
    if upload_id is not None:
        return await _upload_op(service, service.s3.get(upload_id, key), request)
    if method == "PUT":
        temp = service.store.temp_path()
        size, md5, sha1 = await receive_to_file(request.stream(), temp, _required_length(request))
        try:
            check_content_md5(request.headers.get("content-md5"), md5)
        except StorageError:
            temp.unlink(missing_ok=True)
            raise
        ctype = request.headers.get("content-type") or "application/octet-stream"
        info = service.store.commit(key, temp, size=size, md5=md5, sha1=sha1, content_type=ctype)
        return Response(status_code=200, headers={"ETag": f'"{info.etag}"'})
    if method in {"GET", "HEAD"}:
        return download(service, key, request, "s3")
    if method == "DELETE":
        service.delete(key)  # S3 answers 204 whether or not the key existed
        return Response(status_code=204)
    raise StorageError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")


def build_router(service: StorageService) -> APIRouter:
    router = APIRouter()

    @router.api_route("/s3/{key:path}", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
    async def s3_object(key: str, request: Request) -> Response:
        try:
            return await _handle(service, key, request)
        except StorageError as exc:
            return error_response("s3", exc, request.url.path, head=request.method == "HEAD")
        except ValueError as exc:
            return error_response("s3", StorageError(400, "InvalidArgument", str(exc)), request.url.path)
        except ClientDisconnect:
            return Response(status_code=499)

    return router

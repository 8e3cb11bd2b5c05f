"""Serving stored objects over HTTP: streamed downloads with ``Range`` (206/416), HEAD, checksum headers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.utils import formatdate

from fastapi import Request
from fastapi.responses import Response, StreamingResponse

from assetbridge_sandbox.storage.errors import Protocol, StorageError
from assetbridge_sandbox.storage.objects import ObjectInfo
from assetbridge_sandbox.storage.service import StorageService

READ_CHUNK = 256 * 1024
_BYTES_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single ``bytes=`` range; None means the whole object.

    Multi-range and malformed headers are ignored (whole object), as S3 and GCS do; a range that starts
    past the end is unsatisfiable (416).
    """
    if not header:
        return None
    match = _BYTES_RANGE.match(header.strip())
    if not match:
        return None
    first_raw, last_raw = match.groups()
    if not first_raw and not last_raw:
        return None
    if not first_raw:  # suffix range: the last N bytes
        suffix = int(last_raw)
        if suffix == 0:
            raise _unsatisfiable(size)
        return max(0, size - suffix), size - 1
    first = int(first_raw)
    last = int(last_raw) if last_raw else size - 1
    if first >= size or (last_raw and last < first):
        raise _unsatisfiable(size)
    return first, min(last, size - 1)


def _unsatisfiable(size: int) -> StorageError:
    return StorageError(
        416,
        "InvalidRange",
        "The requested range is not satisfiable",
        headers={"Content-Range": f"bytes */{size}"},
    )


def object_headers(info: ObjectInfo, protocol: Protocol) -> dict[str, str]:
    headers = {
        "ETag": f'"{info.etag}"',
        "Last-Modified": formatdate(info.created, usegmt=True),
        "Accept-Ranges": "bytes",
    }
    if protocol == "gcs":
        headers["x-goog-hash"] = f"md5={info.md5_base64}"
        headers["x-goog-generation"] = str(info.generation)
        headers["x-goog-stored-content-length"] = str(info.size)
        headers["x-goog-stored-content-encoding"] = "identity"
    return headers


def _read(path: str, first: int, length: int) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            data = handle.read(min(READ_CHUNK, remaining))
            if not data:
                return
            remaining -= len(data)
            yield data


def download(service: StorageService, key: str, request: Request, protocol: Protocol) -> Response:
    info = service.info(key)
    path = service.path(key)
    if info is None or path is None:
        raise StorageError(404, "NoSuchKey", "The specified key does not exist.")
    headers = object_headers(info, protocol)
    disposition = request.query_params.get("response-content-disposition")
    if disposition:
        headers["Content-Disposition"] = disposition
    span = parse_range(request.headers.get("range"), info.size)
    status = 200
    first, length = 0, info.size
    if span is not None:
        first, last = span
        length = last - first + 1
        status = 206
        headers["Content-Range"] = f"bytes {first}-{last}/{info.size}"
    headers["Content-Length"] = str(length)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type=info.content_type)
    return StreamingResponse(
        _read(str(path), first, length), status_code=status, headers=headers, media_type=info.content_type
    )

"""S3 multipart uploads: CreateMultipartUpload, UploadPart, ListParts, Complete, Abort.

Rules kept from AWS: part numbers 1–10000; a part's ETag is the quoted md5 hex of its bytes; an
optional ``Content-MD5`` (base64) is checked (``BadDigest``); Complete lists parts in ascending order
(``InvalidPartOrder``) with matching ETags (``InvalidPart``); every part but the last is at least the
minimum size (``EntityTooSmall``; 5 MiB on AWS, configurable here); the object's ETag is the md5 of
the concatenated binary part md5s, suffixed ``-<part count>``; parts not listed are discarded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import shutil
import time
import xml.etree.ElementTree as ET  # bodies come from loopback clients and are size-capped
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from assetbridge_sandbox.storage.errors import StorageError
from assetbridge_sandbox.storage.objects import HashingWriter, ObjectInfo, ObjectStore

MAX_PARTS = 10000
MAX_COMPLETE_BODY = 1024 * 1024
_XMLNS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


@dataclass(frozen=True)
class Part:
    number: int
    etag: str  # md5 hex, unquoted
    size: int
    path: Path
    last_modified: float


@dataclass
class MultipartUpload:
    upload_id: str
    key: str
    content_type: str
    created: float
    dir: Path
    parts: dict[int, Part] = field(default_factory=dict)


def no_such_upload() -> StorageError:
    return StorageError(
        404,
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may have been "
        "aborted or completed.",
    )


def _iso(ts: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def check_content_md5(header: str | None, md5_hex: str) -> None:
    if header is None:
        return
    try:
        digest = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise StorageError(400, "InvalidDigest", "The Content-MD5 you specified was invalid.")
    if digest.hex() != md5_hex:
        raise StorageError(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")


async def receive_to_file(
    body: AsyncIterator[bytes], path: Path, content_length: int | None
) -> tuple[int, str, str]:
    """Stream a request body into ``path``; returns (size, md5 hex, sha1 hex). Removes it on failure."""
    try:
        with path.open("wb") as handle:
            writer = HashingWriter(handle)
            async for data in body:
                if data:
                    writer.write(data)
        if content_length is not None and writer.size != content_length:
            raise StorageError(
                400, "IncompleteBody", "You did not provide the number of bytes specified by Content-Length."
            )
    except BaseException:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - local disk, microseconds
        raise
    return writer.size, writer.md5, writer.sha1


class S3Multipart:
    def __init__(self, store: ObjectStore, min_part_size: int) -> None:
        self.store = store
        self.min_part_size = min_part_size
        self.uploads: dict[str, MultipartUpload] = {}
        self.dir = store.root / "s3-multipart"
        self.dir.mkdir(parents=True, exist_ok=True)

    def create(self, key: str, content_type: str, now: float) -> MultipartUpload:
        upload_id = secrets.token_urlsafe(32)
        directory = self.dir / upload_id
        directory.mkdir()
        upload = MultipartUpload(upload_id, key, content_type or "application/octet-stream", now, directory)
        self.uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str, key: str) -> MultipartUpload:
        upload = self.uploads.get(upload_id)
        if upload is None or upload.key != key:
            raise no_such_upload()
        return upload

    async def put_part(
        self,
        upload: MultipartUpload,
        number: int,
        body: AsyncIterator[bytes],
        content_length: int | None,
        content_md5: str | None,
        now: float,
    ) -> Part:
        if not 1 <= number <= MAX_PARTS:
            raise StorageError(
                400, "InvalidArgument", f"Part number must be an integer between 1 and {MAX_PARTS}, inclusive"
            )
        temp = upload.dir / f"{number}.{secrets.token_hex(4)}.tmp"
        size, md5, _ = await receive_to_file(body, temp, content_length)
        try:
            check_content_md5(content_md5, md5)
        except StorageError:
            temp.unlink(missing_ok=True)
            raise
        if upload.upload_id not in self.uploads:  # aborted while the part was arriving
            temp.unlink(missing_ok=True)
            raise no_such_upload()
        final = upload.dir / str(number)
        temp.replace(final)
        part = Part(number, md5, size, final, now)
        upload.parts[number] = part
        return part

    def abort(self, upload: MultipartUpload) -> None:
        self.uploads.pop(upload.upload_id, None)
        shutil.rmtree(upload.dir, ignore_errors=True)

    def complete(self, upload: MultipartUpload, body: bytes) -> ObjectInfo:
        requested = _parse_complete(body)
        chosen: list[Part] = []
        previous = 0
        for number, etag in requested:
            if number <= previous:
                raise StorageError(
                    400,
                    "InvalidPartOrder",
                    "The list of parts was not in ascending order. Parts must be ordered.",
                )
            previous = number
            part = upload.parts.get(number)
            if part is None or part.etag != etag:
                raise StorageError(
                    400,
                    "InvalidPart",
                    "One or more of the specified parts could not be found. The part may not have been "
                    "uploaded, or the specified entity tag may not match the part's entity tag.",
                )
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < self.min_part_size:
                raise StorageError(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed object size.",
                )
        temp = self.store.temp_path()
        with temp.open("wb") as handle:
            writer = HashingWriter(handle)
            for part in chosen:
                self.store.copy_into(writer, part.path)
        combined = hashlib.md5(b"".join(bytes.fromhex(p.etag) for p in chosen), usedforsecurity=False)
        info = self.store.commit(
            upload.key,
            temp,
            size=writer.size,
            md5=writer.md5,
            sha1=writer.sha1,
            content_type=upload.content_type,
            etag=f"{combined.hexdigest()}-{len(chosen)}",
        )
        self.abort(upload)
        return info


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_complete(body: bytes) -> list[tuple[int, str]]:
    malformed = StorageError(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema.",
    )
    if len(body) > MAX_COMPLETE_BODY:
        raise malformed
    try:
        root = ET.fromstring(body)  # noqa: S314
    except ET.ParseError:
        raise malformed from None
    if _local(root.tag) != "CompleteMultipartUpload":
        raise malformed
    parts: list[tuple[int, str]] = []
    for element in root:
        if _local(element.tag) != "Part":
            continue
        fields = {_local(child.tag): (child.text or "").strip() for child in element}
        number, etag = fields.get("PartNumber", ""), fields.get("ETag", "")
        if not number.isdigit() or not etag:
            raise malformed
        parts.append((int(number), etag.strip('"').lower()))
    if not parts:
        raise malformed
    return parts


def initiate_xml(bucket: str, name: str, upload_id: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<InitiateMultipartUploadResult {_XMLNS}>'
        f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(name)}</Key><UploadId>{escape(upload_id)}</UploadId>"
        "</InitiateMultipartUploadResult>"
    ).encode()


def complete_xml(location: str, info: ObjectInfo) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUploadResult {_XMLNS}>'
        f"<Location>{escape(location)}</Location><Bucket>{escape(info.bucket)}</Bucket>"
        f"<Key>{escape(info.name)}</Key><ETag>&quot;{info.etag}&quot;</ETag>"
        "</CompleteMultipartUploadResult>"
    ).encode()


def list_parts_xml(upload: MultipartUpload) -> bytes:
    bucket, name = upload.key.split("/", 1)
    parts = "".join(
        f"<Part><PartNumber>{p.number}</PartNumber><LastModified>{_iso(p.last_modified)}</LastModified>"
        f"<ETag>&quot;{p.etag}&quot;</ETag><Size>{p.size}</Size></Part>"
        for p in sorted(upload.parts.values(), key=lambda p: p.number)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<ListPartsResult {_XMLNS}>'
        f"<Bucket>{escape(bucket)}</Bucket><Key>{escape(name)}</Key><UploadId>{escape(upload.upload_id)}</UploadId>"
        f"<MaxParts>{MAX_PARTS}</MaxParts><IsTruncated>false</IsTruncated>{parts}</ListPartsResult>"
    ).encode()

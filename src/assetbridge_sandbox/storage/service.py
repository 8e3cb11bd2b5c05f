"""Signed-URL object storage emulating GCS resumable uploads and S3 multipart uploads.

``StorageService`` is the sandbox's "cloud bucket": objects on disk (``ObjectStore``), GCS resumable
sessions (``GcsSessions``), S3 multipart uploads (``S3Multipart``) and the URL signer. The HTTP
surface is in ``storage/app.py``; other sandbox modules (the iconik files service, Orange Logic) use
the Python API below to place objects and mint signed URLs.

URL layout on the storage host (keys are ``bucket/name``):

- ``/gcs/{key}?X-Goog-…`` — GCS-style signed URL: POST + ``x-goog-resumable: start`` opens a session,
  PUT uploads in one request, GET/HEAD download. Session URIs are ``/gcs/{key}?upload_id=…``.
- ``/s3/{key}?X-Amz-…`` — S3-style presigned URL: PUT (single part), POST ``?uploads`` (create
  multipart), PUT ``?partNumber&uploadId``, GET ``?uploadId`` (list parts), POST ``?uploadId``
  (complete), DELETE ``?uploadId`` (abort), GET/HEAD download.
"""

from __future__ import annotations

import io
import mimetypes
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import StorageSandboxConfig
from assetbridge_sandbox.storage.errors import Protocol
from assetbridge_sandbox.storage.gcs import GcsSessions
from assetbridge_sandbox.storage.objects import ObjectInfo, ObjectStore, validate_key
from assetbridge_sandbox.storage.s3 import S3Multipart
from assetbridge_sandbox.storage.signing import UrlSigner, object_path


@dataclass(frozen=True)
class S3MultipartUrls:
    upload_id: str
    part_urls: list[str]  # index 0 is part 1
    complete_url: str
    abort_url: str
    list_parts_url: str


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


class StorageService:
    def __init__(self, config: StorageSandboxConfig, clock: SandboxClock, root: Path) -> None:
        self.config = config
        self.clock = clock
        self.root = root
        self.base_url = ""  # set by the server once its socket is bound
        root.mkdir(parents=True, exist_ok=True)
        self.store = ObjectStore(root, clock.time)
        self.store.wipe_temp()
        shutil.rmtree(root / "gcs-sessions", ignore_errors=True)
        shutil.rmtree(root / "s3-multipart", ignore_errors=True)
        self.gcs = GcsSessions(self.store)
        self.s3 = S3Multipart(self.store, config.s3_min_part_size)
        self.signer = UrlSigner(config.signing_key, clock)

    # --- objects -------------------------------------------------------------------------------

    def info(self, key: str) -> ObjectInfo | None:
        return self.store.info(key)

    def put_file(self, key: str, source_path: Path, content_type: str | None = None) -> ObjectInfo:
        """Copy a local file into storage as ``key`` (streamed, hashed)."""
        ctype = content_type or mimetypes.guess_type(source_path.name)[0] or "application/octet-stream"
        with source_path.open("rb") as source:
            return self.store.put_stream(key, source, ctype)

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> ObjectInfo:
        return self.store.put_stream(key, io.BytesIO(data), content_type)

    def open(self, key: str) -> BinaryIO:
        """The object's bytes for reading; ``FileNotFoundError`` when absent."""
        return self.store.open(key)

    def path(self, key: str) -> Path | None:
        """Where the object's bytes live on disk (read-only use, e.g. by ffmpeg)."""
        return self.store.data_path(key) if self.store.info(key) else None

    def delete(self, key: str) -> bool:
        return self.store.delete(key)

    def list_objects(self, prefix: str = "") -> list[ObjectInfo]:
        return self.store.list(prefix)

    def corrupt(self, key: str, offset: int | None = None) -> int:
        return self.store.corrupt(key, offset)

    # --- signed URLs ---------------------------------------------------------------------------

    def _ttl(self, ttl: int | None) -> int:
        return self.config.url_ttl_seconds if ttl is None else ttl

    def signed_url(
        self,
        protocol: Protocol,
        method: str,
        key: str,
        *,
        ttl: int | None = None,
        params: dict[str, str] | None = None,
    ) -> str:
        validate_key(key)
        return self.base_url + self.signer.sign(protocol, method, key, ttl=self._ttl(ttl), params=params)

    def signed_download_url(
        self,
        key: str,
        ttl: int | None = None,
        filename: str | None = None,
        *,
        protocol: Protocol = "gcs",
        disposition: str = "attachment",
    ) -> str:
        params = (
            {"response-content-disposition": content_disposition(filename, disposition)} if filename else None
        )
        return self.signed_url(protocol, "GET", key, ttl=ttl, params=params)

    def gcs_upload_url(self, key: str, ttl: int | None = None) -> str:
        """Signed URL to POST with ``x-goog-resumable: start`` (what iconik hands out as ``upload_url``)."""
        return self.signed_url("gcs", "POST", key, ttl=ttl)

    def start_gcs_session(self, key: str, size: int | None = None, content_type: str | None = None) -> str:
        """Open a resumable session directly; returns the session URI to PUT chunks to."""
        validate_key(key)
        session = self.gcs.start(key, content_type or "application/octet-stream", size, self.clock.time())
        return self.session_uri(key, session.upload_id)

    def session_uri(self, key: str, upload_id: str) -> str:
        return f"{self.base_url}{object_path('gcs', key)}?upload_id={upload_id}"

    def s3_put_url(self, key: str, ttl: int | None = None) -> str:
        return self.signed_url("s3", "PUT", key, ttl=ttl)

    def s3_create_multipart_url(self, key: str, ttl: int | None = None) -> str:
        """Presigned ``POST ?uploads`` (CreateMultipartUpload); iconik's ``multipart_upload_url``."""
        return self.signed_url("s3", "POST", key, ttl=ttl, params={"uploads": ""})

    def s3_create_multipart(self, key: str, content_type: str | None = None) -> str:
        """Start a multipart upload without HTTP; returns the UploadId."""
        validate_key(key)
        return self.s3.create(key, content_type or "application/octet-stream", self.clock.time()).upload_id

    def s3_part_url(self, key: str, upload_id: str, part_number: int, ttl: int | None = None) -> str:
        params = {"partNumber": str(part_number), "uploadId": upload_id}
        return self.signed_url("s3", "PUT", key, ttl=ttl, params=params)

    def s3_multipart_urls(
        self, key: str, upload_id: str, part_count: int, ttl: int | None = None
    ) -> S3MultipartUrls:
        """Presigned UploadPart URLs for parts 1..part_count plus complete/abort/list-parts URLs."""
        params = {"uploadId": upload_id}
        return S3MultipartUrls(
            upload_id=upload_id,
            part_urls=[self.s3_part_url(key, upload_id, n, ttl) for n in range(1, part_count + 1)],
            complete_url=self.signed_url("s3", "POST", key, ttl=ttl, params=params),
            abort_url=self.signed_url("s3", "DELETE", key, ttl=ttl, params=params),
            list_parts_url=self.signed_url("s3", "GET", key, ttl=ttl, params=params),
        )

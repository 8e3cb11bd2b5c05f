"""Objects on disk: data files plus a JSON sidecar (size, md5, sha1, content type, ETag) per key.

Keys are ``bucket/name...``. Files are stored under the SHA-256 of the key, so a key may be a prefix
of another (``a`` and ``a/b``) as in a real bucket. Every write streams through ``HashingWriter`` into a
temporary file that is renamed into place, so readers never see half an object.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, BinaryIO

COPY_CHUNK = 1024 * 1024


def validate_key(key: str) -> str:
    segments = key.split("/")
    if len(segments) < 2 or any(s in {"", ".", ".."} for s in segments) or len(key) > 1024:
        raise ValueError(f"invalid object key {key!r}: expected bucket/name without empty or dot segments")
    return key


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    md5: str  # hex
    sha1: str  # hex
    content_type: str
    etag: str  # without quotes: the md5 hex, or "<md5 of part md5s>-<parts>" after an S3 multipart upload
    created: float
    generation: int

    @property
    def md5_base64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.md5)).decode()

    @property
    def bucket(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split("/", 1)[1]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class HashingWriter:
    """Writes to a file while computing size, md5 and sha1; ``snapshot``/``restore`` undo a failed chunk."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.size = 0
        self._md5 = hashlib.md5(usedforsecurity=False)  # the checksum the real services report
        self._sha1 = hashlib.sha1(usedforsecurity=False)

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self._md5.update(data)
        self._sha1.update(data)
        self.size += len(data)

    def snapshot(self) -> tuple[int, Any, Any]:
        return self.size, self._md5.copy(), self._sha1.copy()

    def restore(self, snap: tuple[int, Any, Any]) -> None:
        self.size, self._md5, self._sha1 = snap[0], snap[1].copy(), snap[2].copy()
        self.handle.seek(self.size)
        self.handle.truncate()

    @property
    def md5(self) -> str:
        return self._md5.hexdigest()

    @property
    def sha1(self) -> str:
        return self._sha1.hexdigest()


class ObjectStore:
    def __init__(self, root: Path, now: Callable[[], float] = time.time) -> None:
        self.root = root
        self._now = now
        self.data_dir = root / "objects"
        self.meta_dir = root / "meta"
        self.tmp_dir = root / "tmp"
        for d in (self.data_dir, self.meta_dir, self.tmp_dir):
            d.mkdir(parents=True, exist_ok=True)
        self._generation = 0

    @staticmethod
    def _hash(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def data_path(self, key: str) -> Path:
        return self.data_dir / self._hash(key)

    def _meta_path(self, key: str) -> Path:
        return self.meta_dir / f"{self._hash(key)}.json"

    def temp_path(self) -> Path:
        return self.tmp_dir / uuid.uuid4().hex

    def info(self, key: str) -> ObjectInfo | None:
        try:
            raw = json.loads(self._meta_path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return ObjectInfo(**raw)

    def commit(
        self,
        key: str,
        temp: Path,
        *,
        size: int,
        md5: str,
        sha1: str,
        content_type: str,
        etag: str | None = None,
    ) -> ObjectInfo:
        """Move a fully written temp file into place as ``key`` and record its facts."""
        validate_key(key)
        self._generation += 1
        info = ObjectInfo(
            key=key,
            size=size,
            md5=md5,
            sha1=sha1,
            content_type=content_type or "application/octet-stream",
            etag=etag or md5,
            created=self._now(),
            generation=int(self._now() * 1_000_000) + self._generation,
        )
        os.replace(temp, self.data_path(key))
        meta_tmp = self.temp_path()
        meta_tmp.write_text(json.dumps(info.as_dict()), encoding="utf-8")
        os.replace(meta_tmp, self._meta_path(key))
        return info

    def put_stream(self, key: str, source: BinaryIO, content_type: str) -> ObjectInfo:
        validate_key(key)
        temp = self.temp_path()
        with temp.open("wb") as handle:
            writer = HashingWriter(handle)
            while chunk := source.read(COPY_CHUNK):
                writer.write(chunk)
        return self.commit(
            key, temp, size=writer.size, md5=writer.md5, sha1=writer.sha1, content_type=content_type
        )

    def open(self, key: str) -> BinaryIO:
        if self.info(key) is None:
            raise FileNotFoundError(key)
        return self.data_path(key).open("rb")

    def delete(self, key: str) -> bool:
        existed = self.info(key) is not None
        for path in (self._meta_path(key), self.data_path(key)):
            path.unlink(missing_ok=True)
        return existed

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        infos = []
        for meta in self.meta_dir.glob("*.json"):
            try:
                info = ObjectInfo(**json.loads(meta.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                continue
            if info.key.startswith(prefix):
                infos.append(info)
        return sorted(infos, key=lambda i: i.key)

    def corrupt(self, key: str, offset: int | None = None) -> int:
        """Flip one byte of the stored data (metadata unchanged); returns the offset flipped."""
        info = self.info(key)
        if info is None:
            raise FileNotFoundError(key)
        if info.size == 0:
            raise ValueError("cannot corrupt an empty object")
        at = info.size // 2 if offset is None else offset
        if not 0 <= at < info.size:
            raise ValueError(f"offset must be in [0, {info.size})")
        with self.data_path(key).open("r+b") as handle:
            handle.seek(at)
            byte = handle.read(1)
            handle.seek(at)
            handle.write(bytes([byte[0] ^ 0xFF]))
        return at

    def copy_into(self, writer: HashingWriter, path: Path) -> None:
        with path.open("rb") as source:
            while chunk := source.read(COPY_CHUNK):
                writer.write(chunk)

    def wipe_temp(self) -> None:
        shutil.rmtree(self.tmp_dir, ignore_errors=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

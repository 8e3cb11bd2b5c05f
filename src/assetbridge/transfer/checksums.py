"""Checksums computed while bytes stream past, without blocking the event loop on big chunks."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from dataclasses import dataclass
from typing import Any

# Hashing a chunk this large or larger happens in a worker thread (hashlib releases the GIL).
OFFLOAD_THRESHOLD = 1024 * 1024
ALGORITHMS = ("md5", "sha1")


@dataclass(frozen=True)
class Digests:
    size: int
    md5: str  # hex
    sha1: str  # hex

    @property
    def md5_base64(self) -> str:
        return base64.b64encode(bytes.fromhex(self.md5)).decode()

    def get(self, algorithm: str) -> str:
        return self.md5 if algorithm == "md5" else self.sha1


class StreamingHasher:
    """md5 + sha1 + byte count, fed in order; ``copy`` snapshots the state (for resumable streams)."""

    def __init__(self) -> None:
        self._md5: Any = hashlib.md5(usedforsecurity=False)
        self._sha1: Any = hashlib.sha1(usedforsecurity=False)
        self.size = 0

    def update(self, chunk: bytes | memoryview) -> None:
        self._md5.update(chunk)
        self._sha1.update(chunk)
        self.size += len(chunk)

    async def aupdate(self, chunk: bytes | memoryview) -> None:
        if len(chunk) >= OFFLOAD_THRESHOLD:
            await asyncio.to_thread(self.update, chunk)
        else:
            self.update(chunk)

    def copy(self) -> StreamingHasher:
        other = StreamingHasher()
        other._md5 = self._md5.copy()
        other._sha1 = self._sha1.copy()
        other.size = self.size
        return other

    def digests(self) -> Digests:
        return Digests(self.size, self._md5.hexdigest(), self._sha1.hexdigest())


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def normalize_checksum(value: str) -> str:
    """Lower-case hex from hex or base64 (GCS reports md5 as base64, S3/iconik as hex)."""
    value = value.strip().strip('"')
    if value.startswith(("md5:", "sha1:")):
        value = value.split(":", 1)[1]
    try:
        int(value, 16)
        return value.lower()
    except ValueError:
        pass
    try:
        return base64.b64decode(value, validate=True).hex()
    except ValueError:
        return value.lower()

"""Byte sources as async iterators of bounded chunks: files (read in a worker thread) and re-chunking."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

DEFAULT_READ_SIZE = 1024 * 1024


async def read_file(path: Path, chunk_size: int = DEFAULT_READ_SIZE, offset: int = 0) -> AsyncIterator[bytes]:
    """The file's bytes from ``offset``, ``chunk_size`` at a time, read off the event loop."""
    handle: BinaryIO = await asyncio.to_thread(path.open, "rb")
    try:
        if offset:
            await asyncio.to_thread(handle.seek, offset)
        while True:
            chunk = await asyncio.to_thread(handle.read, chunk_size)
            if not chunk:
                return
            yield chunk
    finally:
        await asyncio.to_thread(handle.close)


async def rechunk(source: AsyncIterable[bytes], size: int) -> AsyncIterator[bytes]:
    """Exactly ``size``-byte chunks (the last may be shorter) from chunks of any size."""
    if size <= 0:
        raise ValueError("size must be positive")
    buffer = bytearray()
    async for piece in source:
        if not buffer and len(piece) == size:
            yield piece  # already the right size: no copy
            continue
        buffer += piece
        while len(buffer) >= size:
            with memoryview(buffer) as view:
                chunk = bytes(view[:size])
            del buffer[:size]
            yield chunk
    if buffer:
        yield bytes(buffer)


class FileWriter:
    """Appends to a file from a given offset, writes off the event loop."""

    def __init__(self, path: Path, offset: int = 0) -> None:
        self.path = path
        self.offset = offset
        self._handle: BinaryIO | None = None

    async def open(self) -> FileWriter:
        resume = bool(self.offset) and self.path.exists()
        handle: BinaryIO = await asyncio.to_thread(self.path.open, "r+b" if resume else "wb")
        if resume:
            await asyncio.to_thread(handle.seek, self.offset)
            await asyncio.to_thread(handle.truncate)
        else:
            self.offset = 0
        self._handle = handle
        return self

    async def write(self, chunk: bytes) -> None:
        if self._handle is None:
            raise RuntimeError("FileWriter not open")
        await asyncio.to_thread(self._handle.write, chunk)
        self.offset += len(chunk)

    async def close(self) -> None:
        if self._handle is not None:
            await asyncio.to_thread(self._handle.close)
            self._handle = None

"""A ``multipart/form-data`` body streamed from a file: constant memory, known length."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assetbridge.transfer.pipes import read_file


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "").replace("\n", "")


@dataclass(frozen=True)
class MultipartBody:
    """Text fields, then one file part; iterate ``chunks()`` as the request content."""

    fields: Sequence[tuple[str, str]]
    file_field: str
    file_name: str
    path: Path | None = None
    data: bytes | None = None
    content_type: str = "application/octet-stream"
    boundary: str = ""
    stream: Callable[[], AsyncIterable[bytes]] | None = None  # a factory: each call reads from the start
    stream_size: int = 0

    @classmethod
    def build(
        cls,
        fields: Sequence[tuple[str, str]],
        file_field: str,
        file_name: str,
        *,
        path: Path | None = None,
        data: bytes | None = None,
    ) -> MultipartBody:
        if (path is None) == (data is None):
            raise ValueError("give exactly one of path or data")
        return cls(fields, file_field, file_name, path, data, boundary="ab" + secrets.token_hex(16))

    @classmethod
    def streamed(
        cls,
        fields: Sequence[tuple[str, str]],
        file_field: str,
        file_name: str,
        stream: Callable[[], AsyncIterable[bytes]],
        size: int,
    ) -> MultipartBody:
        """A file part read from ``stream()`` (exactly ``size`` bytes), e.g. another system's download."""
        boundary = "ab" + secrets.token_hex(16)
        return cls(fields, file_field, file_name, boundary=boundary, stream=stream, stream_size=size)

    @property
    def header(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self) -> bytes:
        out = bytearray()
        for name, value in self.fields:
            disposition = f'Content-Disposition: form-data; name="{_quoted(name)}"'
            out += f"--{self.boundary}\r\n{disposition}\r\n\r\n".encode()
            out += value.encode() + b"\r\n"
        out += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quoted(self.file_field)}"; '
            f'filename="{_quoted(self.file_name)}"\r\nContent-Type: {self.content_type}\r\n\r\n'
        ).encode()
        return bytes(out)

    def _tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    def length(self) -> int:
        size = len(self.data) if self.data is not None else self.path.stat().st_size if self.path else 0
        if self.stream is not None:
            size = self.stream_size
        return len(self._head()) + size + len(self._tail())

    def as_bytes(self) -> bytes:
        """The whole body (for small parts that a retry may need to send again)."""
        if self.data is None:
            raise ValueError("as_bytes() is for in-memory parts")
        return self._head() + self.data + self._tail()

    async def chunks(self) -> AsyncIterator[bytes]:
        if self.stream is not None:
            head = self._head()  # sent with the first piece of the file: one write fewer
            async for chunk in self.stream():
                yield head + chunk if head else chunk
                head = b""
            yield head + self._tail()
            return
        yield self._head()
        if self.data is not None:
            yield self.data
        elif self.path is not None:
            async for chunk in read_file(self.path):
                yield chunk
        yield self._tail()

"""Reading request parameters, with a streaming ``multipart/form-data`` reader for file parts.

``read_params`` merges the query string and a POST body (form, multipart or JSON) into ``Params``.

Starlette's form parser spools files to the system temp directory; uploads here go to
``<data_dir>/incoming`` as the bytes arrive (never whole in memory, never outside ``data_dir``), and the
part limit is enforced while streaming so an oversized upload is refused without being stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from assetbridge_sandbox.orangelogic.common import OLError, Params, StoredFile, parse_pairs

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_FIELD_BYTES = 1024 * 1024


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file: StoredFile | None = None
    sink: Any = None
    data: bytearray = field(default_factory=bytearray)


def _decode(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


class _Reader:
    def __init__(self, directory: Path | None, limit: int, new_name: Any) -> None:
        self.directory = directory
        self.limit = limit
        self.new_name = new_name
        self.events: list[tuple[str, bytes]] = []
        self.fields: list[tuple[str, str]] = []
        self.files: list[StoredFile] = []
        self.part = _Part()
        self._hname = b""
        self._hvalue = b""

    def callbacks(self) -> MultipartCallbacks:
        def data_event(kind: str) -> Any:
            return lambda data, start, end: self.events.append((kind, bytes(data[start:end])))

        return {
            "on_part_begin": lambda: self.events.append(("begin", b"")),
            "on_part_data": data_event("data"),
            "on_part_end": lambda: self.events.append(("end", b"")),
            "on_header_field": data_event("hname"),
            "on_header_value": data_event("hvalue"),
            "on_header_end": lambda: self.events.append(("hend", b"")),
            "on_headers_finished": lambda: self.events.append(("hdone", b"")),
        }

    async def drain(self) -> None:
        for kind, data in self.events:
            await self._handle(kind, data)
        self.events.clear()

    async def _handle(self, kind: str, data: bytes) -> None:
        part = self.part
        if kind == "begin":
            self.part = _Part()
        elif kind == "hname":
            self._hname += data
        elif kind == "hvalue":
            self._hvalue += data
        elif kind == "hend":
            part.headers[self._hname.lower()] = self._hvalue
            self._hname = self._hvalue = b""
        elif kind == "hdone":
            await self._start(part)
        elif kind == "data":
            await self._data(part, data)
        elif kind == "end":
            if part.file is not None:
                if part.sink is not None:
                    await part.sink.aclose()
                    part.sink = None
                self.files.append(part.file)
            else:
                self.fields.append((part.name, _decode(bytes(part.data))))

    async def _start(self, part: _Part) -> None:
        _, options = parse_options_header(part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise OLError(400, 'A multipart part has no Content-Disposition "name"', code="INVALID_REQUEST")
        part.name = _decode(options[b"name"])
        if b"filename" in options:
            filename = Path(_decode(options[b"filename"])).name
            ctype = _decode(part.headers.get(b"content-type", b""))
            path = self.directory / self.new_name(filename) if self.directory is not None else None
            part.file = StoredFile(part.name, filename, ctype, path)
            if path is not None:
                part.sink = await anyio.open_file(path, "wb")

    async def _data(self, part: _Part, data: bytes) -> None:
        if part.file is None:
            if len(part.data) + len(data) > MAX_FIELD_BYTES:
                message = f"The form field '{part.name}' is larger than 1 MB"
                raise OLError(400, message, code="INVALID_REQUEST")
            part.data.extend(data)
            return
        part.file.size += len(data)
        if part.file.size > self.limit:
            message = f"The file is larger than {self.limit} bytes: use the multi-part upload API"
            raise OLError(413, message, code="FILE_TOO_LARGE")
        if part.sink is not None:
            await part.sink.write(data)

    async def abort(self) -> None:
        if self.part.sink is not None:
            await self.part.sink.aclose()
        for stored in [*self.files, *([self.part.file] if self.part.file else [])]:
            if stored.path is not None:
                await anyio.Path(stored.path).unlink(missing_ok=True)


async def read_multipart(
    request: Request, directory: Path | None, limit: int, new_name: Any
) -> tuple[list[tuple[str, str]], list[StoredFile]]:
    """Form fields and stored files of a multipart body; ``directory=None`` counts file bytes only."""
    _, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if not boundary:
        raise OLError(400, "The multipart form has no boundary", code="INVALID_REQUEST")
    reader = _Reader(directory, limit, new_name)
    try:
        parser = MultipartParser(boundary, reader.callbacks())
        async for chunk in request.stream():
            parser.write(chunk)
            await reader.drain()
        parser.finalize()
        await reader.drain()
        if reader.part.sink is not None:
            raise OLError(400, "The multipart form is truncated", code="INVALID_REQUEST")
    except FormParserError as exc:
        await reader.abort()
        raise OLError(400, "The multipart form is not valid", code="INVALID_REQUEST") from exc
    except BaseException:
        await reader.abort()
        raise
    return reader.fields, reader.files


TOKEN_HEADER_PARAMS = ("token",)


async def read_params(request: Request, *, file_dir: Path | None, limit: int, new_name: Any) -> Params:
    """Query + body parameters; file parts are stored in ``file_dir`` (or only counted when it is None)."""
    params = Params(pairs=parse_pairs(request.url.query))
    for name in TOKEN_HEADER_PARAMS:
        if name in request.headers:
            params.headers[name] = request.headers[name]
    if request.method != "POST":
        return params
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith("application/x-www-form-urlencoded"):
        body = await request.body()
        params.pairs.extend(parse_pairs(body.decode("utf-8", errors="replace")))
    elif ctype.startswith("multipart/form-data"):
        fields, files = await read_multipart(request, file_dir, limit, new_name)
        params.pairs.extend(fields)
        params.files.extend(files)
    elif ctype.startswith("application/json"):
        body = await request.body()
        try:
            data = json.loads(body or b"{}")
        except ValueError as exc:
            raise OLError(400, "The request body is not valid JSON", code="OL_ERR_006_BADREQUEST") from exc
        if isinstance(data, dict):
            for key, value in data.items():
                text = value if isinstance(value, str) else json.dumps(value)
                params.pairs.append((str(key), text))
    return params


async def discard_files(params: Params) -> None:
    """Remove stored parts a handler did not move into place."""
    for stored in params.files:
        if stored.path is not None:
            await anyio.Path(stored.path).unlink(missing_ok=True)

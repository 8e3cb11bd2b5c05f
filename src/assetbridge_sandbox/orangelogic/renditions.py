"""Renditions (proxies), their short-lived URIs, the original download and share links (reference §6).

Formats per asset type: images and videos get ``TR1`` (1200 px box), ``TR4`` (352 px high) and ``TR7``
(192 px high) JPEGs; videos also get the ``WebHigh`` MP4 proxy. Anything else answers the ``Warning`` shape
of the real service (``{"URI": "", "Width": "", "Height": "", "Warning": ...}``).

``Path_*`` URIs look like the instance-served ``/Assets/V2/<opaque>/<SystemIdentifier>.jpg`` and expire
``rendition_ttl_seconds`` after issue on the sandbox clock (real AWS-backed tenants presign for 600 s);
an expired URI gets 403 like an expired S3 presigned URL. Files are made on first use: with ``ffmpeg``
(run as an asyncio subprocess, never blocking the loop) when present and ``renditions`` allows it, else the
original is copied (video proxy) or a small placeholder JPEG is written. Range requests are honoured.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, Response

from assetbridge_sandbox.orangelogic.common import OLError, iso_date, json_response, parse_date
from assetbridge_sandbox.orangelogic.routing import Ctx
from assetbridge_sandbox.orangelogic.state import OLState, Record


@dataclass(frozen=True)
class FormatSpec:
    ext: str
    kinds: tuple[str, ...]
    box: tuple[int, int] | None = None  # fit into this box
    height: int | None = None  # fixed height


FORMATS: dict[str, FormatSpec] = {
    "TR1": FormatSpec("jpg", ("Image", "Video"), box=(1200, 1200)),
    "TR4": FormatSpec("jpg", ("Image", "Video"), height=352),
    "TR7": FormatSpec("jpg", ("Image", "Video"), height=192),
    "WebHigh": FormatSpec("mp4", ("Video",), box=(1280, 720)),
}
NOMINAL_SOURCE = (1920, 1080)
PLACEHOLDER_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAgAAAQABAAD//gAQTGF2YzU5LjM3LjEwMAD/2wBDAAgQEBMQExYWFhYWFhoYGhsbGxoaGhobGxsdHR0iIiIdHR0b"
    "Gx0dICAiIiUmJSMjIiMmJigoKDAwLi44ODpFRVP/xABMAAEBAAAAAAAAAAAAAAAAAAAABgEBAQAAAAAAAAAAAAAAAAAABgcQAQAAAAAA"
    "AAAAAAAAAAAAAAARAQAAAAAAAAAAAAAAAAAAAAD/wAARCAAIABADASIAAhEAAxEA/9oADAMBAAIRAxEAPwCtAR06f//Z"
)


def canonical_format(name: str) -> str | None:
    for key in FORMATS:
        if key.lower() == name.lower():
            return key
    return None


def available(record: Record, fmt: str) -> bool:
    spec = FORMATS.get(fmt)
    return spec is not None and record.doc_type in spec.kinds and record.file_path is not None


def dims(record: Record, fmt: str) -> tuple[int, int]:
    if fmt in record.rendition_dims:
        return record.rendition_dims[fmt]
    width, height = (record.width or NOMINAL_SOURCE[0], record.height or NOMINAL_SOURCE[1])
    spec = FORMATS[fmt]
    if spec.height is not None:
        scale = spec.height / height
    else:
        box_w, box_h = spec.box or (width, height)
        scale = min(box_w / width, box_h / height, 1.0)
    out_w, out_h = max(2, round(width * scale)), max(2, round(height * scale))
    if spec.ext == "mp4":  # H.264 needs even dimensions
        return out_w // 2 * 2, out_h // 2 * 2
    return out_w, out_h


def _sign(state: OLState, payload: str) -> str:
    return hmac.new(state.signing_key, payload.encode(), hashlib.sha256).hexdigest()[:32]


def rendition_uri(state: OLState, base_url: str, record: Record, fmt: str) -> str:
    expires = int(state.clock.time() + state.config.rendition_ttl_seconds)
    payload = f"{record.record_id}.{fmt}.{expires}"
    opaque = base64.urlsafe_b64encode(f"{payload}.{_sign(state, payload)}".encode()).decode().rstrip("=")
    return f"{base_url}/Assets/V2/{opaque}/{record.identifier}.{FORMATS[fmt].ext}"


def path_field(state: OLState, base_url: str, record: Record, fmt_name: str) -> dict[str, Any]:
    fmt = canonical_format(fmt_name)
    if fmt is None or not available(record, fmt):
        return {
            "URI": "",
            "Width": "",
            "Height": "",
            "Warning": f"The requested format {fmt_name} is not available for this asset",
        }
    width, height = dims(record, fmt)
    return {"URI": rendition_uri(state, base_url, record, fmt), "Width": width, "Height": height}


def _ffmpeg_enabled(state: OLState) -> bool:
    return state.config.renditions != "copy" and shutil.which("ffmpeg") is not None


async def probe(state: OLState, record: Record) -> None:
    """Learn the source's pixel size with ffprobe (when allowed) so proxies keep its aspect ratio."""
    if (
        record.width
        or record.file_path is None
        or not _ffmpeg_enabled(state)
        or shutil.which("ffprobe") is None
    ):
        return
    args = ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0"]
    proc = await asyncio.create_subprocess_exec(
        "ffprobe",
        *args,
        str(record.file_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await proc.communicate()
    try:
        width, height = (int(v) for v in out.decode().strip().split(",")[:2])
    except ValueError:
        return
    if width > 0 and height > 0:
        record.width, record.height = width, height


async def _run(*args: str) -> bool:
    proc = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    return await proc.wait() == 0


async def _make(state: OLState, record: Record, fmt: str, out: Path) -> None:
    assert record.file_path is not None
    width, height = dims(record, fmt)
    src = str(record.file_path)
    tmp = out.with_suffix(".part" + out.suffix)
    ok = False
    if _ffmpeg_enabled(state):
        scale = f"scale={width}:{height}"
        if fmt == "WebHigh":
            args = ["-t", "30", "-vf", scale, "-c:v", "libx264", "-preset", "ultrafast", "-crf", "32"]
            args += ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-f", "mp4"]
        else:
            args = ["-frames:v", "1", "-vf", scale, "-q:v", "5", "-f", "image2", "-c:v", "mjpeg"]
        ok = await _run("ffmpeg", "-nostdin", "-y", "-v", "error", "-i", src, *args, str(tmp))
    if not ok:
        if fmt == "WebHigh":
            await asyncio.to_thread(shutil.copyfile, src, tmp)
        else:
            await asyncio.to_thread(tmp.write_bytes, PLACEHOLDER_JPEG)
    tmp.replace(out)
    record.rendition_dims[fmt] = (width, height)


async def ensure(state: OLState, record: Record, fmt: str) -> Path:
    existing = record.renditions.get(fmt)
    if existing is not None and existing.exists():
        return existing
    lock = state.locks.setdefault(f"{record.record_id}/{fmt}", asyncio.Lock())
    async with lock:
        existing = record.renditions.get(fmt)
        if existing is not None and existing.exists():
            return existing
        out_dir = state.data_dir / "renditions" / record.record_id
        out_dir.mkdir(parents=True, exist_ok=True)
        out = out_dir / f"v{record.version}-{fmt}.{FORMATS[fmt].ext}"
        await probe(state, record)
        await _make(state, record, fmt, out)
        record.renditions[fmt] = out
        return out


async def generate_all(state: OLState, record: Record) -> None:
    for fmt in FORMATS:
        if available(record, fmt):
            await ensure(state, record, fmt)


def invalidate(record: Record) -> None:
    record.renditions.clear()
    record.rendition_dims.clear()
    record.width = record.height = None


def _file(path: Path, name: str, media_type: str | None = None) -> Response:
    return FileResponse(path, media_type=media_type, filename=name, content_disposition_type="inline")


def _expired() -> Response:
    body = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    return Response(body, status_code=403, media_type="application/xml")


async def serve_asset(ctx: Ctx) -> Response:
    """``/Assets/V2/<opaque>/<name>``: the URI itself is the credential (no token), until it expires."""
    state = ctx.state
    try:
        opaque = ctx.match.group("opaque")
        decoded = base64.urlsafe_b64decode(opaque + "=" * (-len(opaque) % 4)).decode()
        record_id, fmt, expires, sig = decoded.rsplit(".", 3)
    except (ValueError, UnicodeDecodeError):
        return _expired()
    if not hmac.compare_digest(sig, _sign(state, f"{record_id}.{fmt}.{expires}")):
        return _expired()
    if state.clock.time() >= int(expires):
        return _expired()
    record = state.records.get(record_id)
    if record is None or not available(record, fmt):
        return Response(b"Not found", status_code=404)
    path = await ensure(state, record, fmt)
    media_type = "video/mp4" if FORMATS[fmt].ext == "mp4" else "image/jpeg"
    return _file(path, f"{record.identifier}.{FORMATS[fmt].ext}", media_type)


async def get_document(ctx: Ctx) -> Response:
    """``/htm/GetDocumentAPI.aspx?F=TRX&DocID=<RecordID>`` (reference §6.5); TRX is the original."""
    doc_id = ctx.params.get("DocID") or ""
    record = ctx.state.find(doc_id)
    if record is None or record.file_path is None:
        raise OLError(404, f"Asset '{doc_id}' not found", code="NOT_FOUND")
    fmt_name = ctx.params.get("F") or "TRX"
    if fmt_name.upper() == "TRX":
        return _file(record.file_path, record.file_name, record.content_type or None)
    fmt = canonical_format(fmt_name)
    if fmt is None or not available(record, fmt):
        raise OLError(
            404, f"The requested format {fmt_name} is not available for this asset", code="NOT_FOUND"
        )
    return _file(await ensure(ctx.state, record, fmt), f"{record.identifier}.{FORMATS[fmt].ext}")


async def getlink(ctx: Ctx) -> Response:
    """``getlink_4HZ_v1``: a share link (no token needed to follow it) that lives until ``ExpirationDate``."""
    state, params = ctx.state, ctx.params
    ident = params.get("Identifier") or params.get("RecordID") or ""
    record = state.find(ident)
    if record is None:
        raise OLError(404, "Asset not found", code="OL_ERR_001_NOTFOUND", extra={"Asset Identifier": ident})
    fmt_name = params.get("Format") or "TR1"
    fmt = "TRX" if fmt_name.upper() == "TRX" else canonical_format(fmt_name)
    if fmt is None or (fmt != "TRX" and not available(record, fmt)) or record.file_path is None:
        raise OLError(
            404,
            f"The format {fmt_name} is not available for this asset",
            code="OL_ERR_001_NOTFOUND",
            extra={"Asset Identifier": record.identifier, "Format": fmt_name},
        )
    expires: datetime | None = None
    if params.get("ExpirationDate"):
        try:
            expires = parse_date(params.get("ExpirationDate") or "")
        except ValueError as exc:
            raise OLError(400, "ExpirationDate is not a valid date", code="OL_ERR_006_BADREQUEST") from exc
    ext = record.extension if fmt == "TRX" else FORMATS[fmt].ext
    link_id = state.random_id(24).lower()
    state.links[link_id] = (record.record_id, fmt, expires.timestamp() if expires else None)
    width, height = (record.width or 0, record.height or 0) if fmt == "TRX" else dims(record, fmt)
    return json_response(
        {
            "recordID": record.record_id,
            "identifier": record.identifier,
            "format": fmt,
            "link": f"{ctx.base_url()}/AssetLink/{link_id}.{ext}",
            "maxWidth": width,
            "maxHeight": height,
            "expirationDate": iso_date(expires) + ".000Z" if expires else None,
            "fileExtension": ext,
            "imageResizingMethod": None,
        }
    )


async def serve_link(ctx: Ctx) -> Response:
    entry = ctx.state.links.get(ctx.match.group("link").lower())
    if entry is None:
        return Response(b"Not found", status_code=404)
    record_id, fmt, expires = entry
    if expires is not None and ctx.state.clock.time() >= expires:
        return Response(b"This link has expired", status_code=410)
    record = ctx.state.records.get(record_id)
    if record is None or record.file_path is None:
        return Response(b"Not found", status_code=404)
    if fmt == "TRX":
        return _file(record.file_path, record.file_name, record.content_type or None)
    return _file(await ensure(ctx.state, record, fmt), f"{record.identifier}.{FORMATS[fmt].ext}")

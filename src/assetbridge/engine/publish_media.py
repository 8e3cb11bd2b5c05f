"""What media a published asset gets, checked before anything is written, and sending it.

Proxy mode: the configured Orange Logic rendition for the asset's type becomes the iconik proxy of the
published version, then iconik is asked for keyframes and the poster from that proxy (one call; iconik
makes them itself). The master stays in Orange Logic. Original mode: the original becomes the
version's ORIGINAL file. The bytes move through the transfer engine (``media_copy``), keyed per link,
Orange Logic version and role, so a re-run after a crash resumes the same upload instead of making a
second proxy.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlparse

from assetbridge.config.flows_publish import PublishFlow, PublishRule
from assetbridge.connectors.orangelogic.models import Asset as OLAsset
from assetbridge.engine.context import SyncContext
from assetbridge.engine.media_copy import CopyResult, copy_to_iconik
from assetbridge.errors import ValidationError

VERSION_FIELD = "CoreField.Version"
SIZE_FIELD = "CoreField.FileSize"
FILE_NAME_FIELD = "CoreField.OriginalFileName"
MIME_FIELD = "CoreField.MIMEtype"
RENDITION_TYPES = {"TR1": "image/jpeg", "TR4": "image/jpeg", "TR7": "image/jpeg", "WebHigh": "video/mp4"}


class MediaProblem(ValidationError):
    """The asset's media cannot be published as configured (names the record, the field and the value)."""

    def __init__(self, message: str) -> None:
        super().__init__("orangelogic", "media", message)


@dataclass(frozen=True)
class MediaPlan:
    role: str  # "proxy" | "original"
    rendition: str  # "original" or "Path_<format>"
    file_name: str
    content_type: str

    @property
    def label(self) -> str:
        return f"{self.rendition} as iconik {self.role.upper()}"


def asset_type(asset: OLAsset) -> str:
    return (asset.media_type or asset.value("CoreField.DocType") or "").strip()


def ol_version(asset: OLAsset) -> int:
    raw = asset.value(VERSION_FIELD)
    if raw is None or raw == "":
        return 1
    try:
        number = int(str(raw).strip())
    except ValueError:
        raise MediaProblem(f"{asset.record_id}: {VERSION_FIELD} is {raw!r}, not a version number") from None
    if number < 1:
        raise MediaProblem(f"{asset.record_id}: {VERSION_FIELD} is {number} (versions start at 1)")
    return number


def rendition_paths(flow: PublishFlow) -> list[str]:
    """The ``Path_*`` fields a publish search asks for (their URLs are how missing renditions show)."""
    return sorted({r for r in flow.proxy_renditions.values() if r.startswith("Path_")})


def _content_type_of(name: str, default: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    return guessed or default


def plan_media(flow: PublishFlow, rule: PublishRule, asset: OLAsset) -> MediaPlan:
    """The media this asset gets under ``rule``, or ``MediaProblem`` naming what is missing or empty."""
    record = asset.record_id or asset.system_identifier
    original_name = asset.value(FILE_NAME_FIELD) or f"{record}"
    size_raw = asset.value(SIZE_FIELD)
    if rule.media == "original" or flow.proxy_renditions.get(asset_type(asset)) == "original":
        if size_raw is not None and size_raw.strip() in ("0", ""):
            raise MediaProblem(f"{record}: the original is empty ({SIZE_FIELD} = {size_raw!r})")
        content_type = asset.value(MIME_FIELD) or _content_type_of(original_name, "application/octet-stream")
        return MediaPlan(rule.media, "original", original_name, content_type)
    kind = asset_type(asset)
    rendition = flow.proxy_renditions.get(kind)
    if rendition is None:
        configured = ", ".join(sorted(flow.proxy_renditions)) or "none"
        raise MediaProblem(
            f"{record}: no proxy rendition configured for asset type {kind or '(unknown)'!r}"
            f" (publish.proxy_renditions has: {configured})"
        )
    fmt = rendition[len("Path_") :]
    found = asset.renditions.get(fmt) or next(
        (r for name, r in asset.renditions.items() if name.lower() == fmt.lower()), None
    )
    if found is None or not found.available:
        said = f" (Orange Logic says: {found.warning})" if found is not None and found.warning else ""
        raise MediaProblem(f"{record}: rendition {rendition} is missing{said}")
    suffix = PurePosixPath(urlparse(found.uri).path).suffix
    stem = PurePosixPath(original_name).stem or record
    default_type = RENDITION_TYPES.get(fmt, "application/octet-stream")
    content_type = _content_type_of(f"x{suffix}", default_type) if suffix else default_type
    return MediaPlan("proxy", rendition, f"{stem}_{fmt}{suffix}", content_type)


@dataclass(frozen=True)
class SentMedia:
    copy: CopyResult
    keyframes_job_id: str | None


async def send_media(
    ctx: SyncContext,
    flow: PublishFlow,
    plan: MediaPlan,
    *,
    asset: OLAsset,
    asset_id: str,
    version_id: str | None,
    link_id: int,
    version: int,
    attempt: int = 0,
) -> SentMedia:
    result = await copy_to_iconik(
        ctx,
        system_identifier=asset.system_identifier,
        rendition=plan.rendition,
        asset_id=asset_id,
        role="proxy" if plan.role == "proxy" else "original",
        file_name=plan.file_name,
        content_type=plan.content_type,
        version_id=version_id,
        key=f"publish:{link_id}:v{version}:{plan.role}" + (f":r{attempt}" if attempt else ""),
    )
    job_id: str | None = None
    if plan.role == "proxy" and flow.keyframes:
        job_id = await ctx.iconik.generate_proxy_keyframes(asset_id, result.iconik_id)
    return SentMedia(result, job_id)

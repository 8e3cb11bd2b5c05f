"""Shared pieces of the files service: asset lookup, storages as buckets, upload fields, signed URLs.

Every iconik-managed storage of the sandbox is a bucket on the storage emulator (``settings.bucket``).
Object keys are ``<bucket>/<asset id>/<object id>``: fixed at creation and never colliding (names
are only used for ``Content-Disposition``). Upload fields
follow the storage's method (reference §5.4 step 7): GCS → ``upload_url`` is a signed URL to POST with
``x-goog-resumable: start``; S3 → ``upload_url`` is a presigned single-part PUT and
``multipart_upload_url`` a presigned CreateMultipartUpload POST.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request

from assetbridge_sandbox.iconik.common import IconikHTTPError, bool_param, not_found, paginate_last_id
from assetbridge_sandbox.iconik.state import IconikState
from assetbridge_sandbox.storage.errors import Protocol
from assetbridge_sandbox.storage.objects import ObjectInfo

FILE_STATUSES = (
    "OPEN",
    "GROWING",
    "AWAITED",
    "CLOSED",
    "FAILED",
    "ARCHIVED",
    "MISSING",
    "REDISCOVERED",
    "DELETED",
)
PREFIX = "/API/files/v1"


def require_asset(state: IconikState, asset_id: str) -> dict[str, Any]:
    asset = state.assets.get(asset_id)
    if asset is None:
        raise not_found("Asset")
    return asset


def check_version(asset: Mapping[str, Any], version_id: str) -> str:
    if not any(v.get("id") == version_id for v in asset.get("versions") or []):
        raise IconikHTTPError(400, {"version_id": ["Asset version does not exist."]})
    return version_id


def changed(state: IconikState, realm: str, operation: str, obj: dict[str, Any]) -> None:
    """Announce a files-service change on the event bus (realm files|formats|file_sets|proxies|keyframes)."""
    state.emit("assets", realm, operation, obj["id"], dict(obj))
    state.touch_asset(str(obj["asset_id"]))


def coerce_size(body: dict[str, Any]) -> None:
    """The tutorials send ``size`` as a digit string and iconik accepts it (reference §5.4)."""
    value = body.get("size")
    if isinstance(value, str) and value.isdigit():
        body["size"] = int(value)


def owned(
    items: Mapping[str, dict[str, Any]], asset_id: str, version_id: str | None = None
) -> list[dict[str, Any]]:
    found = [
        item
        for item in items.values()
        if item.get("asset_id") == asset_id and (version_id is None or item.get("version_id") == version_id)
    ]
    return sorted(found, key=lambda item: (str(item.get("date_created")), str(item["id"])))


def page(request: Request, items: list[dict[str, Any]]) -> dict[str, Any]:
    return paginate_last_id(request, items)


def storage_by_id(state: IconikState, storage_id: str | None) -> dict[str, Any] | None:
    return state.storages.get(storage_id) if storage_id else None


def object_key(storage: Mapping[str, Any], asset_id: str, object_id: str) -> str:
    return f"{storage['settings']['bucket']}/{asset_id}/{object_id}"


def upload_fields(state: IconikState, storage: Mapping[str, Any], key: str) -> dict[str, Any]:
    service = state.storage
    method = str(storage["method"])
    fields: dict[str, Any] = {
        "storage_method": method,
        "upload_method": method,
        "upload_credentials": {},
        "upload_filename": key.split("/", 1)[1],
    }
    if method == "S3":
        fields["upload_url"] = service.s3_put_url(key)
        fields["multipart_upload_url"] = service.s3_create_multipart_url(key)
    else:
        fields["upload_url"] = service.gcs_upload_url(key)
    return fields


def signed_url(
    state: IconikState,
    storage: Mapping[str, Any],
    key: str,
    filename: str,
    request: Request | None = None,
    *,
    default: str = "inline",
) -> str | None:
    """A signed download URL (``content_disposition`` query param honoured), or None while not in storage."""
    if state.storage.info(key) is None:
        return None
    disposition = request.query_params.get("content_disposition", default) if request else default
    if disposition not in ("inline", "attachment"):
        raise IconikHTTPError(400, {"content_disposition": ["Must be one of: inline, attachment."]})
    protocol: Protocol = "s3" if storage.get("method") == "S3" else "gcs"
    return state.storage.signed_download_url(
        key, filename=filename, protocol=protocol, disposition=disposition
    )


def wants_urls(request: Request, default: bool) -> bool:
    return bool_param(request, "generate_signed_url", default)


def verify_upload(
    state: IconikState, key: str, declared_size: int | None, declared_checksum: str | None
) -> ObjectInfo:
    """On ``status: CLOSED``: the object must be in storage with the declared size (and md5 if given)."""
    info = state.storage.info(key)
    if info is None:
        raise IconikHTTPError(400, "File was not uploaded to the storage")
    if declared_size is not None and declared_size != info.size:
        raise IconikHTTPError(
            400, {"size": [f"Declared size {declared_size} differs from stored size {info.size}."]}
        )
    checksum = (declared_checksum or "").lower()
    if len(checksum) == 32 and checksum != info.md5:
        raise IconikHTTPError(400, {"checksum": ["Checksum does not match the uploaded file."]})
    return info

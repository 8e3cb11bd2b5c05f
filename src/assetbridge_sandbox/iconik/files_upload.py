"""iconik's S3 multipart helper endpoints for files and proxies (reference §5.4 step 7, S3 multipart).

Flow: POST ``multipart_upload_url`` (presigned CreateMultipartUpload) → ``<UploadId>``;
``GET …/multipart_url/part/?upload_id&parts_num[&per_page&page]`` → ``{objects: [{number, url, key}]}``
(or ``POST …/multipart_url/s3/part/`` ``{upload_id, parts: [{part_number}]}``); PUT the parts;
``GET …/multipart_url/?upload_id&type=complete_url`` → ``{complete_url}`` (also ``abort_url``,
``list_parts_url``); POST the CompleteMultipartUpload XML there. ``POST …/multipart/cleanup/``
``{upload_id, abort_upload: true}`` aborts. GCS compose and B2 helpers are not emulated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from assetbridge_sandbox.iconik.common import IconikHTTPError, int_param, json_body
from assetbridge_sandbox.iconik.files_common import PREFIX, object_key
from assetbridge_sandbox.iconik.state import IconikState

# (asset_id, object_id) -> (storage, object key), raising 404 when the object is unknown
Resolver = Callable[[str, str], tuple[dict[str, Any], str]]


def _s3_upload(state: IconikState, storage: dict[str, Any], key: str, upload_id: str | None) -> str:
    if storage["method"] != "S3":
        raise IconikHTTPError(
            400, f"Multipart upload URLs are for S3 storages; this storage is {storage['method']}"
        )
    if not upload_id:
        raise IconikHTTPError(400, {"upload_id": ["Missing data for required field."]})
    upload = state.storage.s3.uploads.get(upload_id)
    if upload is None or upload.key != key:
        raise IconikHTTPError(400, {"upload_id": ["Unknown upload id for this object."]})
    return upload_id


def _add_routes(router: APIRouter, state: IconikState, kind: str, resolve: Resolver) -> None:
    base = f"/{kind}/{{object_id}}"

    @router.get(base + "/multipart_url/part/")
    async def part_urls(asset_id: str, object_id: str, request: Request) -> dict[str, Any]:
        storage, key = resolve(asset_id, object_id)
        upload_id = _s3_upload(state, storage, key, request.query_params.get("upload_id"))
        parts_num = int_param(request, "parts_num", 1, minimum=1, maximum=10000)
        per_page = int_param(request, "per_page", 10, minimum=1, maximum=10000)
        page_no = int_param(request, "page", 1, minimum=1)
        first = (page_no - 1) * per_page + 1
        numbers = range(first, min(parts_num, first + per_page - 1) + 1)
        return {
            "objects": [
                {
                    "number": n,
                    "key": key.split("/", 1)[1],
                    "url": state.storage.s3_part_url(key, upload_id, n),
                }
                for n in numbers
            ]
        }

    @router.post(base + "/multipart_url/s3/part/")
    async def s3_part_urls(asset_id: str, object_id: str, request: Request) -> dict[str, Any]:
        storage, key = resolve(asset_id, object_id)
        body = await json_body(request)
        upload_id = _s3_upload(state, storage, key, body.get("upload_id"))
        parts = body.get("parts")
        if not isinstance(parts, list) or not parts:
            raise IconikHTTPError(400, {"parts": ["Shorter than minimum length 1."]})
        result = []
        for part in parts:
            number = part.get("part_number") if isinstance(part, dict) else None
            if not isinstance(number, int) or not 1 <= number <= 10000:
                raise IconikHTTPError(400, {"parts": ["part_number must be between 1 and 10000."]})
            url = state.storage.s3_part_url(key, upload_id, number)
            result.append({"part_number": number, "checksum": part.get("checksum"), "url": url})
        return {"upload_id": upload_id, "parts": result}

    @router.get(base + "/multipart_url/")
    async def multipart_urls(asset_id: str, object_id: str, request: Request) -> dict[str, Any]:
        storage, key = resolve(asset_id, object_id)
        upload_id = _s3_upload(state, storage, key, request.query_params.get("upload_id"))
        urls = state.storage.s3_multipart_urls(key, upload_id, 0)
        everything: dict[str, Any] = {
            "complete_url": urls.complete_url,
            "abort_url": urls.abort_url,
            "list_parts_url": [urls.list_parts_url],
        }
        wanted = request.query_params.get("type")
        if wanted is None:
            return everything
        if wanted not in everything:
            raise IconikHTTPError(400, {"type": [f"Must be one of: {', '.join(everything)}."]})
        return {wanted: everything[wanted]}

    @router.post(base + "/multipart/cleanup/")
    async def cleanup(asset_id: str, object_id: str, request: Request) -> dict[str, Any]:
        storage, key = resolve(asset_id, object_id)
        body = await json_body(request)
        upload_id = _s3_upload(state, storage, key, body.get("upload_id"))
        if body.get("abort_upload", True):
            state.storage.s3.abort(state.storage.s3.uploads[upload_id])
        return {}


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter(prefix=PREFIX + "/assets/{asset_id}")

    def resolve_file(asset_id: str, file_id: str) -> tuple[dict[str, Any], str]:
        file = state.files.get(file_id)
        if asset_id not in state.assets or file is None or file["asset_id"] != asset_id:
            raise IconikHTTPError(404, "File or asset not found")
        storage = state.storages[file["storage_id"]]
        return storage, object_key(storage, asset_id, file_id)

    def resolve_proxy(asset_id: str, proxy_id: str) -> tuple[dict[str, Any], str]:
        proxy = state.proxies.get(proxy_id)
        if asset_id not in state.assets or proxy is None or proxy["asset_id"] != asset_id:
            raise IconikHTTPError(404, "Proxy or asset not found")
        storage = state.storages[proxy["storage_id"]]
        return storage, object_key(storage, asset_id, proxy_id)

    _add_routes(router, state, "files", resolve_file)
    _add_routes(router, state, "proxies", resolve_proxy)
    return router

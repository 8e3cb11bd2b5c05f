"""iconik emulator: the files service (``/API/files/v1/``; reference §5).

Storages (``files_storages``), formats and file sets (``files_formats``), files (``files_files``,
records in ``files_store``), S3 multipart helpers (``files_upload``), proxies (``files_proxies``),
keyframes and the keyframe job (``files_keyframes``). Bytes live on the storage emulator; seeding
helpers for other sandbox code are in ``files_seed`` (``attach_original``, ``attach_proxy``).
"""

from __future__ import annotations

from fastapi import APIRouter

from assetbridge_sandbox.iconik import (
    files_files,
    files_formats,
    files_keyframes,
    files_proxies,
    files_storages,
    files_upload,
)
from assetbridge_sandbox.iconik.state import IconikState


def build_router(state: IconikState) -> APIRouter:
    files_storages.ensure_default_storages(state)
    router = APIRouter()
    for module in (files_storages, files_formats, files_files, files_upload, files_proxies, files_keyframes):
        router.include_router(module.build_router(state))
    router.include_router(files_files.build_checksum_router(state))
    return router

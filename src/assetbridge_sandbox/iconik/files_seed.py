"""Seeding helpers for other sandbox code: attach a local media file to an iconik asset as if uploaded.

Both copy the file into the storage emulator and create CLOSED records (with events), exactly what the
upload flow over HTTP would leave behind. Call them on the thread that owns the state (before the
server starts, or via ``SandboxServer.call_soon``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assetbridge_sandbox.iconik.files_common import require_asset
from assetbridge_sandbox.iconik.files_formats import active, create_file_set, create_format
from assetbridge_sandbox.iconik.files_proxies import create_proxy, proxy_key, proxy_view
from assetbridge_sandbox.iconik.files_storages import require_storage
from assetbridge_sandbox.iconik.files_store import create_file, file_key, file_view
from assetbridge_sandbox.iconik.state import IconikState


def _original_format(
    state: IconikState, asset: dict[str, Any], version_id: str, content_type: str
) -> dict[str, Any]:
    for fmt in active(list(state.formats.values())):
        if fmt["asset_id"] == asset["id"] and fmt["version_id"] == version_id and fmt["name"] == "ORIGINAL":
            return fmt
    body = {
        "name": "ORIGINAL",
        "version_id": version_id,
        "metadata": [{"internet_media_type": content_type}],
        "storage_methods": [require_storage(state, "FILES")["method"]],
    }
    return create_format(state, asset, body)


def attach_original(
    state: IconikState, asset_id: str, version_id: str, path: Path, file_name: str, content_type: str
) -> dict[str, Any]:
    """Format ORIGINAL (reused if present) + file set + CLOSED file holding a copy of ``path``.

    Returns the file as the API shows it (``id``, ``format_id``, ``file_set_id``, ``size``, ``checksum``…).
    """
    asset = require_asset(state, asset_id)
    fmt = _original_format(state, asset, version_id, content_type)
    storage = require_storage(state, "FILES")
    file_set = create_file_set(
        state,
        asset,
        {
            "name": file_name,
            "base_dir": asset_id,
            "format_id": fmt["id"],
            "storage_id": storage["id"],
            "component_ids": [],
            "version_id": version_id,
        },
    )
    body = {
        "original_name": file_name,
        "directory_path": asset_id,
        "type": "FILE",
        "file_set_id": file_set["id"],
        "version_id": version_id,
        "status": "OPEN",
    }
    file = create_file(state, asset, body)
    key = file_key(state, file)
    assert key is not None
    info = state.storage.put_file(key, path, content_type)
    file.update(status="CLOSED", size=info.size, checksum=info.md5)
    state.emit("assets", "files", "update", file["id"], dict(file))
    return file_view(state, file)


def attach_proxy(
    state: IconikState,
    asset_id: str,
    version_id: str,
    path: Path,
    file_name: str,
    content_type: str,
    **fields: Any,
) -> dict[str, Any]:
    """A CLOSED proxy holding a copy of ``path``; ``fields`` are extra ProxySchema fields
    (``codec``, ``format``, ``frame_rate``, ``resolution`` …)."""
    asset = require_asset(state, asset_id)
    body = {
        "name": file_name,
        "filename": file_name,
        "version_id": version_id,
        "content_type": content_type,
        **fields,
    }
    proxy = create_proxy(state, asset, body)
    info = state.storage.put_file(proxy_key(state, proxy), path, content_type)
    proxy.update(status="CLOSED", size=info.size)
    state.emit("assets", "proxies", "update", proxy["id"], dict(proxy))
    return proxy_view(state, proxy)

"""Signed-URL object storage emulating GCS resumable uploads and S3 multipart uploads (being built)."""

from __future__ import annotations

from pathlib import Path

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import StorageSandboxConfig


class StorageService:
    def __init__(self, config: StorageSandboxConfig, clock: SandboxClock, root: Path) -> None:
        self.config = config
        self.clock = clock
        self.root = root
        self.base_url = ""  # set by the server once its socket is bound

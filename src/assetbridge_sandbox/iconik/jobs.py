"""iconik emulator: jobs routes (being built)."""

from __future__ import annotations

from fastapi import APIRouter

from assetbridge_sandbox.iconik.state import IconikState


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()
    return router

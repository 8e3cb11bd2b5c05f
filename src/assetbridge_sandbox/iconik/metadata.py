"""iconik emulator: the metadata service (``/API/metadata/v1/``).

Schema routes (fields, views, categories) are registered before the value routes so that literal
paths such as ``/fields/{name}/`` win over ``/{object_type}/{object_id}/``.
"""

from __future__ import annotations

from fastapi import APIRouter

from assetbridge_sandbox.iconik.metadata_schema import build_schema_router
from assetbridge_sandbox.iconik.metadata_values import build_values_router
from assetbridge_sandbox.iconik.state import IconikState


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()
    router.include_router(build_schema_router(state))
    router.include_router(build_values_router(state))
    return router

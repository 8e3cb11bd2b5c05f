"""iconik emulator: the assets service (``/API/assets/v1/``), assembled from one module per area.

assets (``asset_routes``), versions (``asset_versions``), relations (``asset_relations``), collections,
the delete queue, shares, approvals, segments and custom actions, plus the control endpoint that clicks a
custom action.
"""

from __future__ import annotations

from fastapi import APIRouter

from assetbridge_sandbox.iconik import (
    approvals,
    asset_relations,
    asset_routes,
    asset_versions,
    collections,
    custom_actions,
    delete_queue,
    segments,
    shares,
)
from assetbridge_sandbox.iconik.state import IconikState


def build_router(state: IconikState) -> APIRouter:
    router = APIRouter()
    # Literal paths before the /{object_type}/{object_id}/ shapes of shares and approvals.
    for module in (
        delete_queue,
        asset_routes,
        asset_versions,
        asset_relations,
        segments,
        collections,
        custom_actions,
    ):
        router.include_router(module.build_router(state))
    router.include_router(approvals.build_router(state))
    router.include_router(shares.build_router(state))
    router.include_router(custom_actions.build_control_router(state))
    return router

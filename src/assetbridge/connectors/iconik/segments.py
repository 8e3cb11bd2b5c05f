"""Segments — comments, markers — (reference §6.4) and custom actions (reference §6.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import CustomAction, Segment
from assetbridge.connectors.iconik.requests import (
    CustomActionContext,
    CustomActionCreate,
    SegmentCreate,
    SegmentType,
    SegmentUpdate,
)
from assetbridge.transport.pagination import iter_next_url

SEGMENTS = "/API/assets/v1/assets/{asset_id}/segments/"
SEGMENT = "/API/assets/v1/assets/{asset_id}/segments/{segment_id}/"
ACTIONS = "/API/assets/v1/custom_actions/"
ACTIONS_IN = "/API/assets/v1/custom_actions/{context}/"
ACTION = "/API/assets/v1/custom_actions/{context}/{action_id}/"


class SegmentsAPI(IconikBase):
    async def create_segment(self, asset_id: str, segment: SegmentCreate) -> Segment:
        return await self._model(
            Segment, "POST", SEGMENTS, body=segment.body(), idempotent=False, asset_id=asset_id
        )

    async def get_segment(self, asset_id: str, segment_id: str) -> Segment:
        return await self._model(Segment, "GET", SEGMENT, asset_id=asset_id, segment_id=segment_id)

    async def update_segment(self, asset_id: str, segment_id: str, changes: SegmentUpdate) -> Segment:
        return await self._model(
            Segment, "PATCH", SEGMENT, body=changes.body(), asset_id=asset_id, segment_id=segment_id
        )

    async def delete_segment(self, asset_id: str, segment_id: str) -> None:
        await self._call("DELETE", SEGMENT, asset_id=asset_id, segment_id=segment_id)

    async def iter_segments(
        self,
        asset_id: str,
        *,
        segment_type: SegmentType | None = None,
        version_id: str | None = None,
        per_page: int = 100,
    ) -> AsyncIterator[Segment]:
        params = {"per_page": per_page, "segment_type": segment_type, "version_id": version_id}

        async def first() -> dict[str, Any]:
            return dict(await self._json("GET", SEGMENTS, params=params, asset_id=asset_id) or {})

        async for item in iter_next_url(first, self._follow):
            yield Segment.model_validate(item)

    async def create_custom_action(self, action: CustomActionCreate) -> CustomAction:
        return await self._model(
            CustomAction, "POST", ACTIONS_IN, body=action.body(), idempotent=False, context=action.context
        )

    async def list_custom_actions(self, context: CustomActionContext | None = None) -> list[CustomAction]:
        if context is None:
            data = await self._json("GET", ACTIONS)
        else:
            data = await self._json("GET", ACTIONS_IN, context=context)
        return [CustomAction.model_validate(o) for o in (data or {}).get("objects", [])]

    async def get_custom_action(self, context: CustomActionContext, action_id: str) -> CustomAction:
        return await self._model(CustomAction, "GET", ACTION, context=context, action_id=action_id)

    async def update_custom_action(self, action_id: str, action: CustomActionCreate) -> CustomAction:
        return await self._model(
            CustomAction, "PUT", ACTION, body=action.body(), context=action.context, action_id=action_id
        )

    async def delete_custom_action(self, context: CustomActionContext, action_id: str) -> None:
        await self._call("DELETE", ACTION, context=context, action_id=action_id)

"""``IconikClient``: every iconik call the eight product jobs need, on one governed HTTP session.

Use as ``async with IconikClient(IconikConfig(...)) as iconik: ...``. Service groups live in their own
modules (assets, collections, reviews, segments, metadata, files/media, search, webhooks/jobs).
"""

from __future__ import annotations

from assetbridge.connectors.iconik.assets import AssetsAPI
from assetbridge.connectors.iconik.collections import CollectionsAPI
from assetbridge.connectors.iconik.media import MediaAPI
from assetbridge.connectors.iconik.metadata import MetadataAPI
from assetbridge.connectors.iconik.reviews import ReviewsAPI
from assetbridge.connectors.iconik.segments import SegmentsAPI
from assetbridge.connectors.iconik.webhooks import JobsAPI, WebhooksAPI


class IconikClient(
    AssetsAPI, CollectionsAPI, ReviewsAPI, SegmentsAPI, MetadataAPI, MediaAPI, WebhooksAPI, JobsAPI
):
    async def __aenter__(self) -> IconikClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def check_token(self) -> bool:
        """True when iconik accepts the credentials (``GET /API/auth/v1/auth/token/``)."""
        await self._call("GET", "/API/auth/v1/auth/token/")
        return True

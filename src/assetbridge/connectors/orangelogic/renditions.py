"""Rendition URLs (``Path_<FMT>``, reference §6.2) that expire, and re-minting them.

Search hands out preview URLs that live about 10 minutes (S3 ``X-Amz-Expires=600`` on AWS tenants);
they must never be stored. ``RenditionLinks`` remembers when each URL was obtained and asks Search
again once it is within ``margin`` of its lifetime — or at once when the URL is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from assetbridge.connectors.orangelogic.errors import SYSTEM
from assetbridge.connectors.orangelogic.search import SearchApi
from assetbridge.errors import NotFoundError


@dataclass(frozen=True)
class RenditionLink:
    system_identifier: str
    format: str
    uri: str
    obtained_at: float  # RenditionLinks.clock
    width: int | None = None
    height: int | None = None


class RenditionLinks:
    def __init__(
        self,
        search: SearchApi,
        *,
        ttl_seconds: float,
        margin_seconds: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.search = search
        self.ttl = ttl_seconds
        self.margin = min(margin_seconds, ttl_seconds / 2)
        self.clock = clock
        self.minted = 0
        self._cache: dict[tuple[str, str], RenditionLink] = {}

    def expired(self, link: RenditionLink) -> bool:
        return self.clock() >= link.obtained_at + self.ttl - self.margin

    async def get(self, system_identifier: str, fmt: str, *, refresh: bool = False) -> RenditionLink:
        """A URL for ``fmt`` that has time left; NotFoundError when the asset has no such rendition."""
        key = (system_identifier.lower(), fmt.lower())
        cached = self._cache.get(key)
        if cached is not None and not refresh and not self.expired(cached):
            return cached
        obtained = self.clock()
        asset = await self.search.get(system_identifier, fields=[f"Path_{fmt}"])
        rendition = next((r for name, r in asset.renditions.items() if name.lower() == fmt.lower()), None)
        if rendition is None or not rendition.available:
            reason = rendition.warning if rendition and rendition.warning else f"format {fmt} not available"
            raise NotFoundError(SYSTEM, "Search Path_" + fmt, f"{system_identifier}: {reason}", status=200)
        self.minted += 1
        link = RenditionLink(
            system_identifier, fmt, rendition.uri, obtained, width=rendition.width, height=rendition.height
        )
        self._cache[key] = link
        return link

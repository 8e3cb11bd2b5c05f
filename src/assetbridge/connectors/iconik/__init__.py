"""iconik connector: ``IconikClient`` (async, httpx-based through ``assetbridge.transport``)."""

from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.config import IconikConfig

__all__ = ["IconikClient", "IconikConfig"]

"""Tables of the review hand-off and its approval bridge.

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

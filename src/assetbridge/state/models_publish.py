"""Tables of the Orange Logic → iconik publish and campaign flows.

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

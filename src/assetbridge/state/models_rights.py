"""Tables of rights-aware sharing (the access state of each published asset).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

"""Tables of the transfer engine (resumable OL → iconik media copies).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

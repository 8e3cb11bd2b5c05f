"""Tables of the archive flow (iconik project → Orange Logic, with checksum attestations).

Imported by ``assetbridge.state.models`` so every table shares its ``Base``."""

from __future__ import annotations

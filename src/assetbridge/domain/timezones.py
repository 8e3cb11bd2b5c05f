"""Time zone lookup (IANA names, via the standard library's zoneinfo database)."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assetbridge.errors import ConfigError


@lru_cache(maxsize=64)
def _load(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_info(name: str, *, key: str | None = None) -> ZoneInfo:
    try:
        return _load(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"unknown time zone {name!r} (use an IANA name such as 'Europe/Paris')", key=key
        ) from exc

"""Errors of the pure domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assetbridge.errors import AssetBridgeError

_MAX_SHOWN = 120


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 3] + "..."


class FieldValueError(AssetBridgeError):
    """A value one side cannot accept or that cannot be understood: never dropped silently.

    ``side`` is the side that rejects the value (the target of a write) or whose raw value could not be
    read; ``allowed`` describes what would have been accepted (a list of options or a sentence).
    """

    def __init__(
        self, field: str, side: str, value: Any, allowed: Sequence[str] | str | None, reason: str = ""
    ) -> None:
        if allowed is None:
            allowed_text = ""
        elif isinstance(allowed, str):
            allowed_text = f"; allowed: {allowed}"
        else:
            options = sorted(allowed)
            listed = ", ".join(repr(option) for option in options[:20])
            more = f" and {len(options) - 20} more" if len(options) > 20 else ""
            allowed_text = f"; allowed: {listed}{more}"
        because = f" ({reason})" if reason else ""
        super().__init__(f"field {field!r}: {side} cannot accept {_shown(value)}{because}{allowed_text}")
        self.field = field
        self.side = side
        self.value = value
        self.allowed = allowed
        self.reason = reason

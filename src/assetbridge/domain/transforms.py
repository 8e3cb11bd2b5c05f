"""Transforms between the Orange Logic meaning of a value and its canonical (iconik) meaning.

Each transform maps OL→iconik (``forward``) and has an inverse (``backward``) for iconik→OL. ``case`` and
``strip`` normalize only: their inverse is the identity, so they round-trip values already in normal form.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from assetbridge.errors import ConfigError

if TYPE_CHECKING:
    from assetbridge.domain.fieldmap import FieldSpec, Transform, ValueKind

_TEXTUAL = frozenset({"text", "select", "multiselect", "tags"})
_CASE_MODES = ("lower", "upper", "title")


def _input_kind(field: str, index: int, transform: Transform, output: ValueKind) -> ValueKind:
    """The kind a transform takes (OL side) given the kind it must produce (iconik side)."""
    key = f"fields.{field}.transforms[{index}]"
    kind = transform.kind
    if kind in ("value_map", "case", "strip"):
        if output not in _TEXTUAL:
            raise ConfigError(f"{kind} applies to text, select or multi-values, not {output}", key=key)
        return output
    if kind == "date_format":
        if output not in ("date", "datetime"):
            raise ConfigError(f"date_format produces a date or datetime, but the field is {output}", key=key)
        return "text"
    if kind == "split":
        if output not in ("multiselect", "tags"):
            raise ConfigError(f"split produces a multi-value, but the field is {output}", key=key)
        return "text"
    if kind == "join":
        if output != "text":
            raise ConfigError(f"join produces text, but the field is {output}", key=key)
        return "multiselect"
    if kind == "timezone":
        if output != "datetime":
            raise ConfigError(f"timezone applies to datetimes, but the field is {output}", key=key)
        return "datetime"
    raise ConfigError(f"unknown transform {kind!r}", key=key)  # pragma: no cover - Literal guards it


def orangelogic_kind(spec: FieldSpec) -> ValueKind:
    """The kind of the value on the Orange Logic side, before the transforms."""
    kind: ValueKind = spec.kind
    for index in range(len(spec.transforms) - 1, -1, -1):
        kind = _input_kind(spec.name, index, spec.transforms[index], kind)
    return kind


def _require_str(args: Mapping[str, Any], name: str, key: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"argument {name!r} must be a non-empty string, got {value!r}", key=key)
    return value


def check_transforms(spec: FieldSpec) -> None:
    """Reject transforms with wrong arguments or kinds, and value maps that cannot be inverted."""
    orangelogic_kind(spec)
    two_way_to_ol = spec.writes_to("orangelogic")
    for index, transform in enumerate(spec.transforms):
        key = f"fields.{spec.name}.transforms[{index}]"
        args = transform.args
        if transform.kind == "value_map":
            mapping = args.get("map")
            if not isinstance(mapping, Mapping) or not mapping:
                raise ConfigError(
                    "value_map needs a non-empty 'map' of Orange Logic → iconik values", key=key
                )
            for ol_value, iconik_value in mapping.items():
                if not isinstance(ol_value, str) or not isinstance(iconik_value, str):
                    raise ConfigError(
                        f"value_map entries must be strings, got {ol_value!r} → {iconik_value!r}", key=key
                    )
            if two_way_to_ol:
                inverse: dict[str, str] = {}
                for ol_value, iconik_value in mapping.items():
                    if iconik_value in inverse:
                        raise ConfigError(
                            f"field {spec.name!r}: value_map is not invertible: "
                            f"{inverse[iconik_value]!r} and {ol_value!r} both map to {iconik_value!r}; "
                            "make it one-to-one or make the field one way (orangelogic_to_iconik)",
                            key=key,
                        )
                    inverse[iconik_value] = ol_value
                if args.get("default") is not None:
                    raise ConfigError(
                        f"field {spec.name!r}: a value_map 'default' cannot be inverted; it is allowed only "
                        "on fields that flow orangelogic_to_iconik",
                        key=key,
                    )
            default = args.get("default")
            if default is not None and not isinstance(default, str):
                raise ConfigError(f"value_map 'default' must be a string, got {default!r}", key=key)
        elif transform.kind == "date_format":
            _require_str(args, "format", key)
        elif transform.kind in ("split", "join"):
            _require_str(args, "separator", key)
        elif transform.kind == "case":
            mode = args.get("mode")
            if mode not in _CASE_MODES:
                raise ConfigError(
                    f"case 'mode' must be one of {', '.join(_CASE_MODES)}, got {mode!r}", key=key
                )
        elif transform.kind == "timezone":
            zone = _require_str(args, "zone", key)
            from assetbridge.domain.timezones import zone_info

            zone_info(zone, key=key)

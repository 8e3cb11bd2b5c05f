"""A field's whole journey between the sides' raw values and its canonical value, with target checks.

Orange Logic raw → decode (Orange Logic kind) → transforms forward → canonical;
iconik raw → decode (field kind) → canonical; canonical → transforms backward → Orange Logic raw.
Before a raw value is produced for a side, it is checked against what that side accepts: the select
options given in ``Allowed`` (Orange Logic options in Orange Logic spelling, iconik options as
canonical values), the Orange Logic length limit, and the codecs' own rules.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import FieldSpec, Side
from assetbridge.domain.iconik_codec import decode_iconik, encode_iconik
from assetbridge.domain.orangelogic_codec import decode_orangelogic, encode_orangelogic
from assetbridge.domain.transform_steps import backward, forward
from assetbridge.domain.transforms import orangelogic_kind
from assetbridge.domain.values import Canonical


@dataclass(frozen=True)
class Allowed:
    """Select options each side accepts, per canonical field name (fields not listed are unrestricted)."""

    orangelogic: Mapping[str, Collection[str]] = field(default_factory=dict)
    iconik: Mapping[str, Collection[str]] = field(default_factory=dict)

    def options(self, side: Side, name: str) -> Collection[str] | None:
        return (self.orangelogic if side == "orangelogic" else self.iconik).get(name)


NO_LIMITS = Allowed()


def _check_options(spec: FieldSpec, side: Side, value: Canonical, options: Collection[str] | None) -> None:
    if options is None or value is None:
        return
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if str(item) not in options:
            raise FieldValueError(spec.name, side, item, sorted(options), "not one of the field's options")


def from_orangelogic(spec: FieldSpec, raw: Any) -> Canonical:
    ol_value = decode_orangelogic(spec.name, orangelogic_kind(spec), spec.multi, raw)
    return forward(spec, ol_value)


def from_iconik(spec: FieldSpec, raw: Any) -> Canonical:
    return decode_iconik(spec.name, spec.kind, spec.multi, raw)


def to_orangelogic(spec: FieldSpec, value: Canonical, allowed: Allowed = NO_LIMITS) -> str:
    ol_value = backward(spec, value)
    _check_options(spec, "orangelogic", ol_value, allowed.options("orangelogic", spec.name))
    return encode_orangelogic(spec.name, orangelogic_kind(spec), spec.multi, ol_value)


def to_iconik(spec: FieldSpec, value: Canonical, allowed: Allowed = NO_LIMITS) -> Any:
    _check_options(spec, "iconik", value, allowed.options("iconik", spec.name))
    return encode_iconik(spec.name, spec.kind, spec.multi, value, attribute=spec.iconik_attribute)


def from_side(spec: FieldSpec, side: Side, raw: Any) -> Canonical:
    return from_orangelogic(spec, raw) if side == "orangelogic" else from_iconik(spec, raw)


def to_side(spec: FieldSpec, side: Side, value: Canonical, allowed: Allowed = NO_LIMITS) -> Any:
    return to_orangelogic(spec, value, allowed) if side == "orangelogic" else to_iconik(spec, value, allowed)

"""The field map vocabulary: which canonical field lives where on each side, and how values travel.

A value's *canonical* form is the iconik-side meaning: an Orange Logic value is decoded and then passed
through the field's ``transforms`` (in order); an iconik value is decoded only. Writing to Orange Logic
applies the inverse transforms in reverse order. ``FieldSpec.kind`` is therefore the canonical (iconik)
kind; the Orange Logic kind follows from the transforms (``date_format`` turns OL text into a date, ...).

A field map that cannot work both ways (a value map that is not one-to-one on a two-way field, a
transform whose arguments are wrong, two fields with one name) is rejected when it is built, with the
field named.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from assetbridge.errors import ConfigError

Side = Literal["orangelogic", "iconik"]
Direction = Literal["both", "orangelogic_to_iconik", "iconik_to_orangelogic"]
Policy = Literal["owner_wins", "newest_wins", "manual"]
ValueKind = Literal["text", "number", "boolean", "date", "datetime", "select", "multiselect", "tags"]

SIDES: tuple[Side, ...] = ("orangelogic", "iconik")
VALUE_KINDS: tuple[ValueKind, ...] = (
    "text",
    "number",
    "boolean",
    "date",
    "datetime",
    "select",
    "multiselect",
    "tags",
)
MULTI_KINDS: frozenset[str] = frozenset({"multiselect", "tags"})


def other_side(side: Side) -> Side:
    return "iconik" if side == "orangelogic" else "orangelogic"


@dataclass(frozen=True)
class Transform:
    """One step applied OL→iconik; its inverse applies iconik→OL."""

    kind: Literal["value_map", "date_format", "split", "join", "case", "strip", "timezone"]
    args: Mapping[str, Any]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    orangelogic: str
    iconik: str
    kind: ValueKind
    direction: Direction = "both"
    owner: Side = "orangelogic"
    policy: Policy = "owner_wins"
    multi: bool = False
    transforms: tuple[Transform, ...] = ()

    def __post_init__(self) -> None:
        if not self.name:
            raise ConfigError("a field needs a name", key="fields")
        key = f"fields.{self.name}"
        if self.kind not in VALUE_KINDS:
            raise ConfigError(f"kind {self.kind!r} is not one of {', '.join(VALUE_KINDS)}", key=key)
        if not self.orangelogic:
            raise ConfigError("orangelogic field name is empty", key=key)
        if not (
            self.iconik.startswith("asset.") or self.iconik.startswith("metadata.")
        ) or self.iconik.endswith("."):
            raise ConfigError(
                f"iconik target {self.iconik!r} must be 'asset.<attribute>' or 'metadata.<field_name>'",
                key=key,
            )
        if self.direction not in ("both", "orangelogic_to_iconik", "iconik_to_orangelogic"):
            raise ConfigError(f"direction {self.direction!r} is not allowed", key=key)
        if self.owner not in SIDES:
            raise ConfigError(f"owner {self.owner!r} must be orangelogic or iconik", key=key)
        if self.policy not in ("owner_wins", "newest_wins", "manual"):
            raise ConfigError(f"policy {self.policy!r} must be owner_wins, newest_wins or manual", key=key)
        # Imported here: transforms.py needs the classes of this module.
        from assetbridge.domain.transforms import check_transforms

        check_transforms(self)

    @property
    def is_multi(self) -> bool:
        return self.multi or self.kind in MULTI_KINDS

    def writes_to(self, side: Side) -> bool:
        """Whether values may flow *into* ``side`` for this field."""
        if self.direction == "both":
            return True
        return self.direction == ("orangelogic_to_iconik" if side == "iconik" else "iconik_to_orangelogic")

    @property
    def iconik_attribute(self) -> str | None:
        """``title`` for ``asset.title``; None for a metadata field."""
        return self.iconik[len("asset.") :] if self.iconik.startswith("asset.") else None

    @property
    def iconik_metadata_field(self) -> str | None:
        """``campaign`` for ``metadata.campaign``; None for an asset attribute."""
        return self.iconik[len("metadata.") :] if self.iconik.startswith("metadata.") else None


@dataclass(frozen=True)
class FieldMap:
    fields: tuple[FieldSpec, ...]
    iconik_view: str

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for kind_of_name, names in (
            ("name", [f.name for f in self.fields]),
            ("orangelogic field", [f.orangelogic for f in self.fields]),
            ("iconik field", [f.iconik for f in self.fields]),
        ):
            seen.clear()
            for spec, value in zip(self.fields, names, strict=True):
                if value in seen:
                    raise ConfigError(
                        f"{kind_of_name} {value!r} is used by both {seen[value]!r} and {spec.name!r}",
                        key=f"fields.{spec.name}",
                    )
                seen[value] = spec.name

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

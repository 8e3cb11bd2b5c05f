from __future__ import annotations

import pytest

from assetbridge.domain import FieldMap, FieldSpec, Transform
from assetbridge.domain.transforms import orangelogic_kind
from assetbridge.errors import ConfigError


def vmap(mapping: dict[str, str], default: str | None = None) -> Transform:
    return Transform("value_map", {"map": mapping, "default": default})


def test_a_valid_map_keeps_its_fields_and_view() -> None:
    title = FieldSpec("title", "CoreField.Title", "asset.title", "text")
    rights = FieldSpec(
        "rights", "AB.Rights", "metadata.rights", "select", transforms=(vmap({"Cleared": "cleared"}),)
    )
    field_map = FieldMap((title, rights), iconik_view="AssetBridge")
    assert field_map.names == ("title", "rights")
    assert field_map.field("rights") is rights
    assert title.iconik_attribute == "title" and title.iconik_metadata_field is None
    assert rights.iconik_metadata_field == "rights" and rights.iconik_attribute is None


def test_a_non_invertible_value_map_is_rejected_naming_the_field() -> None:
    with pytest.raises(ConfigError) as info:
        FieldSpec(
            "status", "AB.Status", "metadata.status", "select", transforms=(vmap({"A": "x", "B": "x"}),)
        )
    message = str(info.value)
    assert "'status'" in message and "not invertible" in message and "'A'" in message and "'B'" in message
    assert info.value.key == "fields.status.transforms[0]"


def test_a_many_to_one_map_is_fine_on_a_one_way_field() -> None:
    spec = FieldSpec(
        "status",
        "AB.Status",
        "metadata.status",
        "select",
        direction="orangelogic_to_iconik",
        transforms=(vmap({"A": "x", "B": "x"}, default="other"),),
    )
    assert spec.transforms[0].args["default"] == "other"


def test_a_default_cannot_be_inverted_on_a_two_way_field() -> None:
    with pytest.raises(ConfigError, match="'default' cannot be inverted"):
        FieldSpec("status", "AB.Status", "metadata.status", "select", transforms=(vmap({"A": "a"}, "zzz"),))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"iconik": "title"}, "must be 'asset.<attribute>' or 'metadata.<field_name>'"),
        ({"iconik": "metadata."}, "must be 'asset.<attribute>'"),
        ({"kind": "colour"}, "kind 'colour' is not one of"),
        ({"owner": "dropbox"}, "owner 'dropbox'"),
        ({"policy": "last_wins"}, "policy 'last_wins'"),
        ({"direction": "sideways"}, "direction 'sideways'"),
        ({"orangelogic": ""}, "orangelogic field name is empty"),
    ],
)
def test_bad_specs_are_rejected_with_the_key(kwargs: dict[str, str], expected: str) -> None:
    base = {"name": "f", "orangelogic": "AB.F", "iconik": "metadata.f", "kind": "text"}
    with pytest.raises(ConfigError, match=expected) as info:
        FieldSpec(**{**base, **kwargs})  # type: ignore[arg-type]
    assert info.value.key == "fields.f"


@pytest.mark.parametrize(
    ("kind", "transform", "expected"),
    [
        ("number", vmap({"a": "b"}), "value_map applies to text"),
        ("text", Transform("date_format", {"format": "%d.%m.%Y"}), "date_format produces a date"),
        ("date", Transform("date_format", {}), "'format' must be a non-empty string"),
        ("text", Transform("split", {"separator": ","}), "split produces a multi-value"),
        ("tags", Transform("join", {"separator": ", "}), "join produces text"),
        ("text", Transform("case", {"mode": "shout"}), "case 'mode' must be one of"),
        ("date", Transform("timezone", {"zone": "Europe/Paris"}), "timezone applies to datetimes"),
        ("datetime", Transform("timezone", {"zone": "Mars/Olympus"}), "unknown time zone 'Mars/Olympus'"),
        ("select", vmap({"a": 1}), "value_map entries must be strings"),  # type: ignore[dict-item]
    ],
)
def test_bad_transforms_are_rejected(kind: str, transform: Transform, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected) as info:
        FieldSpec("f", "AB.F", "metadata.f", kind, transforms=(transform,))  # type: ignore[arg-type]
    assert info.value.key == "fields.f.transforms[0]"


def test_duplicate_names_and_targets_are_rejected() -> None:
    one = FieldSpec("a", "AB.A", "metadata.a", "text")
    with pytest.raises(ConfigError, match="name 'a' is used by both"):
        FieldMap((one, FieldSpec("a", "AB.B", "metadata.b", "text")), "v")
    with pytest.raises(ConfigError, match=r"orangelogic field 'AB\.A' is used by both 'a' and 'b'"):
        FieldMap((one, FieldSpec("b", "AB.A", "metadata.b", "text")), "v")
    with pytest.raises(ConfigError, match=r"iconik field 'metadata\.a' is used by both"):
        FieldMap((one, FieldSpec("b", "AB.B", "metadata.a", "text")), "v")


def test_the_orangelogic_kind_follows_the_transforms_backwards() -> None:
    date_text = FieldSpec(
        "d", "AB.D", "metadata.d", "date", transforms=(Transform("date_format", {"format": "%d.%m.%Y"}),)
    )
    joined = FieldSpec(
        "j", "AB.J", "metadata.j", "text", transforms=(Transform("join", {"separator": ", "}),)
    )
    split = FieldSpec("s", "AB.S", "metadata.s", "tags", transforms=(Transform("split", {"separator": ";"}),))
    assert orangelogic_kind(date_text) == "text"
    assert orangelogic_kind(joined) == "multiselect"
    assert orangelogic_kind(split) == "text"


def test_direction_decides_which_sides_are_written() -> None:
    both = FieldSpec("a", "AB.A", "metadata.a", "text")
    to_iconik = FieldSpec("a", "AB.A", "metadata.a", "text", direction="orangelogic_to_iconik")
    to_ol = FieldSpec("a", "AB.A", "metadata.a", "text", direction="iconik_to_orangelogic")
    assert both.writes_to("iconik") and both.writes_to("orangelogic")
    assert to_iconik.writes_to("iconik") and not to_iconik.writes_to("orangelogic")
    assert to_ol.writes_to("orangelogic") and not to_ol.writes_to("iconik")

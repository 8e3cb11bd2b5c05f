"""Transforms between Orange Logic and iconik meanings, through the full raw ↔ canonical pipeline."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from assetbridge.domain import (
    Allowed,
    FieldSpec,
    FieldValueError,
    Transform,
    from_iconik,
    from_orangelogic,
    to_iconik,
    to_orangelogic,
)

STATUS = FieldSpec(
    "status",
    "AB.Status",
    "metadata.status",
    "select",
    transforms=(
        Transform("value_map", {"map": {"Approved": "approved", "Rejected": "rejected", "Été": "summer"}}),
    ),
)


def spec(kind: str, *transforms: Transform, **kwargs: Any) -> FieldSpec:
    return FieldSpec("f", "AB.F", "metadata.f", kind, transforms=transforms, **kwargs)  # type: ignore[arg-type]


def test_value_map_goes_forward_and_back() -> None:
    assert from_orangelogic(STATUS, "Approved") == "approved"
    assert from_orangelogic(STATUS, {"Value": "Été"}) == "summer"
    assert to_orangelogic(STATUS, "rejected") == "Rejected"
    assert to_iconik(STATUS, "approved") == {"field_values": [{"value": "approved"}]}


def test_an_unmapped_orangelogic_value_is_rejected_with_the_allowed_values() -> None:
    with pytest.raises(FieldValueError) as info:
        from_orangelogic(STATUS, "Pending")
    error = info.value
    assert (error.field, error.side, error.value) == ("status", "iconik", "Pending")
    assert list(error.allowed or ()) == ["Approved", "Rejected", "Été"]


def test_an_unmapped_iconik_value_cannot_be_written_to_orangelogic() -> None:
    with pytest.raises(FieldValueError) as info:
        to_orangelogic(STATUS, "pending")
    assert info.value.side == "orangelogic" and sorted(info.value.allowed or ()) == [
        "approved",
        "rejected",
        "summer",
    ]


def test_value_map_applies_to_each_item_of_a_multi_value() -> None:
    rights = spec("multiselect", Transform("value_map", {"map": {"Web": "web", "TV": "broadcast"}}))
    assert from_orangelogic(rights, "TV|Web") == ("broadcast", "web")
    assert to_orangelogic(rights, ("web", "broadcast")) == "TV|Web"


def test_a_one_way_value_map_default_catches_unmapped_values() -> None:
    one_way = spec(
        "select",
        Transform("value_map", {"map": {"A": "a"}, "default": "other"}),
        direction="orangelogic_to_iconik",
    )
    assert from_orangelogic(one_way, "Z") == "other"


def test_select_options_are_enforced_on_the_side_written() -> None:
    allowed = Allowed(
        orangelogic={"status": ["Approved", "Rejected"]}, iconik={"status": ["approved", "rejected"]}
    )
    assert to_orangelogic(STATUS, "approved", allowed) == "Approved"
    with pytest.raises(FieldValueError, match="not one of the field's options") as info:
        to_orangelogic(STATUS, "summer", allowed)
    assert info.value.side == "orangelogic" and info.value.value == "Été"
    with pytest.raises(FieldValueError) as info:
        to_iconik(STATUS, "summer", allowed)
    assert info.value.side == "iconik" and list(info.value.allowed or ()) == ["approved", "rejected"]


def test_date_format_reads_an_orangelogic_text_date() -> None:
    shoot = spec("date", Transform("date_format", {"format": "%d.%m.%Y"}))
    assert from_orangelogic(shoot, "31.12.2024") == date(2024, 12, 31)
    assert to_orangelogic(shoot, date(2024, 1, 5)) == "05.01.2024"
    assert to_iconik(shoot, date(2024, 1, 5)) == {"field_values": [{"value": "2024-01-05"}]}
    with pytest.raises(FieldValueError, match=r"dates formatted %d\.%m\.%Y") as info:
        from_orangelogic(shoot, "2024-12-31")
    assert info.value.side == "orangelogic"


def test_date_format_for_datetimes() -> None:
    aired = spec("datetime", Transform("date_format", {"format": "%Y%m%d %H%M"}))
    assert from_orangelogic(aired, "20240630 2359") == datetime(2024, 6, 30, 23, 59, tzinfo=UTC)
    assert to_orangelogic(aired, datetime(2024, 6, 30, 23, 59, tzinfo=UTC)) == "20240630 2359"


def test_split_turns_orangelogic_text_into_iconik_tags_and_back() -> None:
    keywords = spec("tags", Transform("split", {"separator": ", "}))
    assert from_orangelogic(keywords, "sea, sun,  sand") == ("sand", "sea", "sun")
    assert to_orangelogic(keywords, ("sea", "sun")) == "sea, sun"
    with pytest.raises(FieldValueError, match="',' separates the joined items") as info:
        to_orangelogic(keywords, ("sea, salt", "sun"))
    assert info.value.side == "orangelogic"


def test_join_turns_orangelogic_multi_values_into_iconik_text_and_back() -> None:
    credits = spec("text", Transform("join", {"separator": "; "}))
    assert from_orangelogic(credits, "Zoë|Ana") == "Ana; Zoë"
    assert to_orangelogic(credits, "Ana; Zoë") == "Ana|Zoë"
    with pytest.raises(FieldValueError, match="';' separates the joined items") as info:
        from_orangelogic(credits, "a;b|c")
    assert info.value.side == "iconik"


def test_case_and_strip_normalize_forward_and_pass_back_unchanged() -> None:
    code = spec("text", Transform("strip", {}), Transform("case", {"mode": "upper"}))
    assert from_orangelogic(code, "  straße ") == "STRASSE"
    assert to_orangelogic(code, "ABC") == "ABC"
    lower_tags = spec("tags", Transform("case", {"mode": "lower"}))
    assert from_orangelogic(lower_tags, "Sea|SEA|Sun") == ("sea", "sun")
    title = spec("text", Transform("case", {"mode": "title"}))
    assert from_orangelogic(title, "the big sleep") == "The Big Sleep"


PARIS = Transform("timezone", {"zone": "Europe/Paris"})
NEW_YORK = Transform("timezone", {"zone": "America/New_York"})


@pytest.mark.parametrize(
    ("wall", "utc"),
    [
        ("2024-01-15T12:00:00", datetime(2024, 1, 15, 11, 0, tzinfo=UTC)),  # CET, UTC+1
        ("2024-07-15T12:00:00", datetime(2024, 7, 15, 10, 0, tzinfo=UTC)),  # CEST, UTC+2
        ("3/31/2024 1:59:59 AM", datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC)),  # just before spring-forward
        ("3/31/2024 3:00:00 AM", datetime(2024, 3, 31, 1, 0, 0, tzinfo=UTC)),  # just after
        ("12/31/2024 11:30:00 PM", datetime(2024, 12, 31, 22, 30, tzinfo=UTC)),
    ],
)
def test_timezone_reads_orangelogic_wall_time_in_the_zone(wall: str, utc: datetime) -> None:
    aired = spec("datetime", PARIS)
    assert from_orangelogic(aired, wall) == utc
    assert from_orangelogic(aired, to_orangelogic(aired, utc)) == utc


def test_timezone_writes_wall_time_across_dst() -> None:
    aired = spec("datetime", NEW_YORK)
    assert to_orangelogic(aired, datetime(2024, 3, 10, 6, 59, tzinfo=UTC)) == "2024-03-10T01:59:00"  # EST
    assert to_orangelogic(aired, datetime(2024, 3, 10, 7, 0, tzinfo=UTC)) == "2024-03-10T03:00:00"  # EDT
    assert (
        to_orangelogic(aired, datetime(2024, 1, 1, 3, 0, tzinfo=UTC)) == "2023-12-31T22:00:00"
    )  # day before


def test_the_repeated_fall_back_hour_reads_as_its_first_occurrence() -> None:
    aired = spec("datetime", NEW_YORK)
    first = datetime(2024, 11, 3, 5, 30, tzinfo=UTC)  # 01:30 EDT
    second = datetime(2024, 11, 3, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert to_orangelogic(aired, first) == to_orangelogic(aired, second) == "2024-11-03T01:30:00"
    assert from_orangelogic(aired, "2024-11-03T01:30:00") == first


def test_iconik_values_are_not_transformed_on_read() -> None:
    assert from_iconik(STATUS, {"field_values": [{"value": "Approved"}]}) == "Approved"


@pytest.mark.parametrize("empty", [None, "", []])
def test_transforms_pass_empty_values_through(empty: Any) -> None:
    for field in (
        STATUS,
        spec("date", Transform("date_format", {"format": "%d.%m.%Y"})),
        spec("tags", Transform("split", {"separator": ","})),
        spec("text", Transform("join", {"separator": ","})),
        spec("datetime", PARIS),
        spec("text", Transform("case", {"mode": "upper"})),
    ):
        assert from_orangelogic(field, empty) is None
        assert to_orangelogic(field, None) == ""

"""Orange Logic and iconik raw values ↔ canonical values, per kind."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from assetbridge.domain import FieldValueError
from assetbridge.domain.iconik_codec import decode_iconik, encode_iconik
from assetbridge.domain.orangelogic_codec import decode_orangelogic, encode_orangelogic

SCRIPTS = [
    "Ünïcödé",
    "日本語のタイトル",
    "Заголовок",
    "عنوان عربي",
    "שלום עולם",
    "हिन्दी शीर्षक",
    "ελληνικά",
    "한국어 제목",
    "ไทย",
    "emoji 🎬🎞️",
]


@pytest.mark.parametrize("text", SCRIPTS)
def test_text_in_every_script_survives_both_sides(text: str) -> None:
    assert decode_orangelogic("f", "text", False, text) == text
    assert decode_iconik("f", "text", False, {"field_values": [{"value": text}]}) == text
    assert encode_orangelogic("f", "text", False, text) == text
    assert encode_iconik("f", "text", False, text, attribute=None) == {"field_values": [{"value": text}]}


def test_text_is_nfc_normalized_so_decomposed_accents_equal_composed_ones() -> None:
    decomposed = "Cafe\u0301"
    assert decode_orangelogic("f", "text", False, decomposed) == "Caf\u00e9"
    assert decode_iconik("f", "text", False, [decomposed]) == "Caf\u00e9"


@pytest.mark.parametrize("raw", [None, "", [], {"Value": ""}, [{"Value": ""}]])
def test_empty_orangelogic_values_are_none(raw: Any) -> None:
    assert decode_orangelogic("f", "text", False, raw) is None
    assert decode_orangelogic("f", "tags", False, raw) is None
    assert decode_orangelogic("f", "date", False, raw) is None


@pytest.mark.parametrize("raw", [None, {"field_values": []}, [], {"field_values": [{"value": ""}]}])
def test_empty_iconik_values_are_none(raw: Any) -> None:
    assert decode_iconik("f", "text", False, raw) is None
    assert decode_iconik("f", "multiselect", False, raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        "Summer|Été|夏",
        " Summer | Été|夏 ",
        [{"Value": "夏"}, {"Value": "Summer"}, {"Value": "Été"}],
        [{"KeywordText": "Été"}, {"KeywordText": "夏"}, {"KeywordText": "Summer"}],
        ["Summer|Été", "夏", "Summer"],
    ],
)
def test_orangelogic_multi_values_in_every_spelling_are_one_set(raw: Any) -> None:
    assert decode_orangelogic("f", "tags", False, raw) == ("Summer", "Été", "夏")


def test_multi_values_are_order_insensitive_and_deduplicated_on_iconik() -> None:
    one = decode_iconik(
        "f", "multiselect", False, {"field_values": [{"value": "b"}, {"value": "a"}, {"value": "b"}]}
    )
    assert one == decode_iconik("f", "multiselect", False, ["a", "b"]) == ("a", "b")


def test_multi_values_encode_pipe_joined_for_orangelogic_and_as_field_values_for_iconik() -> None:
    assert encode_orangelogic("f", "tags", False, ("a", "b c")) == "a|b c"
    assert encode_iconik("f", "tags", False, ("a", "b c"), attribute=None) == {
        "field_values": [{"value": "a"}, {"value": "b c"}]
    }
    assert encode_orangelogic("f", "tags", False, None) == ""
    assert encode_iconik("f", "tags", False, None, attribute=None) == {"field_values": []}


def test_a_pipe_inside_a_multi_value_item_is_an_error_not_a_silent_split() -> None:
    with pytest.raises(FieldValueError) as info:
        encode_orangelogic("campaign", "tags", False, ("Rock|Pop", "Jazz"))
    error = info.value
    assert (error.field, error.side, error.value) == ("campaign", "orangelogic", "Rock|Pop")
    assert "'|' separates Orange Logic multi-values" in str(error)


def test_a_pipe_in_a_single_value_text_is_fine() -> None:
    assert encode_orangelogic("f", "text", False, "A|B") == "A|B"
    assert decode_orangelogic("f", "text", False, "A|B") == "A|B"


def test_orangelogic_values_are_capped_at_2048_characters() -> None:
    assert len(encode_orangelogic("f", "text", False, "é" * 2048)) == 2048
    with pytest.raises(FieldValueError, match="at most 2048 characters") as info:
        encode_orangelogic("caption", "text", False, "x" * 2049)
    assert info.value.side == "orangelogic" and info.value.field == "caption"
    with pytest.raises(FieldValueError, match="2049 characters"):
        encode_orangelogic("f", "tags", False, ("x" * 1024, "y" * 1024))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3/1/2024 1:05:09 PM", datetime(2024, 3, 1, 13, 5, 9, tzinfo=UTC)),
        ("12/31/2023 12:00:00 AM", datetime(2023, 12, 31, 0, 0, tzinfo=UTC)),
        ("12/31/2023 12:30:00 PM", datetime(2023, 12, 31, 12, 30, tzinfo=UTC)),
        ("2019-05-02T19:46:45", datetime(2019, 5, 2, 19, 46, 45, tzinfo=UTC)),
        ("2019-05-02T19:46:45Z", datetime(2019, 5, 2, 19, 46, 45, tzinfo=UTC)),
        ("2019-05-02 19:46:45Z", datetime(2019, 5, 2, 19, 46, 45, tzinfo=UTC)),
        ("2019-05-02T21:46:45+02:00", datetime(2019, 5, 2, 19, 46, 45, tzinfo=UTC)),
        ("2019-05-02T19:46:45.987", datetime(2019, 5, 2, 19, 46, 45, tzinfo=UTC)),
    ],
)
def test_orangelogic_datetimes_in_locale_and_iso_forms(raw: str, expected: datetime) -> None:
    assert decode_orangelogic("f", "datetime", False, raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3/1/2024", date(2024, 3, 1)),
        ("3/1/2024 12:00:00 AM", date(2024, 3, 1)),
        ("2024-03-01", date(2024, 3, 1)),
        ("2024-03-01T00:00:00", date(2024, 3, 1)),
    ],
)
def test_orangelogic_dates(raw: str, expected: date) -> None:
    assert decode_orangelogic("f", "date", False, raw) == expected


def test_dates_encode_in_the_datatable_spelling_and_iconik_iso() -> None:
    moment = datetime(2024, 7, 1, 22, 15, 0, tzinfo=UTC)
    assert encode_orangelogic("f", "date", False, date(2024, 7, 1)) == "2024-07-01"
    assert encode_orangelogic("f", "datetime", False, moment) == "2024-07-01T22:15:00"
    assert encode_iconik("f", "date", False, date(2024, 7, 1), attribute=None) == {
        "field_values": [{"value": "2024-07-01"}]
    }
    assert encode_iconik("f", "datetime", False, moment, attribute=None) == {
        "field_values": [{"value": "2024-07-01T22:15:00+00:00"}]
    }


def test_iconik_datetimes_with_offsets_become_utc_and_drop_fractions() -> None:
    decoded = decode_iconik("f", "datetime", False, [{"value": "2024-10-27T02:30:00.123456+02:00"}])
    assert decoded == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    assert decode_iconik("f", "datetime", False, ["2024-10-27T02:30:00"]) == datetime(
        2024, 10, 27, 2, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("kind", ["date", "datetime"])
def test_an_unreadable_date_is_an_error_naming_the_side(kind: str) -> None:
    with pytest.raises(FieldValueError, match=f"not a valid {kind}") as info:
        decode_orangelogic("shoot", kind, False, "next tuesday")  # type: ignore[arg-type]
    assert info.value.side == "orangelogic"
    with pytest.raises(FieldValueError) as info:
        decode_iconik("shoot", kind, False, ["31/02/2024"])  # type: ignore[arg-type]
    assert info.value.side == "iconik"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("False", False), (True, True), (False, False), ("1", True), ("0", False)],
)
def test_booleans(raw: Any, expected: bool) -> None:
    assert decode_orangelogic("f", "boolean", False, raw) is expected
    assert decode_iconik("f", "boolean", False, [{"value": raw}]) is expected


def test_booleans_encode_per_side() -> None:
    assert encode_orangelogic("f", "boolean", False, True) == "true"
    assert encode_orangelogic("f", "boolean", False, False) == "false"
    assert encode_iconik("f", "boolean", False, False, attribute=None) == {"field_values": [{"value": False}]}
    with pytest.raises(FieldValueError, match="true or false"):
        decode_orangelogic("f", "boolean", False, "maybe")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("42", Decimal(42)),
        ("1.50", Decimal("1.5")),
        (1.5, Decimal("1.5")),
        (100, Decimal(100)),
        ("-0", Decimal(0)),
    ],
)
def test_numbers_are_normalized_decimals(raw: Any, expected: Decimal) -> None:
    value = decode_orangelogic("f", "number", False, raw)
    assert value == expected and str(value) == str(expected)
    assert decode_iconik("f", "number", False, [{"value": raw}]) == expected


def test_numbers_encode_as_text_for_orangelogic_and_typed_for_iconik() -> None:
    assert encode_orangelogic("f", "number", False, Decimal(100)) == "100"
    assert encode_orangelogic("f", "number", False, Decimal("0.25")) == "0.25"
    assert encode_iconik("f", "number", False, Decimal(100), attribute=None) == {
        "field_values": [{"value": 100}]
    }
    assert encode_iconik("f", "number", False, Decimal("0.25"), attribute=None) == {
        "field_values": [{"value": 0.25}]
    }


def test_a_number_iconik_cannot_hold_exactly_is_an_error() -> None:
    with pytest.raises(FieldValueError, match="15 significant digits") as info:
        encode_iconik("price", "number", False, Decimal("0.12345678901234567890"), attribute=None)
    assert info.value.side == "iconik"


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "12 apples", True])
def test_not_a_number(raw: Any) -> None:
    with pytest.raises(FieldValueError, match="not a valid number"):
        decode_orangelogic("f", "number", False, raw)


def test_several_values_for_a_single_value_field_is_an_error() -> None:
    with pytest.raises(FieldValueError, match="several values for a single-value field"):
        decode_iconik("f", "text", False, {"field_values": [{"value": "a"}, {"value": "b"}]})


def test_a_single_value_in_a_v4_object_is_read() -> None:
    assert decode_orangelogic("f", "select", False, {"Value": "Public"}) == "Public"
    assert decode_orangelogic("f", "select", False, [{"Value": "Public"}]) == "Public"


def test_an_unknown_value_shape_is_an_error_not_a_guess() -> None:
    with pytest.raises(FieldValueError, match="unknown value shape"):
        decode_orangelogic("f", "text", False, {"Label": "x"})
    with pytest.raises(FieldValueError, match="unknown value shape"):
        decode_iconik("f", "text", False, {"values": ["x"]})


def test_asset_attributes_are_plain_values_and_the_title_cannot_be_emptied() -> None:
    assert encode_iconik("title", "text", False, "Tour Eiffel", attribute="title") == "Tour Eiffel"
    assert decode_iconik("title", "text", False, "Tour Eiffel") == "Tour Eiffel"
    assert encode_iconik("desc", "text", False, None, attribute="description") is None
    with pytest.raises(FieldValueError, match=r"iconik requires asset\.title"):
        encode_iconik("title", "text", False, None, attribute="title")
    with pytest.raises(FieldValueError, match="holds one value"):
        encode_iconik("kw", "tags", False, ("a", "b"), attribute="description")

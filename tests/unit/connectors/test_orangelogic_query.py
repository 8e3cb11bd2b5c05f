from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from assetbridge.connectors.orangelogic.query import (
    after,
    before,
    between,
    field,
    matches,
    one_of,
    quote,
    raw,
    text,
)


def test_plain_words_stay_bare_and_everything_else_is_quoted() -> None:
    assert quote("Public") == "Public"
    assert quote("ABR1001") == "ABR1001"
    assert quote("Red carpet") == '"Red carpet"'
    assert quote("16:9") == '"16:9"'
    assert quote("a(b)") == '"a(b)"'
    assert quote("x*") == '"x*"'


def test_keywords_are_quoted_so_they_stay_values() -> None:
    assert quote("AND") == '"AND"'
    assert quote("or") == '"or"'
    assert str(field("Title", "NOT")) == 'Title:"NOT"'


def test_double_quote_cannot_be_smuggled_into_a_phrase() -> None:
    with pytest.raises(ValueError, match="double quote"):
        field("Title", 'a" OR Title:"b')


def test_combining_with_operators_and_precedence() -> None:
    q = field("Purpose", "Public") & field("MediaType", "Video") & ~field("Title", "draft copy")
    assert str(q) == 'Purpose:Public AND MediaType:Video AND NOT Title:"draft copy"'
    either = field("MediaType", "Video") | field("MediaType", "Audio")
    assert (
        str(either & field("Campaign", "Spring"))
        == "(MediaType:Video OR MediaType:Audio) AND Campaign:Spring"
    )
    both = field("A", "1") & field("B", "2")
    assert str(both | field("C", "3")) == "(A:1 AND B:2) OR C:3"
    assert str(~either) == "NOT (MediaType:Video OR MediaType:Audio)"


def test_one_of_groups_values_under_one_criterion() -> None:
    assert str(one_of("Keyword", ["Flower", "Autumn leaves"])) == 'Keyword:(Flower OR "Autumn leaves")'
    assert str(one_of("Keyword", ["Flower"])) == "Keyword:Flower"
    with pytest.raises(ValueError):
        one_of("Keyword", [])


def test_dates_are_rendered_in_utc_with_inclusive_operators() -> None:
    when = datetime(2024, 5, 1, 12, 30, 15, 999, tzinfo=timezone(timedelta(hours=2)))
    assert str(after("EditDate", when)) == 'EditDate>:"2024-05-01T10:30:15"'
    assert str(before("MediaDate", date(2020, 12, 31))) == "MediaDate<:2020-12-31"
    assert str(between("MediaDate", date(2020, 1, 1), datetime(2020, 2, 1, tzinfo=UTC))) == (
        'MediaDate>:2020-01-01 AND MediaDate<:"2020-02-01T00:00:00"'
    )


def test_wildcards_only_through_matches() -> None:
    assert str(matches("OriginalFileName", "*abc*")) == "OriginalFileName:*abc*"
    assert str(field("OriginalFileName", "*abc*")) == 'OriginalFileName:"*abc*"'
    with pytest.raises(ValueError):
        matches("OriginalFileName", "a b*")


def test_field_names_and_empty_values_are_checked() -> None:
    with pytest.raises(ValueError, match="criterion"):
        field("Title:x", "y")
    with pytest.raises(ValueError):
        field("Title", "")
    assert str(field("Keyword(Common)", "x")) == "Keyword(Common):x"


def test_raw_scope_is_grouped_and_text_searches_everything() -> None:
    scope = raw("MediaType:Video OR MediaType:Audio")
    assert (
        str(scope & field("Purpose", "Public")) == "(MediaType:Video OR MediaType:Audio) AND Purpose:Public"
    )
    assert str(text("red carpet")) == 'Text:"red carpet"'

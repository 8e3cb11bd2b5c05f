"""The Orange Logic search-language parser and matcher (pure, no server)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetbridge_sandbox.orangelogic.search_query import (
    And,
    Lookup,
    MatchAll,
    Not,
    Or,
    QuerySyntaxError,
    Term,
    matches,
    parse_query,
    tokenize,
)


def test_official_example_parses_with_precedence() -> None:
    node = parse_query(
        "keyword:(Flower OR Flowers) Autumn AND (CoreField.Description:sunlit NOT cold)"
        " AND (DocType:Image OR Video)"
    )
    assert isinstance(node, And)
    first, second, third, fourth = node.items
    assert first == Or((Term("keyword", ":", "Flower"), Term("keyword", ":", "Flowers")))
    assert second == Term(None, ":", "Autumn")
    assert third == And((Term("CoreField.Description", ":", "sunlit"), Not(Term(None, ":", "cold"))))
    assert fourth == Or((Term("DocType", ":", "Image"), Term(None, ":", "Video")))


def test_phrases_wildcards_dates_and_colons_in_values() -> None:
    assert parse_query('Text:"Red carpet" AND Cannes') == And(
        (Term("Text", ":", "Red carpet", phrase=True), Term(None, ":", "Cannes"))
    )
    assert parse_query("CoreField.OriginalFileName:*abc*") == Term("CoreField.OriginalFileName", ":", "*abc*")
    assert parse_query("EditDate>:2020-01-01T10:00:00") == Term("EditDate", ">:", "2020-01-01T10:00:00")
    assert parse_query("Format:16:9") == Term("Format", ":", "16:9")
    assert parse_query("   ") == MatchAll()
    assert [t.kind for t in tokenize('a (b) "c d" OR NOT')] == [
        "WORD",
        "LPAREN",
        "WORD",
        "RPAREN",
        "PHRASE",
        "OR",
        "NOT",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("(a OR b", "Missing closing parenthesis"),
        ("a AND", "search term is missing"),
        ("Title:", "has no value"),
        ('a "b', "Unterminated quoted phrase"),
        (") a", "Unexpected ')'"),
        ("OR a", "Unexpected 'OR'"),
        ("EditDate>:yesterday", "not a valid date"),
    ],
)
def test_malformed_queries_raise_with_position(query: str, message: str) -> None:
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse_query(query)


def _record(values: dict[str | None, list[str | datetime]]) -> Lookup:
    return lambda name: values.get(name.lower() if name else None, [])


def test_matcher_semantics() -> None:
    lookup = _record(
        {
            "title": ["London Bridge at night"],
            None: ["London Bridge at night", "ABR1001"],
            "editdate": [datetime(2026, 3, 5, 12, 0, tzinfo=UTC)],
        }
    )
    assert matches(parse_query("Title:london"), lookup)
    assert matches(parse_query("Title:(London AND Bridge)"), lookup)
    assert not matches(parse_query("Title:Lond"), lookup)  # whole words only
    assert matches(parse_query("Title:Lond*"), lookup)
    assert matches(parse_query('Title:"bridge at night"'), lookup)
    assert not matches(parse_query('Title:"night at bridge"'), lookup)
    assert matches(parse_query("abr1001 NOT Paris"), lookup)
    assert matches(parse_query("EditDate>:2026-03-05"), lookup)
    assert matches(parse_query("EditDate<:2026-03-05"), lookup)  # whole day
    assert not matches(parse_query("EditDate>:2026-03-05T12:00:01"), lookup)
    assert not matches(parse_query("EditDate<:2026-03-04"), lookup)


PIECES = [*'ab :()"*<>-.T0123456789', " AND ", " OR ", " NOT ", "EditDate", "Title:", ">:", "<:"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=20).map("".join))
def test_any_input_parses_or_raises_a_syntax_error(text: str) -> None:
    try:
        node = parse_query(text)
    except QuerySyntaxError as exc:
        assert 0 <= exc.position <= len(text)
        return
    values: list[str | datetime] = ["a b", datetime(2026, 1, 1, tzinfo=UTC)]
    assert matches(node, lambda name: values) in (True, False)

"""A pure builder for Search query strings (reference §3.3).

The language: ``Criterion:term``, ``AND``/``OR``/``NOT`` (upper case), parentheses, double-quoted
phrases, ``*`` wildcards, and ``>:``/``<:`` comparisons on dates (``MediaDate>:2020-01-01``). Values
are always quoted when they hold anything but plain word characters, so user text can never change
the structure of a query::

    q = field("Purpose", "Public") & after("EditDate", since) & ~field("MediaType", "Folder")
    str(q)  # 'Purpose:Public AND EditDate>:"2024-05-01T10:00:00" AND NOT MediaType:Folder'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

_OR, _AND, _NOT, _ATOM = 0, 1, 2, 3
_KEYWORDS = frozenset({"AND", "OR", "NOT"})
_SAFE_TERM = re.compile(r"^[\w.\-@/+]+$")
_FIELD_NAME = re.compile(r"^[A-Za-z_][\w.\-'()]*$")


@dataclass(frozen=True)
class Query:
    """A query fragment; combine with ``&`` (AND), ``|`` (OR) and ``~`` (NOT)."""

    text: str
    precedence: int = _ATOM

    def __str__(self) -> str:
        return self.text

    def __and__(self, other: Query) -> Query:
        return all_of(self, other)

    def __or__(self, other: Query) -> Query:
        return any_of(self, other)

    def __invert__(self) -> Query:
        return not_(self)


def quote(value: str) -> str:
    """A literal term: bare when plain word characters, else a double-quoted phrase.

    Phrases have no escape character (a ``"`` always ends one), so a value holding ``"`` is refused.
    """
    if '"' in value:
        raise ValueError(f"a search value cannot contain a double quote: {value!r}")
    if _SAFE_TERM.match(value) and value.upper() not in _KEYWORDS:
        return value
    return f'"{value}"'


def _check_field(name: str) -> str:
    if not _FIELD_NAME.match(name):
        raise ValueError(f"not a search criterion name: {name!r}")
    return name


def field(name: str, value: str | int) -> Query:
    """``name:value`` with the value quoted as needed; an empty value is refused (it would match nothing)."""
    text = str(value)
    if not text:
        raise ValueError(f"empty value for search criterion {name!r}")
    return Query(f"{_check_field(name)}:{quote(text)}")


def one_of(name: str, values: Iterable[str]) -> Query:
    """``name:(a OR b OR c)``."""
    terms = [quote(str(v)) for v in values if str(v)]
    if not terms:
        raise ValueError(f"no values for search criterion {name!r}")
    if len(terms) == 1:
        return Query(f"{_check_field(name)}:{terms[0]}")
    return Query(f"{_check_field(name)}:({' OR '.join(terms)})")


def matches(name: str, pattern: str) -> Query:
    """A wildcard match such as ``OriginalFileName:*abc*``: ``*`` is the only special character allowed."""
    parts = pattern.split("*")
    if not any(parts) or not all(p == "" or _SAFE_TERM.match(p) for p in parts):
        raise ValueError(f"wildcard pattern may hold only word characters and '*': {pattern!r}")
    return Query(f"{_check_field(name)}:{pattern}")


def text(words: str) -> Query:
    """Full-text search (``Text:"..."``)."""
    return field("Text", words)


def format_date(value: date | datetime) -> str:
    """A date as Search compares it: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` in UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def after(name: str, when: date | datetime) -> Query:
    """``name>:when`` — on or after ``when``."""
    return Query(f"{_check_field(name)}>:{quote(format_date(when))}")


def before(name: str, when: date | datetime) -> Query:
    """``name<:when`` — on or before ``when``."""
    return Query(f"{_check_field(name)}<:{quote(format_date(when))}")


def between(name: str, start: date | datetime, end: date | datetime) -> Query:
    return all_of(after(name, start), before(name, end))


def raw(query: str) -> Query:
    """A query string written by a person (e.g. a scope from configuration), kept grouped as one unit."""
    stripped = query.strip()
    if not stripped:
        raise ValueError("empty query")
    return Query(f"({stripped})")


def _wrap(q: Query, min_precedence: int) -> str:
    return q.text if q.precedence >= min_precedence else f"({q.text})"


def all_of(*queries: Query) -> Query:
    parts = [q for q in queries if q.text]
    if len(parts) == 1:
        return parts[0]
    return Query(" AND ".join(_wrap(q, _AND) for q in parts), _AND)


def any_of(*queries: Query) -> Query:
    parts = [q for q in queries if q.text]
    if len(parts) == 1:
        return parts[0]
    # AND children are grouped too: tenants disagree on AND/OR precedence, parentheses never do.
    return Query(" OR ".join(_wrap(q, _NOT) for q in parts), _OR)


def not_(query: Query) -> Query:
    return Query(f"NOT {_wrap(query, _NOT)}", _NOT)

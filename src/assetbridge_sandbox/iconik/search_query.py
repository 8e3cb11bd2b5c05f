"""The query-string subset the emulator's search understands (reference §7.4, help "advanced search").

Supported: bare words and ``"phrases"`` (matched against title, description and metadata values),
``field:value``, ``field:"phrase"``, ``field:(a OR b)``, trailing/embedded wildcards ``*``/``?``,
``field:[a TO b]`` / ``{a TO b}`` ranges, ``_exists_:field``, ``AND``/``OR``/``NOT``/``!``/``-``,
parentheses, implicit AND between terms. Metadata fields are addressed by name or ``metadata.name``.
Anything it cannot parse is a 400, like the real service's query parser.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Any

from assetbridge_sandbox.iconik.common import IconikHTTPError
from assetbridge_sandbox.iconik.search_docs import field_values
from assetbridge_sandbox.iconik.search_values import in_range

Matcher = Callable[[dict[str, Any]], bool]
TOKEN = re.compile(r'\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+')
WORD = re.compile(r"\w+")
TEXT_FIELDS = ("title", "description")


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def text_matches(values: list[Any], pattern: str, *, phrase: bool) -> bool:
    needle = pattern.lower()
    for value in values:
        text = _as_text(value).lower()
        if phrase:
            if needle in text:
                return True
        elif "*" in needle or "?" in needle:
            if fnmatch.fnmatchcase(text, needle) or any(fnmatch.fnmatchcase(w, needle) for w in words(text)):
                return True
        elif text == needle or (words(needle) and set(words(needle)) <= set(words(text))):
            return True
    return False


def _free_text_values(doc: dict[str, Any]) -> list[Any]:
    values: list[Any] = [doc.get(f) for f in TEXT_FIELDS if doc.get(f)]
    for field_vals in doc.get("metadata", {}).values():
        values.extend(field_vals)
    return values


class QueryParser:
    def __init__(self, query: str) -> None:
        self.tokens = TOKEN.findall(query)
        self.pos = 0

    def parse(self) -> Matcher:
        if not self.tokens:
            return lambda doc: True
        matcher = self._or(None)
        if self.pos != len(self.tokens):
            raise self._error(f"unexpected {self.tokens[self.pos]!r}")
        return matcher

    def _error(self, message: str) -> IconikHTTPError:
        return IconikHTTPError(400, {"query": [f"Failed to parse query: {message}."]})

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> str:
        token = self._peek()
        if token is None:
            raise self._error("unexpected end of query")
        self.pos += 1
        return token

    def _or(self, field: str | None) -> Matcher:
        parts = [self._and(field)]
        while self._peek() in ("OR", "||"):
            self.pos += 1
            parts.append(self._and(field))
        return parts[0] if len(parts) == 1 else (lambda doc: any(p(doc) for p in parts))

    def _and(self, field: str | None) -> Matcher:
        parts = [self._unary(field)]
        while self._peek() not in (None, ")", "OR", "||"):
            if self._peek() in ("AND", "&&"):
                self.pos += 1
            parts.append(self._unary(field))
        return parts[0] if len(parts) == 1 else (lambda doc: all(p(doc) for p in parts))

    def _unary(self, field: str | None) -> Matcher:
        token = self._peek()
        if token in ("NOT", "!"):
            self.pos += 1
            inner = self._unary(field)
            return lambda doc: not inner(doc)
        if token is not None and len(token) > 1 and token[0] in "!-" and token[1] != "-":
            self.tokens[self.pos] = token[1:]
            inner = self._unary(field)
            return lambda doc: not inner(doc)
        return self._primary(field)

    def _primary(self, field: str | None) -> Matcher:
        tok = self._next()
        if tok == "(":
            inner = self._or(field)
            if self._next() != ")":
                raise self._error("missing ')'")
            return inner
        if tok == ")":
            raise self._error("unbalanced ')'")
        if tok.startswith('"'):
            return self._leaf(field, tok[1:-1].replace('\\"', '"'), phrase=True)
        if field is None and ":" in tok.lstrip(":"):
            name, _, rest = tok.partition(":")
            if not rest:
                return self._primary(name)
            if rest[0] in "[{":
                return self._range(name, rest)
            return self._leaf(name, rest, phrase=False)
        return self._leaf(field, tok, phrase=False)

    def _range(self, name: str, first: str) -> Matcher:
        parts = [first]
        while not parts[-1].endswith(("]", "}")):
            parts.append(self._next())
        text = " ".join(parts)
        match = re.fullmatch(r"([\[{])\s*(\S+)\s+TO\s+(\S+)\s*([\]}])", text)
        if match is None:
            raise self._error(f"bad range {text!r}")
        low, high = match.group(2), match.group(3)
        bounds = {"min": None if low == "*" else low, "max": None if high == "*" else high}
        inclusive = (match.group(1) == "[", match.group(4) == "]")
        return lambda doc: in_range(field_values(doc, name), bounds, inclusive=inclusive)

    def _leaf(self, field: str | None, pattern: str, *, phrase: bool) -> Matcher:
        if field == "_exists_":
            return lambda doc: bool(field_values(doc, pattern))
        if field is None:
            if pattern == "*":
                return lambda doc: True
            return lambda doc: text_matches(_free_text_values(doc), pattern, phrase=phrase)
        if pattern == "*":
            return lambda doc: bool(field_values(doc, field))
        return lambda doc: text_matches(field_values(doc, field), pattern, phrase=phrase)


def parse_query(query: str) -> Matcher:
    return QueryParser(query).parse()


def mentions_status(query: str) -> bool:
    return any(t.lstrip("!-").startswith("status:") for t in TOKEN.findall(query))

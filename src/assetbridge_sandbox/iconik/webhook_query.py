"""The subset of iconik's webhook ``query`` filter language the emulator evaluates (reference §8.1).

Supported: ``path OP literal`` with OP one of ``= != < > <= >=``, dotted paths into the event payload
(``operation``, ``data.status``; a list matches when any element does), literals ``"string"``,
numbers, ``true``/``false``/``null``, bare words (as strings) and ``/regex/`` (with ``=``/``!=``),
combined with ``AND``, ``OR``, parentheses and implicit AND. A query it cannot parse is rejected with
400 when the webhook is saved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]
TOKEN = re.compile(r'\(|\)|"(?:[^"\\]|\\.)*"|/(?:[^/\\]|\\.)+/|<=|>=|!=|=|<|>|[^\s()=<>!"]+')
OPERATORS = ("=", "!=", "<", ">", "<=", ">=")
_MISSING = object()


class QuerySyntaxError(ValueError):
    pass


def _literal(token: str) -> Any:
    if token.startswith('"'):
        return json.loads(token)
    if token.startswith("/") and token.endswith("/") and len(token) > 1:
        return re.compile(token[1:-1])
    lowered = token.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return int(token)
    except ValueError:
        pass
    try:
        return float(token)
    except ValueError:
        return token


def _lookup(payload: Any, path: list[str]) -> list[Any]:
    if not path:
        return payload if isinstance(payload, list) else [payload]
    if isinstance(payload, list):
        return [v for item in payload for v in _lookup(item, path)]
    if isinstance(payload, dict) and path[0] in payload:
        return _lookup(payload[path[0]], path[1:])
    return [_MISSING]


def _compare(value: Any, op: str, literal: Any) -> bool:
    if isinstance(literal, re.Pattern):
        found = isinstance(value, str) and literal.search(value) is not None
        return found if op == "=" else not found
    if value is _MISSING:
        value = None
    if op in ("=", "!="):
        if isinstance(value, bool) or isinstance(literal, bool):
            equal = isinstance(value, bool) and isinstance(literal, bool) and value == literal
        else:
            equal = bool(value == literal)
        return equal if op == "=" else not equal
    if value is None or literal is None or isinstance(value, bool) != isinstance(literal, bool):
        return False
    try:
        if op == "<":
            return bool(value < literal)
        if op == ">":
            return bool(value > literal)
        if op == "<=":
            return bool(value <= literal)
        return bool(value >= literal)
    except TypeError:
        return False


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = TOKEN.findall(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("unexpected end of query")
        self.pos += 1
        return tok

    def expr(self) -> Predicate:
        parts = [self.conj()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.conj())
        return parts[0] if len(parts) == 1 else (lambda p: any(x(p) for x in parts))

    def conj(self) -> Predicate:
        parts = [self.atom()]
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.pos += 1
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else (lambda p: all(x(p) for x in parts))

    def atom(self) -> Predicate:
        tok = self.take()
        if tok == "(":
            inner = self.expr()
            if self.take() != ")":
                raise QuerySyntaxError("missing ')'")
            return inner
        if tok in OPERATORS or tok == ")":
            raise QuerySyntaxError(f"unexpected {tok!r}")
        op = self.take()
        if op not in OPERATORS:
            raise QuerySyntaxError(f"expected a comparison after {tok!r}, got {op!r}")
        literal = _literal(self.take())
        if isinstance(literal, re.Pattern) and op not in ("=", "!="):
            raise QuerySyntaxError("a /regex/ needs = or !=")
        path = tok.split(".")

        def predicate(payload: dict[str, Any]) -> bool:
            values = _lookup(payload, path)
            if op == "!=":
                return all(_compare(v, op, literal) for v in values)
            return any(_compare(v, op, literal) for v in values)

        return predicate


def compile_query(text: str) -> Predicate:
    """A predicate over the webhook payload; ``QuerySyntaxError`` if ``text`` is not understood."""
    if not text.strip():
        return lambda payload: True
    parser = _Parser(text)
    predicate = parser.expr()
    if parser.peek() is not None:
        raise QuerySyntaxError(f"unexpected {parser.peek()!r}")
    return predicate

"""The Search API query language (reference §3.3): a tokenizer, a recursive-descent parser and a matcher.

Grammar (upper-case ``AND``/``OR``/``NOT`` only; juxtaposition means AND; ``a NOT b`` = ``a AND NOT b``)::

    query    := or_expr?
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := not_expr ("AND"? not_expr)*
    not_expr := "NOT" not_expr | primary
    primary  := "(" or_expr ")" | NAME (":" | ">:" | "<:") value | term
    value    := "(" or_expr-of-terms ")" | term        # Title:(London AND Bridge) → Title on both
    term     := WORD | "quoted phrase"                 # WORD may contain * wildcards

A bare term searches the ``Text`` criterion (all text fields). ``>:``/``<:`` compare dates inclusively
(``>:`` = on or after); a date-only bound on ``<:`` covers the whole day. The doc sentence "Title:London
AND Bridge ≡ Title:London AND Title:Bridge" is not reproduced: a bare term after a criterion is Text, as
in the official example ``keyword:(Flower OR Flowers) Autumn`` (grouping applies the criterion instead).

Pure: no I/O, no emulator state. ``matches(node, lookup)`` takes a callback returning a record's values
(strings or datetimes) for a criterion name, ``None`` meaning the bare-text criterion.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from assetbridge_sandbox.orangelogic.common import parse_date

KEYWORDS = ("AND", "OR", "NOT")


class QuerySyntaxError(ValueError):
    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # WORD | PHRASE | LPAREN | RPAREN | AND | OR | NOT
    text: str
    pos: int


@dataclass(frozen=True)
class Term:
    field: str | None
    op: str  # ":" | ">:" | "<:"
    value: str
    phrase: bool = False


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class MatchAll:
    pass


Node = Term | And | Or | Not | MatchAll


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(Token("LPAREN" if ch == "(" else "RPAREN", ch, i))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError("Unterminated quoted phrase", i)
            tokens.append(Token("PHRASE", text[i + 1 : end], i))
            i = end + 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in '()"':
                i += 1
            word = text[start:i]
            tokens.append(Token(word if word in KEYWORDS else "WORD", word, start))
    return tokens


_CRITERION = re.compile(r"^([A-Za-z_][\w.\-()]*?)(>:|<:|:)(.*)$", re.DOTALL)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def end_pos(self) -> int:
        return len(self.text)

    def parse(self) -> Node:
        if not self.tokens:
            return MatchAll()
        node = self.or_expr(None)
        extra = self.peek()
        if extra is not None:
            raise QuerySyntaxError(f"Unexpected '{extra.text}'", extra.pos)
        return node

    def or_expr(self, field: tuple[str, str] | None) -> Node:
        items = [self.and_expr(field)]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.take()
            items.append(self.and_expr(field))
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self, field: tuple[str, str] | None) -> Node:
        items = [self.not_expr(field)]
        while (tok := self.peek()) is not None and tok.kind not in ("OR", "RPAREN"):
            if tok.kind == "AND":
                self.take()
            items.append(self.not_expr(field))
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self, field: tuple[str, str] | None) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.take()
            return Not(self.not_expr(field))
        return self.primary(field)

    def primary(self, field: tuple[str, str] | None) -> Node:
        tok = self.peek()
        if tok is None:
            raise QuerySyntaxError("Incomplete query: a search term is missing", self.end_pos())
        if tok.kind == "LPAREN":
            self.take()
            node = self.or_expr(field)
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QuerySyntaxError("Missing closing parenthesis", tok.pos)
            self.take()
            return node
        if tok.kind in ("AND", "OR", "RPAREN"):
            raise QuerySyntaxError(f"Unexpected '{tok.text}'", tok.pos)
        self.take()
        if tok.kind == "PHRASE":
            name, op = field or (None, ":")
            return Term(name, op, tok.text, phrase=True)
        match = _CRITERION.match(tok.text) if field is None else None
        if match is None:
            name, op = field or (None, ":")
            return Term(name, op, tok.text)
        crit, op, rest = match.groups()
        if rest:
            return self._check(Term(crit, op, rest), tok)
        nxt = self.peek()
        if nxt is None or nxt.kind not in ("WORD", "PHRASE", "LPAREN"):
            raise QuerySyntaxError(f"The criterion '{crit}' has no value", tok.pos)
        if nxt.kind == "LPAREN":
            return self.primary((crit, op))
        self.take()
        return self._check(Term(crit, op, nxt.text, phrase=nxt.kind == "PHRASE"), nxt)

    @staticmethod
    def _check(term: Term, tok: Token) -> Term:
        if term.op != ":":
            try:
                parse_date(term.value)
            except ValueError as exc:
                raise QuerySyntaxError(
                    f"'{term.value}' is not a valid date for {term.field}{term.op}", tok.pos
                ) from exc
        return term


def parse_query(text: str) -> Node:
    return _Parser(text).parse()


def criteria(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, And | Or):
        for item in node.items:
            yield from criteria(item)
    elif isinstance(node, Not):
        yield from criteria(node.item)


_WORD_SPLIT = re.compile(r"[^\w*?]+", re.UNICODE)


def _in_order(parts: list[str], words: list[str]) -> bool:
    """``parts`` are consecutive whole words of ``words`` (a phrase never matches inside a word)."""
    n = len(parts)
    return any(words[i : i + n] == parts for i in range(len(words) - n + 1))


def _text_match(term: Term, value: str) -> bool:
    hay = value.casefold()
    needle = term.value.casefold()
    if term.phrase:
        parts = [w for w in _WORD_SPLIT.split(needle) if w]
        if not parts:
            return " ".join(needle.split()) in " ".join(hay.split())
        return _in_order(parts, [w for w in _WORD_SPLIT.split(hay) if w])
    if "*" in needle or "?" in needle:
        if fnmatch.fnmatchcase(hay, needle):
            return True
        return any(fnmatch.fnmatchcase(w, needle) for w in _WORD_SPLIT.split(hay) if w)
    if hay == needle:
        return True
    words = [w for w in _WORD_SPLIT.split(hay) if w]
    parts = [w for w in _WORD_SPLIT.split(needle) if w]
    if len(parts) <= 1:
        return needle in words
    return _in_order(parts, words)


def _date_match(term: Term, value: datetime) -> bool:
    bound = parse_date(term.value)
    date_only = len(term.value.strip().strip('"')) <= 10
    if term.op == ">:":
        return value >= bound
    if term.op == "<:":
        return value < bound + timedelta(days=1) if date_only else value <= bound
    if date_only:
        return value.date() == bound.date()
    return value == bound


Lookup = Callable[[str | None], list[str | datetime]]


def matches(node: Node, lookup: Lookup) -> bool:
    if isinstance(node, MatchAll):
        return True
    if isinstance(node, And):
        return all(matches(item, lookup) for item in node.items)
    if isinstance(node, Or):
        return any(matches(item, lookup) for item in node.items)
    if isinstance(node, Not):
        return not matches(node.item, lookup)
    for value in lookup(node.field):
        if isinstance(value, datetime):
            try:
                if _date_match(node, value):
                    return True
            except ValueError:
                continue
        elif node.op == ":" and _text_match(node, value):
            return True
    return False

"""``SearchCriteriaSchema`` (reference §7.2): validation, filter compilation, sorting, ``search_after``.

Errors are 400 ``{"errors": {"<path>": ["message"]}}`` where the path names the bad part of the body,
e.g. ``filter.terms.0.range``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from assetbridge_sandbox.iconik.common import IconikHTTPError
from assetbridge_sandbox.iconik.search_docs import field_values
from assetbridge_sandbox.iconik.search_values import (
    as_instant,
    bound_kind,
    equals,
    in_range,
    parse_timezone,
    sort_value,
)

Matcher = Callable[[dict[str, Any]], bool]
DOC_TYPES = ("assets", "collections", "segments", "saved_searches", "saved_search_groups")
OPERATORS = ("AND", "OR", "NOT")
TERM_KINDS = ("value", "value_in", "range", "exists", "missing")
DEFAULT_SORT = [{"name": "date_created", "order": "desc"}]


def bad(path: str, message: str) -> IconikHTTPError:
    return IconikHTTPError(400, {path: [message]})


def string_list(body: dict[str, Any], key: str) -> list[str] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(key, "Must be a list of strings.")
    return value


def doc_types(body: dict[str, Any]) -> list[str]:
    types = string_list(body, "doc_types")
    if not types:
        return ["assets", "collections"]
    for i, t in enumerate(types):
        if t not in DOC_TYPES:
            raise bad(f"doc_types.{i}", f"Must be one of: {', '.join(DOC_TYPES)}.")
    return types


def _term(term: Any, path: str) -> Matcher:
    if not isinstance(term, dict) or not isinstance(term.get("name"), str) or not term["name"]:
        raise bad(f"{path}.name", "Missing data for required field.")
    name: str = term["name"]
    kinds = [k for k in TERM_KINDS if term.get(k) is not None]
    if not kinds:
        raise bad(path, f"A term needs one of: {', '.join(TERM_KINDS)}.")
    checks: list[Matcher] = []
    if "value" in kinds:
        wanted = term["value"]
        if isinstance(wanted, dict | list):
            raise bad(f"{path}.value", "Not a valid string.")
        checks.append(lambda doc: equals(field_values(doc, name), wanted))
    if "value_in" in kinds:
        options = term["value_in"]
        if not isinstance(options, list) or any(isinstance(o, dict | list) for o in options):
            raise bad(f"{path}.value_in", "Must be a list of strings.")
        checks.append(lambda doc: any(equals(field_values(doc, name), o) for o in options))
    if "range" in kinds:
        checks.append(_range_term(name, term["range"], f"{path}.range"))
    for flag, want_present in (("exists", True), ("missing", False)):
        if flag in kinds:
            if not isinstance(term[flag], bool):
                raise bad(f"{path}.{flag}", "Not a valid boolean.")
            checks.append(_presence(name, want_present if term[flag] else not want_present))
    return lambda doc: all(c(doc) for c in checks)


def _presence(name: str, present: bool) -> Matcher:
    return lambda doc: bool(field_values(doc, name)) == present


def _range_term(name: str, spec: Any, path: str) -> Matcher:
    if not isinstance(spec, dict) or not (set(spec) <= {"min", "max", "timezone"}):
        raise bad(path, "Must be an object with min, max and timezone.")
    bounds = {k: spec.get(k) for k in ("min", "max")}
    for key, bound in bounds.items():
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, str | int | float)):
            raise bad(f"{path}.{key}", "Not a valid string.")
    try:
        tz = parse_timezone(spec.get("timezone"))
    except ValueError as exc:
        raise bad(f"{path}.timezone", str(exc)) from None
    if name.startswith("date") and bound_kind(bounds) != "instant" and any(bounds.values()):
        raise bad(path, "Range bounds on a date field must be ISO-8601 dates or datetimes.")
    return lambda doc: in_range(field_values(doc, name), bounds, tz=tz)


def compile_filter(spec: Any, path: str = "filter") -> Matcher:
    if not isinstance(spec, dict):
        raise bad(path, "Not a valid object.")
    operator = spec.get("operator")
    if operator not in OPERATORS:
        raise bad(f"{path}.operator", f"Must be one of: {', '.join(OPERATORS)}.")
    terms, filters = spec.get("terms") or [], spec.get("filters") or []
    if not isinstance(terms, list):
        raise bad(f"{path}.terms", "Not a valid list.")
    if not isinstance(filters, list):
        raise bad(f"{path}.filters", "Not a valid list.")
    parts = [_term(t, f"{path}.terms.{i}") for i, t in enumerate(terms)]
    parts += [compile_filter(f, f"{path}.filters.{i}") for i, f in enumerate(filters)]
    if operator == "AND":
        return lambda doc: all(p(doc) for p in parts)
    if operator == "OR":
        return lambda doc: any(p(doc) for p in parts) if parts else True
    return lambda doc: not any(p(doc) for p in parts)


def filter_names(spec: Any) -> set[str]:
    """Every term name used anywhere in a (valid) filter."""
    if not isinstance(spec, dict):
        return set()
    names = {str(t.get("name")) for t in spec.get("terms") or [] if isinstance(t, dict)}
    for nested in spec.get("filters") or []:
        names |= filter_names(nested)
    return names


def sort_spec(body: dict[str, Any]) -> list[tuple[str, bool]]:
    """``[(field name, descending)]`` from the body's ``sort`` (default: newest first)."""
    raw = body.get("sort") or DEFAULT_SORT
    if not isinstance(raw, list):
        raise bad("sort", "Not a valid list.")
    spec = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise bad(f"sort.{i}.name", "Missing data for required field.")
        order = str(item.get("order") or "asc").lower()
        if order not in ("asc", "desc"):
            raise bad(f"sort.{i}.order", "Must be one of: asc, desc.")
        spec.append((item["name"], order == "desc"))
    return spec


def sort_key(doc: dict[str, Any], spec: list[tuple[str, bool]]) -> list[Any]:
    """The document's ``_sort``: the first value of each sort field, then the id as tie-breaker."""
    key: list[Any] = []
    for name, _ in spec:
        values = field_values(doc, name)
        key.append(values[0] if values else None)
    key.append(doc.get("id"))
    return key


def _normal(value: Any) -> Any:
    instant = as_instant(value)
    return sort_value(instant.timestamp() if instant is not None else value)


def compare_keys(a: list[Any], b: list[Any], spec: list[tuple[str, bool]]) -> int:
    """Missing values sort last in either direction, as Elasticsearch's default ``_last``."""
    descending = [desc for _, desc in spec] + [False]
    for x, y, desc in zip(a, b, descending, strict=False):
        if x is None or y is None:
            if x is None and y is None:
                continue
            return 1 if x is None else -1
        nx, ny = _normal(x), _normal(y)
        if nx != ny:
            result = -1 if nx < ny else 1
            return -result if desc else result
    return 0


def sort_documents(docs: list[dict[str, Any]], spec: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    for doc in docs:
        doc["_sort"] = sort_key(doc, spec)

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        return compare_keys(a["_sort"], b["_sort"], spec)

    return sorted(docs, key=functools.cmp_to_key(compare))


def after_index(keys: Sequence[list[Any]], cursor: Any, spec: list[tuple[str, bool]]) -> int:
    """Where the hits strictly after ``search_after`` (the previous page's last ``_sort``) begin.

    ``keys`` are the hits' ``_sort`` in result order, so a binary search finds the first one past it.
    """
    if not isinstance(cursor, list) or not cursor or len(cursor) > len(spec) + 1:
        raise bad("search_after", f"Must be a list of at most {len(spec) + 1} sort values (a hit's _sort).")
    low, high = 0, len(keys)
    while low < high:
        middle = (low + high) // 2
        if compare_keys(keys[middle][: len(cursor)], cursor, spec) > 0:
            high = middle
        else:
            low = middle + 1
    return low

"""Asset searches answered from the indexes, building documents only for the page returned.

Taken when a search asks for ``assets`` only, with no query and no facets, and its filter and sort name
only asset attributes (the stored asset then answers them exactly as its document would). Candidates:
the assets carrying an ``external_id`` term's value, or those inside a ``date_modified`` range term
(both must be terms of a top-level ``AND``), else every asset; each is checked against the whole
filter. Sorted by (``date_modified``, ``id``) ascending, the index order is the result order. So a sync's
``external_id`` lookup and its "changed since" page cost about O(log n + hits), not a catalog scan.
Every other search takes the general path in ``search``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from assetbridge_sandbox.iconik.asset_store import ASSET_FIELDS
from assetbridge_sandbox.iconik.search_criteria import Matcher, compare_keys, filter_names, sort_key
from assetbridge_sandbox.iconik.search_docs import document, membership
from assetbridge_sandbox.iconik.search_index import AssetTable, ids_in, micros
from assetbridge_sandbox.iconik.search_values import as_instant, bound_kind, parse_timezone
from assetbridge_sandbox.iconik.state import IconikState

# Names a stored asset holds itself: its search document has the same values (reference §3.2).
STORED_NAMES = frozenset(ASSET_FIELDS) | {
    "id",
    "date_modified",
    "date_imported",
    "created_by_user",
    "deleted_by_user",
    "updated_by_user",
    "default_version_id",
}
INDEX_ORDERS = ([("date_modified", False)], [("date_modified", False), ("id", False)])
Spec = list[tuple[str, bool]]


class Hits(Sequence[dict[str, Any]]):
    """Search hits in result order with their ``_sort`` keys: documents, or stored items that ``build``
    turns into documents when read."""

    def __init__(
        self,
        items: Sequence[Any],
        keys: list[list[Any]],
        build: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        self.items, self.keys, self._build = items, keys, build

    def __len__(self) -> int:
        return len(self.items)

    def _doc(self, index: int) -> dict[str, Any]:
        if self._build is None:
            found: dict[str, Any] = self.items[index]
            return found
        doc = self._build(self.items[index])
        doc["_sort"] = self.keys[index]
        return doc

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [self._doc(i) for i in range(*index.indices(len(self.items)))]
        return self._doc(range(len(self.items))[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._doc(i) for i in range(len(self.items)))


def _and_terms(spec: Any) -> list[dict[str, Any]]:
    if not isinstance(spec, dict) or spec.get("operator") != "AND":
        return []
    return [t for t in spec.get("terms") or [] if isinstance(t, dict)]


def _external_id_term(terms: list[dict[str, Any]]) -> Any:
    for term in terms:
        if term.get("name") == "external_id" and term.get("value") is not None:
            return term["value"]
    return None


def _modified_range(terms: list[dict[str, Any]]) -> tuple[int | None, int | None] | None:
    """The first ``date_modified`` range term with date-time bounds, as microseconds."""
    for term in terms:
        spec = term.get("range")
        if term.get("name") != "date_modified" or not isinstance(spec, dict):
            continue
        bounds = {k: spec.get(k) for k in ("min", "max")}
        if bound_kind(bounds) != "instant":
            continue
        tz = parse_timezone(spec.get("timezone"))
        low, high = (as_instant(bounds[k], tz) if bounds[k] is not None else None for k in ("min", "max"))
        return (None if low is None else micros(low), None if high is None else micros(high))
    return None


def indexed_search(
    state: IconikState,
    *,
    types: list[str],
    query: str,
    facets: list[str],
    filter_spec: Any,
    matches: Matcher | None,
    show_deleted: bool,
    spec: Spec,
) -> Hits | None:
    """The hits, or None when this search needs the general path (see the module docstring)."""
    table = state.assets
    names = filter_names(filter_spec) | {name for name, _ in spec}
    if types != ["assets"] or query.strip() or facets or not isinstance(table, AssetTable):
        return None
    if not names <= STORED_NAMES:
        return None
    terms = _and_terms(filter_spec)
    external_id = _external_id_term(terms)
    window = None if external_id is not None else _modified_range(terms)
    ordered = spec in INDEX_ORDERS
    if external_id is not None:
        candidates = ids_in(table, sorted(table.with_external_id(external_id) | table.untracked))
        ordered = False
    elif window is not None:
        candidates = ids_in(table, table.modified_between(*window))
        if table.untracked:
            candidates += ids_in(table, sorted(table.untracked))
            ordered = False
    elif table.in_modified_order():
        candidates = ids_in(table, table.modified_between(None, None))
    else:
        candidates = list(table.items())
        ordered = False

    parents: dict[tuple[str, str], list[str]] | None = None

    def build(item: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        nonlocal parents
        if parents is None:
            parents = membership(state)
        return document(state, "assets", item[0], item[1], parents)

    hits: list[tuple[str, dict[str, Any]]] = []
    keys: list[list[Any]] = []
    for item in candidates:
        asset = item[1]
        if not show_deleted and asset.get("status") == "DELETED":
            continue
        view = asset if all(name in asset for name in names) else build(item)
        if matches is None or matches(view):
            hits.append(item)
            keys.append(sort_key(view, spec))
    if not ordered:

        def compare(a: int, b: int) -> int:
            return compare_keys(keys[a], keys[b], spec)

        order = sorted(range(len(hits)), key=functools.cmp_to_key(compare))
        hits, keys = [hits[i] for i in order], [keys[i] for i in order]
    return Hits(hits, keys, build)

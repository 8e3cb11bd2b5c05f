"""Search indexes over the emulator's assets, so the searches a sync makes don't scan the catalog.

``AssetTable`` (``IconikState.assets``) keeps two indexes current: ``external_id`` (as a filter term
compares it: lower-cased text) → asset ids, and the assets ordered by (``date_modified``, ``id``). Assets
made by ``new_asset`` are ``IndexedAsset`` dicts that report every change of their own keys to the table;
a plain dict put into the table (tests and fixtures do) is "untracked": searches always look at it, so
it may be changed in place freely.

The indexes only choose candidates; every candidate is still checked against the whole filter.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from assetbridge_sandbox.iconik.search_values import as_instant, term_text

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
OTHER_ZONE = timezone(timedelta(hours=1))

Entry = tuple[int, str]  # (date_modified in microseconds since the epoch, asset id)


def micros(instant: datetime) -> int:
    return (instant - EPOCH) // MICROSECOND


def instant_key(value: Any) -> int | None:
    """``date_modified`` as integer microseconds (the order search sorts in), None if it is not a
    date-time with an offset (one without is read in each range term's own timezone: no single order)."""
    instant = as_instant(value)
    if instant is None or as_instant(value, OTHER_ZONE) != instant:
        return None
    return micros(instant)


def external_key(value: Any) -> str | None:
    return None if value is None else term_text(value)


class IndexedAsset(dict[str, Any]):
    """An asset dict that tells its table when it changes. Copies of it are plain dicts."""

    __slots__ = ("_key", "_table")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._table: AssetTable | None = None
        self._key = ""

    def _changed(self) -> None:
        if self._table is not None:
            self._table.reindex(self._key, self)

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        self._changed()
        return value

    def pop(self, key: str, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def popitem(self) -> tuple[str, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()

    def __ior__(self, other: dict[str, Any]) -> IndexedAsset:  # type: ignore[override,misc]
        super().update(other)
        self._changed()
        return self

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(self), memo)

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


class AssetTable(dict[str, dict[str, Any]]):
    """``asset id → AssetSchema`` with the ``external_id`` and ``date_modified`` indexes."""

    def __init__(self) -> None:
        super().__init__()
        self.by_external: dict[str, set[str]] = {}
        self.by_modified: list[Entry] = []
        self.indexed: dict[str, tuple[str | None, int | None]] = {}  # id -> its keys as indexed
        self.untracked: set[str] = set()
        self.odd_dates: set[str] = set()  # tracked assets without a date-time date_modified

    # the mapping, kept in step with the indexes

    def __setitem__(self, asset_id: str, asset: dict[str, Any]) -> None:
        previous = dict.get(self, asset_id)
        if previous is not None and previous is not asset:
            self._forget(asset_id, previous)
        super().__setitem__(asset_id, asset)
        if isinstance(asset, IndexedAsset) and asset._table in (None, self):
            asset._table, asset._key = self, asset_id
            self.untracked.discard(asset_id)
            self.reindex(asset_id, asset)
        else:
            self.untracked.add(asset_id)

    def __delitem__(self, asset_id: str) -> None:
        asset = self[asset_id]
        super().__delitem__(asset_id)
        self._forget(asset_id, asset)

    def pop(self, asset_id: str, *default: Any) -> Any:
        if asset_id not in self:
            if default:
                return default[0]
            raise KeyError(asset_id)
        asset = self[asset_id]
        del self[asset_id]
        return asset

    def popitem(self) -> tuple[str, dict[str, Any]]:
        asset_id = next(reversed(self))
        return asset_id, self.pop(asset_id)

    def setdefault(self, asset_id: str, default: Any = None) -> Any:
        if asset_id not in self:
            self[asset_id] = default
        return self[asset_id]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for asset_id, asset in dict(*args, **kwargs).items():
            self[asset_id] = asset

    def clear(self) -> None:
        for asset_id in list(self):
            del self[asset_id]

    def __ior__(self, other: dict[str, dict[str, Any]]) -> AssetTable:  # type: ignore[override,misc]
        self.update(other)
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}

    def _forget(self, asset_id: str, asset: dict[str, Any]) -> None:
        self.untracked.discard(asset_id)
        self.odd_dates.discard(asset_id)
        self._unindex(asset_id)
        if isinstance(asset, IndexedAsset) and asset._table is self:
            asset._table = None

    # the indexes

    def reindex(self, asset_id: str, asset: dict[str, Any]) -> None:
        if dict.get(self, asset_id) is not asset:
            return
        keys = (external_key(asset.get("external_id")), instant_key(asset.get("date_modified")))
        if self.indexed.get(asset_id) == keys:
            return
        self._unindex(asset_id)
        external, modified = keys
        if external is not None:
            self.by_external.setdefault(external, set()).add(asset_id)
        if modified is not None:
            bisect.insort(self.by_modified, (modified, asset_id))
        else:
            self.odd_dates.add(asset_id)
        self.indexed[asset_id] = keys

    def _unindex(self, asset_id: str) -> None:
        keys = self.indexed.pop(asset_id, None)
        self.odd_dates.discard(asset_id)
        if keys is None:
            return
        external, modified = keys
        if external is not None:
            ids = self.by_external.get(external)
            if ids is not None:
                ids.discard(asset_id)
                if not ids:
                    del self.by_external[external]
        if modified is not None:
            at = bisect.bisect_left(self.by_modified, (modified, asset_id))
            if at < len(self.by_modified) and self.by_modified[at] == (modified, asset_id):
                del self.by_modified[at]

    # lookups (ids; the caller reads the assets and checks them)

    def with_external_id(self, value: Any) -> set[str]:
        return set(self.by_external.get(term_text(value), ()))

    def modified_between(self, low: int | None, high: int | None) -> Iterator[str]:
        """Tracked asset ids with ``low <= date_modified <= high`` (µs), in (date_modified, id) order."""
        start = 0 if low is None else bisect.bisect_left(self.by_modified, (low, ""))
        for modified, asset_id in self.by_modified[start:] if start else self.by_modified:
            if high is not None and modified > high:
                return
            yield asset_id

    def in_modified_order(self) -> bool:
        """Whether ``modified_between`` covers every asset with a date (nothing odd or untracked)."""
        return not self.odd_dates and not self.untracked


def track(asset: dict[str, Any]) -> IndexedAsset:
    """An ``IndexedAsset`` holding ``asset``'s items (to be put into an ``AssetTable``)."""
    return asset if isinstance(asset, IndexedAsset) else IndexedAsset(asset)


def ids_in(table: AssetTable, ids: Iterable[str]) -> list[tuple[str, dict[str, Any]]]:
    """``(id, asset)`` of the ids still in the table, in the order given."""
    return [(i, asset) for i, asset in ((i, dict.get(table, i)) for i in ids) if asset is not None]

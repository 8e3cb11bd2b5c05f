"""Search (reference §3): pages as an async iterator, and the incremental "changed since" feed (§3.6).

Paging is ``pagenumber``/``countperpage`` until a page is empty or ``GlobalInfo.NextPage`` is missing.
Page numbers shift when assets are edited during a scan, so ``changed_since`` reads every page of one
pass, de-duplicates by identifier, and re-runs the pass when it saw fewer assets than ``TotalCount``
promised. It then hands out assets in (edit time, identifier) order strictly after the cursor: the
query bound ``EditDate>:t`` is inclusive, and the identifier tie-break keeps assets edited in the same
second as the cursor from being lost or repeated.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.models import Asset, SearchPage, SyncCursor
from assetbridge.connectors.orangelogic.query import Query, after, all_of, field
from assetbridge.errors import NotFoundError, TransientError

SEARCH_PATH = "/API/Search/v4.0/Search"
BASE_FIELDS = ("SystemIdentifier", "RecordID", "Title", "MediaType", "CreateDate")
ISO_DATE_FORMAT = "yyyy-MM-ddTHH:mm:ss"
MAX_CONSISTENCY_PASSES = 3


def parse_search_page(data: dict[str, Any], page_number: int, *, edit_date_field: str) -> SearchPage:
    """One Search response (``APIResponse.GlobalInfo`` + ``Items``) as a ``SearchPage``."""
    api = data.get("APIResponse") or {}
    info = api.get("GlobalInfo") or {}
    items = api.get("Items") or []
    now = datetime.now(UTC)
    assets = [
        Asset.from_search_item(item, edit_date_field=edit_date_field, fetched_at=now)
        for item in items
        if isinstance(item, dict)
    ]
    total = info.get("TotalCount")
    return SearchPage(
        page_number=page_number,
        total_count=int(total) if isinstance(total, int | str) and str(total).isdigit() else len(assets),
        items=assets,
        has_next=bool(info.get("NextPage")) and bool(assets),
    )


class SearchApi:
    def __init__(self, core: Core) -> None:
        self.core = core

    def _fields(self, fields: Sequence[str]) -> list[str]:
        wanted = [*BASE_FIELDS, self.core.settings.edit_date_field, *fields]
        return list(dict.fromkeys(wanted))

    async def page(
        self,
        query: Query | str,
        *,
        fields: Sequence[str] = (),
        page_number: int = 1,
        page_size: int | None = None,
        sort: str | None = None,
    ) -> SearchPage:
        form = [
            ("query", str(query)),
            ("fields", ",".join(self._fields(fields))),
            ("countperpage", str(page_size or self.core.settings.search_page_size)),
            ("pagenumber", str(page_number)),
            ("DateFormat", ISO_DATE_FORMAT),
            ("format", "json"),
        ]
        if sort:
            form.append(("sort", sort))
        data = await self.core.call_json("POST", SEARCH_PATH, form=form, idempotent=True, json_format=False)
        return parse_search_page(data, page_number, edit_date_field=self.core.settings.edit_date_field)

    async def pages(
        self,
        query: Query | str,
        *,
        fields: Sequence[str] = (),
        page_size: int | None = None,
        sort: str | None = None,
    ) -> AsyncIterator[SearchPage]:
        number = 1
        while True:
            page = await self.page(query, fields=fields, page_number=number, page_size=page_size, sort=sort)
            if page.items:
                yield page
            if not page.has_next:
                return
            number += 1

    async def iterate(
        self,
        query: Query | str,
        *,
        fields: Sequence[str] = (),
        page_size: int | None = None,
        sort: str | None = None,
    ) -> AsyncIterator[Asset]:
        """Every matching asset, page after page."""
        async for page in self.pages(query, fields=fields, page_size=page_size, sort=sort):
            for asset in page.items:
                yield asset

    async def get(self, system_identifier: str, *, fields: Sequence[str] = ()) -> Asset:
        """One asset by ``SystemIdentifier`` (NotFoundError when it does not exist or is not visible)."""
        page = await self.page(field("SystemIdentifier", system_identifier), fields=fields, page_size=1)
        for asset in page.items:
            if asset.system_identifier.lower() == system_identifier.lower():
                return asset
        raise NotFoundError("orangelogic", f"POST {SEARCH_PATH}", f"asset {system_identifier} not found")

    async def changed_since(
        self,
        cursor: SyncCursor | None,
        *,
        scope: Query | None = None,
        fields: Sequence[str] = (),
        overlap: timedelta = timedelta(0),
    ) -> list[Asset]:
        """Assets edited after ``cursor``, in (edit time, identifier) order; store ``cursor_after(last)``.

        ``overlap`` widens the window backwards (background indexing is asynchronous, §3.6): assets edited
        within it before the cursor are handed out again, so consumers must be idempotent.
        """
        edit_field = self.core.settings.edit_date_field
        lower = None if cursor is None else cursor.edited_at - overlap
        parts: list[Query] = [q for q in (scope,) if q is not None]
        if lower is not None:
            parts.append(after(edit_field, lower.replace(microsecond=0)))
        query = all_of(*parts) if parts else Query("")
        seen = await self._consistent_pass(query, fields)
        floor = cursor if cursor is None or lower is None or not overlap else SyncCursor(edited_at=lower)
        fresh = [a for a in seen.values() if floor is None or floor.before(a)]
        return sorted(
            fresh, key=lambda a: (a.edit_date or datetime.min.replace(tzinfo=UTC), a.system_identifier)
        )

    async def _consistent_pass(self, query: Query, fields: Sequence[str]) -> dict[str, Asset]:
        seen: dict[str, Asset] = {}
        for _ in range(MAX_CONSISTENCY_PASSES):
            seen = {}
            first_total: int | None = None
            async for page in self.pages(query, fields=fields, sort="Oldest first"):
                first_total = page.total_count if first_total is None else first_total
                for asset in page.items:
                    seen[asset.system_identifier] = asset
            if first_total is None or len(seen) >= first_total:
                return seen
        raise TransientError(
            "orangelogic",
            f"POST {SEARCH_PATH}",
            f"results kept shifting while paging ({len(seen)} distinct assets, TotalCount said more)",
        )


def cursor_after(asset: Asset) -> SyncCursor:
    """The cursor to store once ``asset`` has been processed."""
    return SyncCursor(
        edited_at=asset.edit_date or datetime.now(UTC), system_identifier=asset.system_identifier
    )

"""Search (``POST /API/search/v1/search/``, reference §7): pages, deep scans, external_id lookups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import Asset, Page
from assetbridge.connectors.iconik.requests import SearchCriteria, SearchFilter, SearchTerm, SortSpec
from assetbridge.transport.pagination import iter_page_numbers, iter_search_after

SEARCH = "/API/search/v1/search/"


class SearchAPI(IconikBase):
    async def search_page(self, criteria: SearchCriteria, *, page: int = 1, per_page: int = 100) -> Page:
        """One page of results. A search changes nothing, so it is retried like a GET."""
        params = {
            "page": page,
            "per_page": per_page,
            "generate_signed_url": False,
            "save_search_history": False,
        }
        return await self._model(Page, "POST", SEARCH, params=params, body=criteria.body(), idempotent=True)

    async def iter_search(
        self, criteria: SearchCriteria, *, per_page: int = 100
    ) -> AsyncIterator[dict[str, Any]]:
        """Every hit, page by page (iconik stops at page 10000: use ``scan`` for full scans)."""

        async def fetch(page: int) -> dict[str, Any]:
            return (await self.search_page(criteria, page=page, per_page=per_page)).model_dump()

        async for item in iter_page_numbers(fetch):
            yield item

    async def scan(self, criteria: SearchCriteria, *, per_page: int = 500) -> AsyncIterator[dict[str, Any]]:
        """Every hit with ``search_after`` (no depth limit). ``criteria.sort`` must give a total order;
        ``id`` is appended as a tie-breaker when missing."""
        sort = list(criteria.sort or [SortSpec(name="date_modified", order="asc")])
        if not any(s.name == "id" for s in sort):
            sort.append(SortSpec(name="id", order="asc"))
        base = criteria.model_copy(update={"sort": sort})

        async def fetch(search_after: list[Any] | None) -> dict[str, Any]:
            body = base.model_copy(update={"search_after": search_after}) if search_after else base
            return (await self.search_page(body, page=1, per_page=per_page)).model_dump()

        async for item in iter_search_after(fetch, per_page=per_page):
            yield item

    async def find_assets_by_external_id(self, external_id: str) -> list[Asset]:
        """Active assets whose ``external_id`` matches (iconik has no lookup endpoint, reference §3.4)."""
        criteria = SearchCriteria(
            doc_types=["assets"],
            filter=SearchFilter(operator="AND", terms=[SearchTerm(name="external_id", value=external_id)]),
        )
        page = await self.search_page(criteria, per_page=50)
        found = [Asset.model_validate(o) for o in page.objects]
        return [a for a in found if a.external_id == external_id and a.status != "DELETED"]

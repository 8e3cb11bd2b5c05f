"""Paginators against scripted envelopes: what they ask next and when they stop."""

from __future__ import annotations

from typing import Any

from assetbridge.transport.pagination import iter_last_id, iter_next_url, iter_page_numbers, iter_search_after


async def collect(iterator: Any) -> list[Any]:
    return [item async for item in iterator]


async def test_next_url_followed_until_absent() -> None:
    pages = {
        "/p2": {"objects": [{"id": 3}, {"id": 4}], "next_url": "/p3"},
        "/p3": {"objects": [{"id": 5}], "next_url": None},
    }
    followed: list[str] = []

    async def first() -> dict[str, Any]:
        return {"objects": [{"id": 1}, {"id": 2}], "next_url": "/p2"}

    async def follow(url: str) -> dict[str, Any]:
        followed.append(url)
        return pages[url]

    items = await collect(iter_next_url(first, follow))
    assert [i["id"] for i in items] == [1, 2, 3, 4, 5]
    assert followed == ["/p2", "/p3"]


async def test_page_numbers_stop_at_pages() -> None:
    asked: list[int] = []

    async def fetch(page: int) -> dict[str, Any]:
        asked.append(page)
        return {"objects": [{"id": page}], "page": page, "pages": 3}

    assert [i["id"] for i in await collect(iter_page_numbers(fetch))] == [1, 2, 3]
    assert asked == [1, 2, 3]


async def test_last_id_cursor_passes_the_previous_last_id() -> None:
    data = [{"id": f"f{i}"} for i in range(7)]
    cursors: list[str | None] = []

    async def fetch(last_id: str | None) -> dict[str, Any]:
        cursors.append(last_id)
        start = 0 if last_id is None else [d["id"] for d in data].index(last_id) + 1
        return {"objects": data[start : start + 3]}

    items = await collect(iter_last_id(fetch, per_page=3))
    assert [i["id"] for i in items] == [d["id"] for d in data]
    assert cursors == [None, "f2", "f5"]


async def test_search_after_uses_the_last_sort_key() -> None:
    hits = [{"id": i, "_sort": [i]} for i in range(5)]
    bodies: list[Any] = []

    async def fetch(after: list[Any] | None) -> dict[str, Any]:
        bodies.append(after)
        start = 0 if after is None else after[0] + 1
        return {"objects": hits[start : start + 2]}

    items = await collect(iter_search_after(fetch, per_page=2))
    assert [i["id"] for i in items] == [0, 1, 2, 3, 4]
    assert bodies == [None, [1], [3]]

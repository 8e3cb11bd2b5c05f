"""Async iterators over iconik's three list styles (reference §2), independent of any endpoint.

Each takes a ``fetch`` coroutine that performs one call and returns the decoded envelope, so the
connector decides paths, bodies and models; these only decide *what to ask next* and *when to stop*.

- ``iter_next_url``: page-number lists whose envelope carries a relative ``next_url`` (absent or empty
  on the last page).
- ``iter_page_numbers``: the same lists when the next page must be asked for explicitly (POST search:
  the body has to be sent again with ``page`` + 1), stopping at ``pages``.
- ``iter_last_id``: cursor lists (files service, shares): ``last_id`` = id of the previous page's last
  object; a short page ends the list.
- ``iter_search_after``: deep scans; the next body's ``search_after`` is the ``_sort`` of the last hit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

Envelope = Mapping[str, Any]
Item = dict[str, Any]


def _objects(envelope: Envelope | None) -> list[Item]:
    if not envelope:
        return []
    objects = envelope.get("objects") or []
    return [o for o in objects if isinstance(o, dict)]


async def iter_next_url(
    first: Callable[[], Awaitable[Envelope]],
    follow: Callable[[str], Awaitable[Envelope]],
    *,
    max_pages: int | None = None,
) -> AsyncIterator[Item]:
    envelope = await first()
    pages = 1
    while True:
        for item in _objects(envelope):
            yield item
        next_url = envelope.get("next_url")
        if not next_url or not _objects(envelope) or (max_pages is not None and pages >= max_pages):
            return
        envelope = await follow(str(next_url))
        pages += 1


async def iter_page_numbers(
    fetch: Callable[[int], Awaitable[Envelope]],
    *,
    start: int = 1,
    max_pages: int | None = None,
) -> AsyncIterator[Item]:
    page = start
    while True:
        envelope = await fetch(page)
        objects = _objects(envelope)
        for item in objects:
            yield item
        pages = envelope.get("pages")
        if not objects or not isinstance(pages, int) or page >= pages:
            return
        if max_pages is not None and page - start + 1 >= max_pages:
            return
        page += 1


async def iter_last_id(
    fetch: Callable[[str | None], Awaitable[Envelope]],
    *,
    per_page: int,
    id_key: str = "id",
) -> AsyncIterator[Item]:
    last_id: str | None = None
    while True:
        envelope = await fetch(last_id)
        objects = _objects(envelope)
        for item in objects:
            yield item
        if len(objects) < per_page or ("next_url" in envelope and not envelope.get("next_url")):
            return
        new_last = objects[-1].get(id_key)
        if not new_last or new_last == last_id:
            return
        last_id = str(new_last)


async def iter_search_after(
    fetch: Callable[[list[Any] | None], Awaitable[Envelope]],
    *,
    per_page: int,
) -> AsyncIterator[Item]:
    search_after: list[Any] | None = None
    while True:
        envelope = await fetch(search_after)
        objects = _objects(envelope)
        for item in objects:
            yield item
        if len(objects) < per_page:
            return
        sort = objects[-1].get("_sort")
        if not isinstance(sort, list) or not sort or sort == search_after:
            return
        search_after = sort

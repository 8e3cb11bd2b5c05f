"""Collections and their contents (``/API/assets/v1/collections/``, reference §6.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import Collection, CollectionItem
from assetbridge.connectors.iconik.requests import CollectionCreate, CollectionUpdate
from assetbridge.transport.pagination import iter_next_url

COLLECTIONS = "/API/assets/v1/collections/"
COLLECTION = "/API/assets/v1/collections/{collection_id}/"
CONTENTS = "/API/assets/v1/collections/{collection_id}/contents/"

ObjectType = Literal["assets", "collections"]


class CollectionsAPI(IconikBase):
    async def create_collection(self, collection: CollectionCreate) -> Collection:
        return await self._model(Collection, "POST", COLLECTIONS, body=collection.body(), idempotent=False)

    async def get_collection(self, collection_id: str) -> Collection:
        return await self._model(Collection, "GET", COLLECTION, collection_id=collection_id)

    async def update_collection(self, collection_id: str, changes: CollectionUpdate) -> Collection:
        return await self._model(
            Collection, "PATCH", COLLECTION, body=changes.body(), collection_id=collection_id
        )

    async def delete_collection(self, collection_id: str) -> None:
        """Scheduled deletion (iconik answers 202: it happens in the background)."""
        await self._call("DELETE", COLLECTION, collection_id=collection_id)

    async def iter_collections(
        self, *, per_page: int = 100, is_root: bool | None = None
    ) -> AsyncIterator[Collection]:
        params = {"per_page": per_page, "is_root": is_root}

        async def first() -> dict[str, Any]:
            return dict(await self._json("GET", COLLECTIONS, params=params) or {})

        async for item in iter_next_url(first, self._follow):
            yield Collection.model_validate(item)

    async def iter_collection_contents(
        self,
        collection_id: str,
        *,
        object_types: list[ObjectType] | None = None,
        per_page: int = 100,
    ) -> AsyncIterator[CollectionItem]:
        params = {"per_page": per_page, "object_types": object_types}

        async def first() -> dict[str, Any]:
            return dict(await self._json("GET", CONTENTS, params=params, collection_id=collection_id) or {})

        async for item in iter_next_url(first, self._follow):
            yield CollectionItem.model_validate(item)

    async def add_to_collection(
        self, collection_id: str, object_id: str, object_type: ObjectType = "assets"
    ) -> None:
        """Adding the same object twice leaves one entry, so this is retried like a PUT."""
        await self._call(
            "POST",
            CONTENTS,
            body={"object_id": object_id, "object_type": object_type},
            idempotent=True,
            collection_id=collection_id,
        )

    async def remove_from_collection(
        self, collection_id: str, object_id: str, object_type: ObjectType = "assets"
    ) -> None:
        await self._call(
            "DELETE",
            "/API/assets/v1/collections/{collection_id}/contents/{object_type}/{object_id}/",
            collection_id=collection_id,
            object_type=object_type,
            object_id=object_id,
        )

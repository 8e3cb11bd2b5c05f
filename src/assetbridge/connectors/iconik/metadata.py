"""Metadata fields, views and values (``/API/metadata/v1/``, reference §4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import MetadataField, MetadataValues, MetadataView
from assetbridge.connectors.iconik.requests import MetadataFieldCreate, MetadataViewCreate, MetadataWrite
from assetbridge.transport.pagination import iter_last_id

FIELDS = "/API/metadata/v1/fields/"
FIELD = "/API/metadata/v1/fields/{field_name}/"
VIEWS = "/API/metadata/v1/views/"
VIEW = "/API/metadata/v1/views/{view_id}/"
VALUES = "/API/metadata/v1/{object_type}/{object_id}/views/{view_id}/"
VERSION_VALUES = "/API/metadata/v1/assets/{asset_id}/versions/{version_id}/views/{view_id}/"

MetadataObject = Literal["assets", "collections", "segments"]


class MetadataAPI(IconikBase):
    async def iter_fields(self, *, per_page: int = 500) -> AsyncIterator[MetadataField]:
        """Every field definition; the cursor is the last field's ``name`` (reference §2.2)."""

        async def fetch(last: str | None) -> dict[str, Any]:
            params = {"per_page": per_page, "last_field_name": last}
            return dict(await self._json("GET", FIELDS, params=params) or {})

        async for item in iter_last_id(fetch, per_page=per_page, id_key="name"):
            yield MetadataField.model_validate(item)

    async def get_field(self, name: str) -> MetadataField:
        return await self._model(MetadataField, "GET", FIELD, field_name=name)

    async def create_field(self, field: MetadataFieldCreate) -> MetadataField:
        return await self._model(MetadataField, "POST", FIELDS, body=field.body(), idempotent=False)

    async def delete_field(self, name: str) -> None:
        await self._call("DELETE", FIELD, field_name=name)

    async def list_views(self) -> list[MetadataView]:
        """All views (unpaginated ``{objects}``)."""
        data = await self._json("GET", VIEWS)
        return [MetadataView.model_validate(o) for o in (data or {}).get("objects", [])]

    async def get_view(self, view_id: str) -> MetadataView:
        return await self._model(MetadataView, "GET", VIEW, view_id=view_id)

    async def create_view(self, view: MetadataViewCreate) -> MetadataView:
        return await self._model(MetadataView, "POST", VIEWS, body=view.body(), idempotent=False)

    async def delete_view(self, view_id: str) -> None:
        await self._call("DELETE", VIEW, view_id=view_id)

    async def get_metadata(self, object_type: MetadataObject, object_id: str, view_id: str) -> MetadataValues:
        return await self._model(
            MetadataValues, "GET", VALUES, object_type=object_type, object_id=object_id, view_id=view_id
        )

    async def get_version_metadata(self, asset_id: str, version_id: str, view_id: str) -> MetadataValues:
        return await self._model(
            MetadataValues, "GET", VERSION_VALUES, asset_id=asset_id, version_id=version_id, view_id=view_id
        )

    async def put_metadata(
        self, object_type: MetadataObject, object_id: str, view_id: str, values: MetadataWrite
    ) -> MetadataValues:
        """Write through a view; per-field ``mode`` is overwrite (default), append or delete.

        Only overwrite writes are idempotent: a call with any ``append`` field is sent once.
        """
        appends = any(v.mode == "append" for v in values.metadata_values.values())
        return await self._model(
            MetadataValues,
            "PUT",
            VALUES,
            body=values.body(),
            idempotent=not appends,
            object_type=object_type,
            object_id=object_id,
            view_id=view_id,
        )

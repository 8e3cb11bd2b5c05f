"""Assets and versions (``/API/assets/v1/assets/``, reference §3)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import structlog

from assetbridge.connectors.iconik.models import Asset, AssetVersions, Relation
from assetbridge.connectors.iconik.requests import AssetCreate, AssetUpdate, VersionCreate
from assetbridge.connectors.iconik.search import SearchAPI
from assetbridge.errors import RateLimitedError, TransientError
from assetbridge.transport.pagination import iter_next_url

log = structlog.get_logger("assetbridge.iconik")

ASSETS = "/API/assets/v1/assets/"
ASSET = "/API/assets/v1/assets/{asset_id}/"
RELATIONS = "/API/assets/v1/assets/{asset_id}/relations/"


class AssetsAPI(SearchAPI):
    async def get_asset(self, asset_id: str, *, include_collections: bool = False) -> Asset:
        params = {"include_collections": True} if include_collections else None
        return await self._model(Asset, "GET", ASSET, params=params, asset_id=asset_id)

    async def iter_assets(self, *, per_page: int = 100, sort: str | None = None) -> AsyncIterator[Asset]:
        params = {"per_page": per_page, "sort": sort}

        async def first() -> dict[str, object]:
            return dict(await self._json("GET", ASSETS, params=params) or {})

        async for item in iter_next_url(first, self._follow):
            yield Asset.model_validate(item)

    async def create_asset(self, asset: AssetCreate) -> Asset:
        """Create an asset without ever making a duplicate.

        iconik has no idempotency keys (reference §9): a POST that failed in transit may still have
        created the asset. With an ``external_id`` the POST is retried only after a search by that
        ``external_id`` found nothing; without one it is sent exactly once.
        """
        params = {"assign_to_collection": True} if asset.collection_id else None
        if asset.external_id is None:
            return await self._model(
                Asset, "POST", ASSETS, params=params, body=asset.body(), idempotent=False
            )
        policy = self.config.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self._model(
                    Asset, "POST", ASSETS, params=params, body=asset.body(), idempotent=False
                )
            except RateLimitedError as exc:
                # refused before processing: nothing can have been created
                if policy.gives_up(attempt, exc.retry_after):
                    raise
                await self.sleep(policy.delay(attempt, exc.retry_after))
            except TransientError:
                existing = await self._created_meanwhile(asset.external_id)
                if existing is not None:
                    log.info("iconik.create_asset.recovered", asset_id=existing.id, attempt=attempt)
                    return existing
                if policy.gives_up(attempt):
                    raise
                await self.sleep(policy.delay(attempt))

    async def _created_meanwhile(self, external_id: str) -> Asset | None:
        """The asset a failed create may have made after all; search is eventually consistent, so ask
        a few times (``external_id_lookup_attempts``, ``external_id_lookup_delay`` apart)."""
        for _ in range(self.config.external_id_lookup_attempts):
            if self.config.external_id_lookup_delay:
                await self.sleep(self.config.external_id_lookup_delay)
            existing = await self.find_assets_by_external_id(external_id)
            if existing:
                return existing[0]
        return None

    async def update_asset(self, asset_id: str, changes: AssetUpdate) -> Asset:
        """PATCH only the given fields (absolute values: safe to repeat)."""
        return await self._model(Asset, "PATCH", ASSET, body=changes.body(), asset_id=asset_id)

    async def delete_asset(self, asset_id: str) -> None:
        """Soft delete (the asset goes to the delete queue)."""
        await self._call("DELETE", ASSET, asset_id=asset_id)

    async def purge_asset(self, asset_id: str) -> None:
        await self._call("DELETE", "/API/assets/v1/assets/{asset_id}/purge/", asset_id=asset_id)

    async def restore_asset(self, asset_id: str) -> None:
        await self._call("PUT", "/API/assets/v1/assets/{asset_id}/restore/", asset_id=asset_id)

    async def create_version(self, asset_id: str, request: VersionCreate | None = None) -> AssetVersions:
        """A new version (200 ``{asset_id, versions}``; there is no version list endpoint)."""
        body = (request or VersionCreate()).body()
        return await self._model(
            AssetVersions,
            "POST",
            "/API/assets/v1/assets/{asset_id}/versions/",
            body=body,
            idempotent=False,
            asset_id=asset_id,
        )

    async def promote_version(self, asset_id: str, version_id: str) -> None:
        await self._call(
            "PUT",
            "/API/assets/v1/assets/{asset_id}/versions/{version_id}/promote/",
            asset_id=asset_id,
            version_id=version_id,
        )

    async def delete_version(self, asset_id: str, version_id: str) -> None:
        await self._call(
            "DELETE",
            "/API/assets/v1/assets/{asset_id}/versions/{version_id}/",
            asset_id=asset_id,
            version_id=version_id,
        )

    async def iter_relations(self, asset_id: str, *, per_page: int = 100) -> AsyncIterator[Relation]:
        """Relations the asset is part of, either direction (``GET …/relations/``, reference §3.1)."""
        params = {"per_page": per_page}

        async def first() -> dict[str, object]:
            return dict(await self._json("GET", RELATIONS, params=params, asset_id=asset_id) or {})

        async for item in iter_next_url(first, self._follow):
            yield Relation.model_validate(item)

    async def relate_assets(self, asset_id: str, relation_type: str, related_to_asset_id: str) -> Relation:
        """Create a relation; posting the same relation again returns the existing one, so it is retried."""
        return await self._model(
            Relation,
            "POST",
            RELATIONS + "{relation_type}/{related_to_asset_id}/",
            body={},
            idempotent=True,
            asset_id=asset_id,
            relation_type=relation_type,
            related_to_asset_id=related_to_asset_id,
        )

"""Shares and approvals (``/API/assets/v1/{object_type}/{object_id}/…``, reference §6.2–§6.3)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal

from assetbridge.connectors.iconik.base import IconikBase
from assetbridge.connectors.iconik.models import Approval, ApprovalBy, Share
from assetbridge.connectors.iconik.requests import ApprovalDecision, ApprovalRequest, ShareCreate, ShareUpdate
from assetbridge.transport.pagination import iter_last_id, iter_next_url

SHARES = "/API/assets/v1/{object_type}/{object_id}/shares/"
SHARE = "/API/assets/v1/{object_type}/{object_id}/shares/{share_id}/"
APPROVAL_REQUEST = "/API/assets/v1/{object_type}/{object_id}/approvals/request/"
APPROVALS = "/API/assets/v1/{object_type}/{object_id}/approvals/"
VERSION_APPROVAL_REQUEST = "/API/assets/v1/assets/{asset_id}/versions/{version_id}/approvals/request/"

Shareable = Literal["assets", "collections"]


class ReviewsAPI(IconikBase):
    async def create_share(self, object_type: Shareable, object_id: str, share: ShareCreate) -> Share:
        """With ``emails``: an e-mailed share (202, ``url`` null); without: a share URL (200 with ``url``)."""
        template = SHARES if share.emails else SHARES + "url/"
        body = share.body()
        if not share.emails:
            body.pop("emails", None)
            body.pop("message", None)
        return await self._model(
            Share, "POST", template, body=body, idempotent=False, object_type=object_type, object_id=object_id
        )

    async def get_share(self, object_type: Shareable, object_id: str, share_id: str) -> Share:
        return await self._model(
            Share, "GET", SHARE, object_type=object_type, object_id=object_id, share_id=share_id
        )

    async def update_share(
        self, object_type: Shareable, object_id: str, share_id: str, changes: ShareUpdate
    ) -> Share:
        return await self._model(
            Share,
            "PUT",
            SHARE,
            body=changes.body(),
            object_type=object_type,
            object_id=object_id,
            share_id=share_id,
        )

    async def delete_share(self, object_type: Shareable, object_id: str, share_id: str) -> None:
        await self._call("DELETE", SHARE, object_type=object_type, object_id=object_id, share_id=share_id)

    async def iter_shares(
        self, object_type: Shareable, object_id: str, *, per_page: int = 100
    ) -> AsyncIterator[Share]:
        async def fetch(last_id: str | None) -> dict[str, Any]:
            params = {"per_page": per_page, "last_id": last_id}
            data = await self._json(
                "GET", SHARES, params=params, object_type=object_type, object_id=object_id
            )
            return dict(data or {})

        async for item in iter_last_id(fetch, per_page=per_page):
            yield Share.model_validate(item)

    async def request_approval(
        self, object_type: Shareable, object_id: str, request: ApprovalRequest
    ) -> Approval:
        return await self._model(
            Approval,
            "POST",
            APPROVAL_REQUEST,
            body=request.body(),
            idempotent=False,
            object_type=object_type,
            object_id=object_id,
        )

    async def get_approval_request(self, object_type: Shareable, object_id: str) -> Approval:
        return await self._model(
            Approval, "GET", APPROVAL_REQUEST, object_type=object_type, object_id=object_id
        )

    async def get_version_approval(self, asset_id: str, version_id: str) -> Approval:
        """The approval status of one asset version (``GET …/versions/{version_id}/approvals/request/``)."""
        return await self._model(
            Approval, "GET", VERSION_APPROVAL_REQUEST, asset_id=asset_id, version_id=version_id
        )

    async def set_approval(
        self, object_type: Shareable, object_id: str, decision: ApprovalDecision
    ) -> ApprovalBy:
        """Set the calling user's decision (``PUT …/approvals/``)."""
        return await self._model(
            ApprovalBy, "PUT", APPROVALS, body=decision.body(), object_type=object_type, object_id=object_id
        )

    async def iter_approvals(
        self, object_type: Shareable, object_id: str, *, per_page: int = 100
    ) -> AsyncIterator[ApprovalBy]:
        async def first() -> dict[str, Any]:
            params = {"per_page": per_page}
            return dict(
                await self._json(
                    "GET", APPROVALS, params=params, object_type=object_type, object_id=object_id
                )
                or {}
            )

        async for item in iter_next_url(first, self._follow):
            yield ApprovalBy.model_validate(item)

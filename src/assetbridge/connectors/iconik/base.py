"""The part of ``IconikClient`` every service module builds on: two HTTP sessions and JSON helpers.

``api`` talks to iconik with ``App-ID``/``Auth-Token``, the rate governor and retries; ``storage``
talks to the signed storage URLs iconik hands out, with no iconik headers at all (reference §5.4
step 7) and no iconik rate budget.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from assetbridge.connectors.iconik.config import IconikConfig
from assetbridge.transport.governor import RateGovernor, Sleep, make_bucket
from assetbridge.transport.http import HttpResponse, HttpSession

M = TypeVar("M", bound=BaseModel)

SYSTEM = "iconik"


class IconikBase:
    def __init__(
        self,
        config: IconikConfig,
        *,
        governor: RateGovernor | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        token = config.auth_token.get_secret_value()
        if governor is None:
            bucket = None
            if config.rate_store is not None:
                table = "iconik_" + re.sub(r"\W", "_", config.app_id)  # one budget per set of credentials
                bucket = make_bucket(config.rate, config.rate_store, table=table)
            governor = RateGovernor(config.rate, bucket=bucket, sleep=sleep, name=config.app_id)
        self.governor = governor
        self.sleep = sleep
        self.api = HttpSession(
            system=SYSTEM,
            base_url=config.api_base,
            headers={"App-ID": config.app_id, "Auth-Token": token, "Accept": "application/json"},
            secrets=[token],
            timeouts=config.timeouts,
            retry=config.retry,
            governor=self.governor,
            sleep=sleep,
            max_connections=config.max_connections,
        )
        self.storage = HttpSession(
            system=SYSTEM,
            secrets=[token],
            timeouts=config.timeouts,
            retry=config.storage_retry,
            sleep=sleep,
            max_connections=config.max_connections,
        )

    async def aclose(self) -> None:
        await self.api.aclose()
        await self.storage.aclose()

    async def _call(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        **path: str,
    ) -> HttpResponse:
        return await self.api.request(
            method, template, path_params=path, params=params, json=body, idempotent=idempotent
        )

    async def _json(
        self,
        method: str,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        **path: str,
    ) -> Any:
        response = await self._call(method, template, params=params, body=body, idempotent=idempotent, **path)
        return response.json()

    async def _model(
        self,
        model: type[M],
        method: str,
        template: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotent: bool | None = None,
        **path: str,
    ) -> M:
        data = await self._json(method, template, params=params, body=body, idempotent=idempotent, **path)
        return model.model_validate(data or {})

    async def _follow(self, next_url: str) -> Mapping[str, Any]:
        """GET a relative ``next_url`` from a list envelope (reference §2.1)."""
        response = await self.api.request("GET", url=next_url)
        data = response.json()
        return data if isinstance(data, dict) else {}

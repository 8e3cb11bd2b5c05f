"""Case-insensitive routing for both endpoint families, and error rendering per family.

Real tenants match paths case-insensitively (``/API/search/v3.0/search``, ``/api/Authentication/v2.0/Login``,
``/API/DataTable/V2.2/...``, reference §1.2), so routes are regexes compiled with ``re.IGNORECASE`` and
tried in order by one catch-all FastAPI route.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from assetbridge_sandbox.orangelogic.common import (
    Family,
    OLError,
    Params,
    json_response,
    request_info,
)
from assetbridge_sandbox.orangelogic.state import OLState, TokenInfo

# HTTP statuses a legacy call keeps even though the platform otherwise answers 200 + an error Code.
KEEP_STATUS = {401, 403, 404, 413, 416, 500, 503}


@dataclass
class Ctx:
    state: OLState
    request: Request
    params: Params
    match: re.Match[str]
    family: Family
    module: str
    resource: str
    token: TokenInfo | None = None
    muted: dict[str, str] = field(default_factory=dict)

    @property
    def version(self) -> str:
        groups = self.match.groupdict()
        return groups.get("ver") or "v1"

    @property
    def login(self) -> str:
        if self.token is None:
            return ""
        return self.state.config.login if self.token.kind != "oauth" else self.state.config.client_id

    def info(self) -> dict[str, Any]:
        minutes = max(1, self.state.config.token_ttl_seconds // 60)
        return request_info(
            self.module,
            self.version,
            self.resource,
            login=self.login if self.token else None,
            timeout_minutes=minutes,
        )

    def base_url(self) -> str:
        return str(self.request.base_url).rstrip("/")


Handler = Callable[[Ctx], Awaitable[Response]]


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    family: Family
    module: str
    handler: Handler
    auth: bool = True
    needs_json: bool = True  # legacy/DataTable: format=json required (XML is the platform default)
    keep_files: bool = False


def route(
    path: str,
    family: Family,
    module: str,
    handler: Handler,
    *,
    auth: bool = True,
    needs_json: bool | None = None,
    keep_files: bool = False,
) -> Route:
    json_required = family != "webapi" if needs_json is None else needs_json
    return Route(
        re.compile(path + r"/?$", re.IGNORECASE), family, module, handler, auth, json_required, keep_files
    )


def render_error(ctx: Ctx, err: OLError) -> Response:
    headers: dict[str, str] = {}
    if err.status == 503:
        headers["Retry-After"] = "1"
    if ctx.family == "webapi":
        return json_response(
            {"Message": err.message, "ErrorCode": err.code, **err.extra}, err.status, headers
        )
    status = err.status if err.status in KEEP_STATUS else ctx.state.config.legacy_error_status
    if ctx.family == "datatable":
        body: dict[str, Any] = {
            "APIRequestInfo": ctx.info(),
            "Response": {"ErrorList": {"ErrorDetails": err.message}},
        }
        return json_response(body, status, headers)
    return json_response(
        {
            "APIRequestInfo": ctx.info(),
            "APIResponse": {"Code": err.code, "Message": err.message, **err.extra},
        },
        status,
        headers,
    )

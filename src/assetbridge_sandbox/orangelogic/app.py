"""The Orange Logic emulator as an ASGI app: both endpoint families behind one case-insensitive router.

Request pipeline (``dispatch``): throttle (off by default) → too-long GET URL → 403 (§1.2) → route match →
parameters (query + form + JSON body, case-insensitive) → ``format=json`` check for the legacy family (XML,
the platform default, is not supported by the sandbox and gets a clear error) → token check (401 in the
family's shape) → handler. ``OLError`` raised anywhere becomes the family's error shape; any other
exception becomes a 500 in that shape (never a traceback).

Module map: ``auth`` (tokens), ``search`` + ``search_query`` (Search v3/v4), ``datatable`` (DataTable v2.2),
``renditions`` (Path_* URIs, GetDocumentAPI, getlink), ``deletions`` (deleted objects),
``uploads`` + ``multipart`` (§7), ``webhooks`` (§9.1),
``tenant`` + ``tenant.yaml`` (fields), ``seed`` (catalog loading), ``control`` (``/_sandbox/orangelogic``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from starlette.responses import Response

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.config import OrangeLogicSandboxConfig
from assetbridge_sandbox.control import common_control_router
from assetbridge_sandbox.faults import FaultInjector, FaultMiddleware
from assetbridge_sandbox.orangelogic import auth, datatable, deletions, multipart, renditions, search, uploads
from assetbridge_sandbox.orangelogic.common import OLError, Params, json_response
from assetbridge_sandbox.orangelogic.control import build_control_router
from assetbridge_sandbox.orangelogic.formstream import read_params
from assetbridge_sandbox.orangelogic.routing import Ctx, Route, render_error, route
from assetbridge_sandbox.orangelogic.state import OLState, new_state
from assetbridge_sandbox.orangelogic.throttle import Throttle
from assetbridge_sandbox.orangelogic.uploads import incoming_name
from assetbridge_sandbox.orangelogic.webhooks import WebhookHub

log = logging.getLogger(__name__)

V = r"(?P<ver>v\d+\.\d+)"
UNLIMITED = 1 << 50
UPLOAD = "/webapi/mediafile/import/upload"


async def _client_credentials(ctx: Ctx) -> Response:
    return await auth.client_credentials(ctx.state, ctx.params)


async def _oauth2_token(ctx: Ctx) -> Response:
    return await auth.oauth2_token(ctx.state, ctx.params)


async def _login(ctx: Ctx) -> Response:
    return await auth.login(ctx.state, ctx.params, ctx.version)


ROUTES: list[Route] = [
    route(
        r"/webapi/security/clientcredentialsauthentication/authenticate_46h_v1",
        "webapi",
        "Security",
        _client_credentials,
        auth=False,
    ),
    route(r"/webapi/security/oauth2/token_48i_v1", "webapi", "Security", _oauth2_token, auth=False),
    route(rf"/api/authentication/{V}/login", "legacy", "Authentication", _login, auth=False),
    route(rf"/api/search/{V}/search", "legacy", "Search", search.search),
    route(rf"/api/{V}/search/search", "legacy", "Search", search.search),
    route(
        rf"/api/datatable/{V}/(?P<obj>[^:/]+):(?P<verb>\w+)", "datatable", "DataTable", datatable.datatable
    ),
    route(
        rf"/api/{V}/datatable/(?P<obj>[^:/]+):(?P<verb>\w+)", "datatable", "DataTable", datatable.datatable
    ),
    route(
        rf"/api/uploadmedia/{V}/uploadnewmedia",
        "legacy",
        "UploadMedia",
        uploads.upload_new_media,
        keep_files=True,
    ),
    route(
        rf"/api/uploadmedia/{V}/uploadnewversion",
        "legacy",
        "UploadMedia",
        uploads.upload_new_version,
        keep_files=True,
    ),
    route(rf"{UPLOAD}/uploadmediawithurl_4c1_v1", "webapi", "Upload", uploads.upload_from_url),
    route(rf"{UPLOAD}/createtransaction_23_v1", "webapi", "Upload", multipart.create_transaction),
    route(rf"{UPLOAD}/registerassets_24_v1", "webapi", "Upload", multipart.register_assets),
    route(
        rf"{UPLOAD}/item/26_v1/(?P<item>[^/]+)", "webapi", "Upload", multipart.upload_chunk, keep_files=True
    ),
    route(rf"{UPLOAD}/complete_27_v1", "webapi", "Upload", multipart.complete),
    route(r"/webapi/objectmanagement/share/getlink_4hz_v1", "webapi", "Share", renditions.getlink),
    route(
        r"/webapi/objectmanagement/deletion/getdeletedobjects_45c_v1",
        "webapi",
        "Deletion",
        deletions.deleted_objects,
    ),
    route(r"/htm/getdocumentapi\.aspx", "legacy", "GetDocument", renditions.get_document, needs_json=False),
    route(
        r"/assets/v2/(?P<opaque>[^/]+)/[^/]+",
        "legacy",
        "Assets",
        renditions.serve_asset,
        auth=False,
        needs_json=False,
    ),
    route(
        r"/assetlink/(?P<link>[^/.]+)(?:\.\w+)?",
        "legacy",
        "AssetLink",
        renditions.serve_link,
        auth=False,
        needs_json=False,
    ),
]


def _muted(request: Request) -> dict[str, str]:
    return {
        "subscriptions": request.headers.get("x-mute-webhook-subscriptions", "")[:512],
        "topics": request.headers.get("x-mute-webhook-topics", "")[:512],
    }


async def dispatch(state: OLState, throttle: Throttle, request: Request) -> Response:
    path = request.url.path
    for candidate in ROUTES:
        match = candidate.pattern.match(path)
        if match is not None:
            break
    else:
        return json_response({"Message": f"No endpoint at {path}", "ErrorCode": "OL_ERR_001_NOTFOUND"}, 404)
    resource = path.rstrip("/").rsplit("/", 1)[-1]
    ctx = Ctx(state, request, Params(), match, candidate.family, candidate.module, resource)
    ctx.muted = _muted(request)
    try:
        if not throttle.allow():
            raise OLError(
                503, "The server cannot process API calls right now: retry later", code="SERVER_BUSY"
            )
        if request.method == "GET" and len(str(request.url)) > state.config.max_get_url_chars:
            raise OLError(
                403, "The URL is too long: send the parameters in a POST form body", code="URL_TOO_LONG"
            )
        limit = state.multipart_threshold if candidate.module == "UploadMedia" else UNLIMITED
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit + 65_536:  # refuse before reading the body
            message = f"The file is larger than {limit} bytes: use the multi-part upload API"
            raise OLError(413, message, code="FILE_TOO_LARGE")
        file_dir = state.data_dir / "incoming" if candidate.keep_files else None
        ctx.params = await read_params(
            request, file_dir=file_dir, limit=limit, new_name=lambda n: incoming_name(state, n)
        )
        if candidate.needs_json and (ctx.params.get("format") or "xml").lower() != "json":
            raise OLError(
                400,
                "XML responses are not supported by the sandbox: send format=json",
                code="FORMAT_NOT_SUPPORTED",
            )
        if candidate.auth:
            ctx.token = auth.resolve_token(state, request, ctx.params)
            if ctx.token is None:
                raise OLError(
                    401,
                    "You are not authenticated. Log in or renew your token and retry.",
                    code="NOT_AUTHENTICATED",
                )
        return await candidate.handler(ctx)
    except OLError as err:
        if candidate.family == "webapi" and err.code == "NOT_AUTHENTICATED":
            err.code = "OL_ERR_002_NOTALLOWED"
        return render_error(ctx, err)
    except Exception as exc:  # a sandbox bug must still answer in the family's shape
        log.exception("orangelogic sandbox error on %s", path)
        return render_error(ctx, OLError(500, f"Internal sandbox error: {type(exc).__name__}", code="ERROR"))


def _error_body(status: int, message: str) -> tuple[bytes, str]:
    body = {
        "APIResponse": {"Code": "ERROR", "Message": message},
        "Message": message,
        "ErrorCode": "SERVER_ERROR",
    }
    return json.dumps(body).encode(), "application/json"


def create_app(
    config: OrangeLogicSandboxConfig, clock: SandboxClock, *, data_dir: Any, fault_seed: int = 0
) -> tuple[Any, OLState]:
    """Build the emulator; returns (ASGI app wrapped in fault injection, its state)."""
    state = new_state(config, clock, Path(data_dir), seed=fault_seed)
    hub = WebhookHub(state)
    throttle = Throttle(config.throttle_per_second)
    injector = FaultInjector(list(config.faults), seed=fault_seed)
    app = FastAPI(title="Orange Logic sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.orangelogic = state
    app.state.webhooks = hub
    app.include_router(common_control_router("orangelogic", injector, clock))
    app.include_router(build_control_router(state, hub, throttle))

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "DELETE", "HEAD"], include_in_schema=False)
    async def _all(request: Request) -> Response:
        return await dispatch(state, throttle, request)

    return FaultMiddleware(app, injector, error_body=_error_body, base_latency_ms=config.latency_ms), state

"""Authentication (reference §2): client credentials, OAuth2 token, legacy Login v1.0/v2.0, token lookup.

Tokens are accepted as ``Authorization: Bearer``, as a ``token`` parameter in any case (query, form or an
HTTP header of that name) and as the session cookie set by Login. As on real tenants, any one valid
credential among them is enough ("an invalid token while a valid cookie is in effect" is accepted, §2.3).
OAuth tokens expire ``token_ttl_seconds`` after issue on the sandbox clock; Login tokens are sliding
sessions of the same length (``TimeoutPeriodMinutes``); the account's non-expiring bearer token
(``static_bearer_token``) never expires unless revoked through the control API.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from assetbridge_sandbox.orangelogic.common import OLError, Params, json_response, request_info
from assetbridge_sandbox.orangelogic.state import OLState, TokenInfo

SESSION_COOKIE = "OLSandboxSession"


def timeout_minutes(state: OLState) -> int:
    return max(1, state.config.token_ttl_seconds // 60)


def resolve_token(state: OLState, request: Request, params: Params) -> TokenInfo | None:
    candidates: list[str] = []
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        candidates.append(auth[7:].strip())
    token = params.get("token")
    if token:
        candidates.append(token)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        candidates.append(cookie)
    for candidate in candidates:
        info = state.check_token(candidate)
        if info is not None:
            return info
    return None


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


def _client_ok(state: OLState, params: Params) -> bool:
    return _same(params.get("client_id"), state.config.client_id) and _same(
        params.get("client_secret"), state.config.client_secret
    )


def _token_body(state: OLState, info: TokenInfo, refresh: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "access_token": info.token,
        "token_type": "Bearer",
        "expires_in": state.config.token_ttl_seconds,
    }
    if refresh:
        body["refresh_token"] = refresh
    return body


def _invalid_client() -> OLError:
    return OLError(
        401, "Invalid client credentials", code="OL_ERR_002_NOTALLOWED", extra={"error": "invalid_client"}
    )


async def client_credentials(state: OLState, params: Params) -> Response:
    grant = (params.get("grant_type") or "client_credentials").lower()
    if grant != "client_credentials":
        raise OLError(400, f"Unsupported grant_type '{grant}'", extra={"error": "unsupported_grant_type"})
    if not _client_ok(state, params):
        raise _invalid_client()
    info = state.issue_token("oauth", state.config.token_ttl_seconds)
    return json_response(_token_body(state, info))


async def oauth2_token(state: OLState, params: Params) -> Response:
    """``token_48I_v1``: ``authorization_code`` (codes minted by the control API), ``refresh_token``
    (the refresh token in ``code``, reference §2.2) and ``client_credentials`` (NY Phil's usage)."""
    if not _client_ok(state, params):
        raise _invalid_client()
    grant = (params.get("grant_type") or "authorization_code").lower()
    code = params.get("code") or params.get("refresh_token") or ""
    if grant == "client_credentials":
        return json_response(_token_body(state, state.issue_token("oauth", state.config.token_ttl_seconds)))
    if grant == "authorization_code":
        if code not in state.auth_codes:
            raise OLError(
                400, "The authorization code is invalid or expired", extra={"error": "invalid_grant"}
            )
        state.auth_codes.discard(code)
        refresh = state.new_token()
        state.refresh_tokens[refresh] = "oauth"
        info = state.issue_token("oauth", state.config.token_ttl_seconds)
        return json_response(_token_body(state, info, refresh))
    if grant == "refresh_token":
        if code not in state.refresh_tokens:
            raise OLError(400, "The refresh token is invalid or expired", extra={"error": "invalid_grant"})
        info = state.issue_token("oauth", state.config.token_ttl_seconds)
        return json_response(_token_body(state, info, code))
    raise OLError(400, f"Unsupported grant_type '{grant}'", extra={"error": "unsupported_grant_type"})


async def login(state: OLState, params: Params, version: str) -> Response:
    user = params.get("login") or ""
    if not (_same(user, state.config.login) and _same(params.get("password"), state.config.password)):
        raise OLError(401, "Invalid login or password", code="INVALID_LOGIN")
    ttl = state.config.token_ttl_seconds
    info = state.issue_token("login", ttl, sliding=True)
    head = request_info(
        "Authentication", version, "Login", login=user, timeout_minutes=timeout_minutes(state), params=params
    )
    inner: dict[str, Any] = {"Code": "SUCCESS", "Token": info.token}
    if version.startswith("v2"):
        if params.flag("IncludeUserEmail"):
            inner["UserEmail"] = f"{user}@sandbox.invalid"
        payload: dict[str, Any] = {"APIRequestInfo": head, "APIResponse": {"Response": inner}}
    else:
        payload = {"APIRequestInfo": head, "APIResponse": inner}
    response = json_response(payload)
    response.set_cookie(SESSION_COOKIE, info.token, httponly=True, max_age=ttl)
    return response

"""Tokens for one tenant: fetched when first needed, renewed before expiry and once after a 401.

Modes and endpoints (reference §2): client credentials ``authenticate_46H_v1`` and OAuth2
``token_48I_v1`` answer ``{access_token, expires_in[, refresh_token]}`` and are sent as
``Authorization: Bearer``; the legacy login (``/API/Authentication/v2.0/Login``) answers a token inside
the envelope, valid ``TimeoutPeriodMinutes`` after the *last* call (a sliding session), and travels as a
``token=`` parameter; a non-expiring bearer token is used as is. Tokens are bound to one server, so a
401 may come at any time ("re-authenticate once and retry", §2.5). No token ever reaches a log line:
the manager hands its current secrets to the caller for redaction.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from assetbridge.connectors.orangelogic.errors import SYSTEM, raise_for_envelope
from assetbridge.connectors.orangelogic.settings import (
    BearerAuth,
    ClientCredentialsAuth,
    LoginAuth,
    OAuth2Auth,
    OrangeLogicSettings,
)
from assetbridge.errors import ApiError, AuthError
from assetbridge.transport.http import HttpSession

CLIENT_CREDENTIALS_PATH = "/webapi/security/clientcredentialsauthentication/authenticate_46H_v1"
OAUTH2_TOKEN_PATH = "/webapi/security/oauth2/token_48I_v1"  # noqa: S105 - a path, not a secret
LOGIN_PATH = "/API/Authentication/v2.0/Login"
FORM = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
# expires_in is not always sent (§12 q6); assume the shortest lifetime seen in the wild.
DEFAULT_EXPIRES_IN = 3600.0


@dataclass
class Token:
    value: str
    expires_at: float | None  # None: never expires
    sliding_seconds: float | None = None


class TokenManager:
    def __init__(
        self, settings: OrangeLogicSettings, session: HttpSession, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings
        self.session = session
        self.clock = clock
        self.fetches = 0
        self.rejections = 0  # 401s answered by fetching a new token
        self._token: Token | None = None
        self._refresh_token: str | None = None
        self._lock = asyncio.Lock()
        auth = settings.auth
        if isinstance(auth, OAuth2Auth) and auth.refresh_token is not None:
            self._refresh_token = auth.refresh_token.get_secret_value()

    @property
    def uses_query_token(self) -> bool:
        return isinstance(self.settings.auth, LoginAuth)

    @property
    def renewable(self) -> bool:
        return not isinstance(self.settings.auth, BearerAuth)

    def secrets(self) -> list[str]:
        """Every secret this manager knows, for redaction of free text."""
        found = [self._token.value if self._token else "", self._refresh_token or ""]
        auth = self.settings.auth
        if isinstance(auth, ClientCredentialsAuth | OAuth2Auth):
            found.append(auth.client_secret.get_secret_value())
        if isinstance(auth, LoginAuth):
            found.append(auth.password.get_secret_value())
        if isinstance(auth, BearerAuth):
            found.append(auth.token.get_secret_value())
        return [s for s in found if s]

    def _fresh(self, token: Token) -> bool:
        if token.expires_at is None:
            return True
        return self.clock() < token.expires_at - self.settings.refresh_margin_seconds

    async def token(self) -> str:
        """A token valid for at least ``refresh_margin_seconds`` more, fetched or renewed if needed."""
        current = self._token
        if current is not None and self._fresh(current):
            return current.value
        async with self._lock:
            if self._token is None or not self._fresh(self._token):
                self._token = await self._fetch()
            return self._token.value

    async def renew_after_rejection(self, rejected: str) -> str:
        """The server refused ``rejected`` (401): fetch a new token once, shared by concurrent callers."""
        if not self.renewable:
            raise AuthError(SYSTEM, "authenticate", "the non-expiring bearer token was rejected", status=401)
        async with self._lock:
            if self._token is None or self._token.value == rejected:
                self.rejections += 1
                self._token = await self._fetch()
            return self._token.value

    def used(self) -> None:
        """A call succeeded: a sliding login session lives on from now."""
        token = self._token
        if token is not None and token.sliding_seconds is not None:
            token.expires_at = self.clock() + token.sliding_seconds

    def request_auth(self, token: str) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, query parameters) that carry ``token``."""
        if self.uses_query_token:
            return {}, {"token": token}
        return {"Authorization": f"Bearer {token}"}, {}

    async def _post_form(self, path: str, form: Mapping[str, str], call: str) -> Any:
        response = await self.session.request(
            "POST", path, content=urlencode(form).encode(), headers=FORM, idempotent=True
        )
        try:
            return response.json()
        except ValueError:
            raise AuthError(
                SYSTEM, call, "the token endpoint did not answer JSON", status=response.status
            ) from None

    async def _fetch(self) -> Token:
        self.fetches += 1
        auth = self.settings.auth
        now = self.clock()
        if isinstance(auth, BearerAuth):
            return Token(auth.token.get_secret_value(), None)
        if isinstance(auth, LoginAuth):
            return await self._login(auth, now)
        if isinstance(auth, ClientCredentialsAuth):
            form = {
                "grant_type": "client_credentials",
                "client_id": auth.client_id,
                "client_secret": auth.client_secret.get_secret_value(),
            }
            data = await self._post_form(CLIENT_CREDENTIALS_PATH, form, f"POST {CLIENT_CREDENTIALS_PATH}")
            return self._oauth_token(data, now, f"POST {CLIENT_CREDENTIALS_PATH}")
        form = {"client_id": auth.client_id, "client_secret": auth.client_secret.get_secret_value()}
        if self._refresh_token:
            form |= {"grant_type": "refresh_token", "code": self._refresh_token}
        elif auth.authorization_code is not None:
            form |= {"grant_type": "authorization_code", "code": auth.authorization_code.get_secret_value()}
        else:
            form |= {"grant_type": "client_credentials"}
        data = await self._post_form(OAUTH2_TOKEN_PATH, form, f"POST {OAUTH2_TOKEN_PATH}")
        token = self._oauth_token(data, now, f"POST {OAUTH2_TOKEN_PATH}")
        refresh = data.get("refresh_token") or data.get("refreshToken")
        if isinstance(refresh, str) and refresh:
            self._refresh_token = refresh
        return token

    def _oauth_token(self, data: Any, now: float, call: str) -> Token:
        if not isinstance(data, dict):
            raise AuthError(SYSTEM, call, "the token endpoint answered no JSON object")
        value = data.get("access_token") or data.get("accessToken")
        if not isinstance(value, str) or not value:
            raise AuthError(SYSTEM, call, "the token endpoint answered no access_token")
        expires_in = data.get("expires_in", data.get("expiresInSeconds"))
        try:
            lifetime = float(expires_in) if expires_in is not None else DEFAULT_EXPIRES_IN
        except (TypeError, ValueError):
            lifetime = DEFAULT_EXPIRES_IN
        return Token(value, now + lifetime)

    async def _login(self, auth: LoginAuth, now: float) -> Token:
        call = f"POST {LOGIN_PATH}"
        form = {"Login": auth.login, "Password": auth.password.get_secret_value(), "format": "json"}
        data = await self._post_form(LOGIN_PATH, form, call)
        try:
            raise_for_envelope(call, data)
        except ApiError as exc:
            raise AuthError(SYSTEM, call, "login refused", status=401, detail=exc.message) from None
        api = data.get("APIResponse", {})
        inner = api.get("Response") if isinstance(api.get("Response"), dict) else api
        value = inner.get("Token") if isinstance(inner, dict) else None
        if not isinstance(value, str) or not value:
            raise AuthError(SYSTEM, call, "the login answer holds no Token")
        minutes = data.get("APIRequestInfo", {}).get("TimeoutPeriodMinutes")
        seconds = float(minutes) * 60 if isinstance(minutes, int | float) else DEFAULT_EXPIRES_IN
        return Token(value, now + seconds, sliding_seconds=seconds)

"""The authenticated call every Orange Logic API module goes through.

Adds the token (header or ``token=``), always asks for JSON (``format=json``: legacy calls default to
XML, §1.2), posts parameters as a form body (long GET URLs get a 403), retries once with a new token
after a 401, and turns 2xx bodies that still report a failure into errors. Retries of transient
failures happen in ``HttpSession`` and only for calls marked ``idempotent``.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from assetbridge.connectors.orangelogic.auth import TokenManager
from assetbridge.connectors.orangelogic.errors import SYSTEM, raise_for_envelope
from assetbridge.connectors.orangelogic.settings import OrangeLogicSettings
from assetbridge.errors import AuthError, ValidationError
from assetbridge.transport.http import HttpResponse, HttpSession, StreamResponse

Pairs = Sequence[tuple[str, str]]
FORM_TYPE = "application/x-www-form-urlencoded"


class Core:
    def __init__(self, settings: OrangeLogicSettings, session: HttpSession, auth: TokenManager) -> None:
        self.settings = settings
        self.session = session
        self.auth = auth

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        form: Pairs | None = None,
        content: bytes | Callable[[], AsyncIterable[bytes]] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool,
        json_format: bool = True,
    ) -> HttpResponse:
        """One authenticated call; ``form`` pairs are posted url-encoded (repeated keys allowed).

        A streamed ``content`` is given as a factory, so the body can be produced again for the one
        re-send after a 401.
        """
        body: Any = content
        send_headers = {"Accept": "application/json", **(headers or {})}
        if form is not None:
            body = urlencode(list(form)).encode()
            send_headers["Content-Type"] = FORM_TYPE
        query = {**(params or {})}
        if json_format:
            query.setdefault("format", "json")
        token = await self.auth.token()
        self.session.secrets = tuple(self.auth.secrets())
        try:
            response = await self._send(method, path, query, body, send_headers, token, idempotent)
        except AuthError as exc:
            if exc.status != 401 or not self.auth.renewable:
                raise
            token = await self.auth.renew_after_rejection(token)
            response = await self._send(method, path, query, body, send_headers, token, idempotent)
        self.auth.used()
        return response

    async def _send(
        self,
        method: str,
        path: str,
        query: dict[str, Any],
        body: Any,
        headers: dict[str, str],
        token: str,
        idempotent: bool,
    ) -> HttpResponse:
        auth_headers, auth_params = self.auth.request_auth(token)
        return await self.session.request(
            method,
            path,
            params={**query, **auth_params},
            content=body() if callable(body) else body,
            headers={**headers, **auth_headers},
            idempotent=idempotent,
        )

    async def call_json(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """``call`` then parse; a 2xx body that reports a failure raises (legacy ``Code``, ``ErrorList``)."""
        response = await self.call(method, path, **kwargs)
        try:
            data = response.json()
        except ValueError:
            raise ValidationError(
                SYSTEM, f"{method} {path}", "the response is not JSON", status=response.status
            ) from None
        raise_for_envelope(f"{method} {path}", data, response.status)
        assert isinstance(data, dict)
        return data

    @asynccontextmanager
    async def stream(
        self, url: str, *, headers: Mapping[str, str] | None = None, authenticated: bool
    ) -> AsyncIterator[StreamResponse]:
        """Open a download. Only URLs on the tenant's host get the token; CDN/signed URLs never do."""
        token = await self.auth.token() if authenticated else None
        for attempt in (1, 2):
            send = dict(headers or {})
            target = url
            if token is not None:
                auth_headers, auth_params = self.auth.request_auth(token)
                send |= auth_headers
                if auth_params:
                    target += ("&" if "?" in target else "?") + urlencode(auth_params)
            opened = False
            try:
                async with self.session.stream("GET", target, headers=send, ok_statuses=(206,)) as response:
                    opened = True
                    yield response
                    return
            except AuthError as exc:
                if opened or token is None or attempt == 2 or exc.status != 401 or not self.auth.renewable:
                    raise
                token = await self.auth.renew_after_rejection(token)

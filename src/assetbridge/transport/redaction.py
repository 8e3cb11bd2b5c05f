"""Removing secrets from anything that may reach a log line, an error message or the state database.

Tokens travel in headers (iconik ``Auth-Token``, Orange Logic ``Authorization: Bearer``), in query
strings (Orange Logic ``token=``; signed storage URLs carry ``Signature``/``X-Goog-Signature``/
``X-Amz-Signature`` and friends) and in form bodies (``client_secret``, ``password``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"

# Lower-case names of headers, query parameters and form fields whose values are secret.
SECRET_NAMES: frozenset[str] = frozenset(
    {
        "auth-token",
        "authorization",
        "app-secret",
        "token",
        "access_token",
        "refresh_token",
        "client_secret",
        "password",
        "secret",
        "signature",
        "sig",
        "x-goog-signature",
        "x-goog-credential",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "googleaccessid",
        "x-ol-signature",
        "share-auth-token",
        "temp-auth-token",
        "x-assetbridge-secret",
    }
)

_INLINE = re.compile(
    r"(?i)(?P<key>auth-token|authorization|token|access_token|client_secret|password|signature|"
    r"x-amz-signature|x-goog-signature|secret)(?P<sep>[\"']?\s*[:=]\s*[\"']?)(?P<val>[^\s\"'&,;}]+)"
)


def is_secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or lowered.endswith(("-token", "_token", "secret", "signature"))


def redact_url(url: str) -> str:
    """Return ``url`` with secret query values and userinfo passwords replaced by ``***``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        netloc = f"{user}:{REDACTED}@{host}"
    if not parts.query:
        return urlunsplit((parts.scheme, netloc, parts.path, "", parts.fragment))
    pairs = [
        (k, REDACTED if is_secret_name(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    query = urlencode(pairs, safe="*/:")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {k: (REDACTED if is_secret_name(k) else v) for k, v in items}


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """Redact ``key=value``/``key: value`` secrets in free text, and any literal ``secrets`` given."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _INLINE.sub(lambda m: f"{m.group('key')}{m.group('sep')}{REDACTED}", text)

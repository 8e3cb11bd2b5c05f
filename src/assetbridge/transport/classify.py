"""Turning a failed HTTP exchange into the right ``assetbridge.errors`` class.

Callers decide on the class, never on the text; the text names the call (method + path template or
redacted URL), the status and the remote side's own message, with every secret removed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from assetbridge.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from assetbridge.transport.redaction import redact_text, redact_url

# (status, content type, body) -> the remote side's message/detail
DetailParser = Callable[[int, str, bytes], Any]

_XML_MESSAGE = re.compile(rb"<Message>(.*?)</Message>", re.S)
_URL = re.compile(r"https?://[^\s'\"<>]+")


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Free text with URLs redacted (signed query strings) and known secrets removed."""
    return redact_text(_URL.sub(lambda m: redact_url(m.group(0)), text), secrets)


def default_detail(status: int, content_type: str, body: bytes) -> Any:
    """iconik's ``{"errors": [...]|{...}}``, an S3/GCS XML ``<Message>``, or the start of the text."""
    if not body:
        return None
    if "json" in content_type or body[:1] in (b"{", b"["):
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            if "errors" in data:
                return data["errors"]
            if "error" in data:
                return data["error"]
            return data
    match = _XML_MESSAGE.search(body)
    if match:
        return match.group(1).decode("utf-8", "replace").strip()
    return body[:300].decode("utf-8", "replace").strip()


def detail_text(detail: Any) -> str:
    if detail is None:
        return ""
    if isinstance(detail, list):
        return "; ".join(str(item) for item in detail)
    if isinstance(detail, dict):
        return "; ".join(f"{key}: {value}" for key, value in detail.items())
    return str(detail)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date), None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def parse_int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def classify_status(
    system: str,
    call: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str] = (),
    detail_parser: DetailParser = default_detail,
) -> ApiError:
    """The error for a non-2xx response."""
    detail = detail_parser(status, headers.get("content-type", ""), body)
    text = scrub(detail_text(detail), secrets) or f"HTTP {status}"
    safe_detail = text if detail is not None else None
    if status == 429:
        retry_after = parse_retry_after(headers.get("retry-after"))
        return RateLimitedError(system, call, text, status=429, detail=safe_detail, retry_after=retry_after)
    if status in (401, 403):
        return AuthError(system, call, text, status=status, detail=safe_detail)
    if status == 404:
        return NotFoundError(system, call, text, status=status, detail=safe_detail)
    if status in (400, 422):
        return ValidationError(system, call, text, status=status, detail=safe_detail)
    if status == 409:
        return ConflictError(system, call, text, status=status, detail=safe_detail)
    if status >= 500 or status in (408, 425):
        return TransientError(system, call, text, status=status, detail=safe_detail)
    return ApiError(system, call, text, status=status, detail=safe_detail)


def transient_from_exception(
    system: str, call: str, exc: BaseException, secrets: Iterable[str] = ()
) -> TransientError:
    """A connection-level failure (reset, timeout, truncated body) as a ``TransientError``."""
    reason = scrub(str(exc), secrets) or type(exc).__name__
    return TransientError(system, call, f"{type(exc).__name__}: {reason}")

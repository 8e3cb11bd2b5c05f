"""The AssetBridge exception tree.

Every error the engine raises is one of these; callers decide on the class, never on a message::

    AssetBridgeError
     ├── ConfigError                  bad configuration (file, key, value, what is allowed)
     └── ApiError                     a call to a remote system failed (system, call, status, message)
          ├── TransientError          safe to retry after a pause: 5xx, resets, timeouts, truncated bodies
          │    └── RateLimitedError   429 or a governor refusal; carries ``retry_after`` seconds when known
          ├── AuthError               401/403, expired or revoked credentials: retrying will not help
          ├── NotFoundError           404: the object (or page) does not exist
          ├── ValidationError         400/422: the remote side rejected what we sent
          ├── ConflictError           409: the remote state conflicts with the write
          └── ChecksumError           bytes moved do not match the checksum the other side recorded

``ApiError.retryable`` tells retry loops what to do; it is True only for ``TransientError``. A create
(POST) that failed with a ``TransientError`` may still have happened on the remote side: callers that
create must look the object up before trying again (iconik has no idempotency keys).

Messages never contain secrets: they are built from redacted URLs (see ``transport.redaction``).
"""

from __future__ import annotations

from typing import Any


class AssetBridgeError(Exception):
    """Base of every AssetBridge error."""


class ConfigError(AssetBridgeError):
    """Configuration that cannot be used: names the file, the key, the value and what is allowed."""

    def __init__(self, message: str, *, file: str | None = None, key: str | None = None) -> None:
        where = ": ".join(part for part in (file, key) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.key = key


class ApiError(AssetBridgeError):
    """A remote call failed.

    ``system`` is ``"iconik"`` or ``"orangelogic"``, ``call`` names the operation (``"GET
    /API/assets/v1/assets/{id}/"`` with secrets redacted), ``status`` the HTTP status (``None`` when no
    response arrived) and ``detail`` the remote side's own message (``errors`` list or dict for iconik).
    """

    retryable: bool = False

    def __init__(
        self,
        system: str,
        call: str,
        message: str,
        *,
        status: int | None = None,
        detail: Any = None,
    ) -> None:
        status_part = f" -> {status}" if status is not None else ""
        super().__init__(f"{system} {call}{status_part}: {message}")
        self.system = system
        self.call = call
        self.status = status
        self.detail = detail
        self.message = message


class TransientError(ApiError):
    """A failure that may go away: 5xx, connection reset, timeout, truncated body."""

    retryable = True


class RateLimitedError(TransientError):
    """The remote side (429) or our own governor asked us to slow down."""

    def __init__(
        self,
        system: str,
        call: str,
        message: str,
        *,
        status: int | None = 429,
        detail: Any = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(system, call, message, status=status, detail=detail)
        self.retry_after = retry_after


class AuthError(ApiError):
    """Credentials missing, invalid, expired or revoked (401), or permission denied (403)."""


class NotFoundError(ApiError):
    """The object or page does not exist (404)."""


class ValidationError(ApiError):
    """The remote side rejected the request's content (400/422)."""


class ConflictError(ApiError):
    """The remote state conflicts with the request (409)."""


class ChecksumError(ApiError):
    """Transferred bytes do not match the expected checksum."""

    def __init__(self, system: str, call: str, *, expected: str, actual: str, algorithm: str) -> None:
        super().__init__(system, call, f"{algorithm} mismatch: expected {expected}, got {actual}")
        self.expected = expected
        self.actual = actual
        self.algorithm = algorithm

"""Signed URLs shaped like GCS V4 (``X-Goog-*``) and S3 SigV4 (``X-Amz-*``) query strings.

The signature is an HMAC-SHA256 (the sandbox signing key) over the method, the decoded path and every
other query parameter (sorted), so changing the path, the expiry, ``uploadId``/``partNumber`` or
``response-content-disposition`` breaks it. Expiry is ``Date + Expires`` checked against the sandbox
clock, so tests expire URLs by advancing the clock. HEAD is accepted on a URL signed for GET.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from calendar import timegm
from collections.abc import Iterable
from urllib.parse import quote, urlencode

from assetbridge_sandbox.clock import SandboxClock
from assetbridge_sandbox.storage.errors import (
    Protocol,
    StorageError,
    expired,
    missing_signature,
    signature_mismatch,
)

_PREFIX = {"gcs": "X-Goog-", "s3": "X-Amz-"}
_ALGORITHM = {"gcs": "GOOG4-HMAC-SHA256", "s3": "AWS4-HMAC-SHA256"}
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"


def object_path(protocol: Protocol, key: str) -> str:
    return f"/{protocol}/{quote(key, safe='/')}"


class UrlSigner:
    def __init__(self, secret: str, clock: SandboxClock) -> None:
        self._secret = secret.encode()
        self._clock = clock

    def _digest(self, method: str, path: str, params: Iterable[tuple[str, str]], signature_name: str) -> str:
        canonical = "&".join(
            f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(params) if k != signature_name
        )
        message = f"{method.upper()}\n{path}\n{canonical}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()

    def sign(
        self,
        protocol: Protocol,
        method: str,
        key: str,
        *,
        ttl: int,
        params: dict[str, str] | None = None,
    ) -> str:
        """The path and query string of a signed URL (prefix it with the storage base URL)."""
        prefix = _PREFIX[protocol]
        path = object_path(protocol, key)
        query: dict[str, str] = dict(params or {})
        query.update(
            {
                f"{prefix}Algorithm": _ALGORITHM[protocol],
                f"{prefix}Credential": f"sandbox/{protocol}",
                f"{prefix}Date": time.strftime(_DATE_FORMAT, time.gmtime(self._clock.time())),
                f"{prefix}Expires": str(int(ttl)),
                f"{prefix}SignedHeaders": "host",
            }
        )
        decoded_path = "/" + protocol + "/" + key
        signature = self._digest(method, decoded_path, query.items(), f"{prefix}Signature")
        query[f"{prefix}Signature"] = signature
        return f"{path}?{urlencode(query, quote_via=quote)}"

    def verify(self, protocol: Protocol, method: str, path: str, params: list[tuple[str, str]]) -> None:
        """Raise ``StorageError`` (403) unless the query carries a valid, unexpired signature."""
        prefix = _PREFIX[protocol]
        values = dict(params)
        signature = values.get(f"{prefix}Signature")
        date = values.get(f"{prefix}Date")
        expires = values.get(f"{prefix}Expires")
        if not signature or not date or not expires:
            raise missing_signature()
        signed_method = "GET" if method.upper() == "HEAD" else method
        expected = self._digest(signed_method, path, params, f"{prefix}Signature")
        if not hmac.compare_digest(expected, signature):
            raise signature_mismatch()
        try:
            issued = timegm(time.strptime(date, _DATE_FORMAT))
            lifetime = int(expires)
        except ValueError:
            raise StorageError(400, "InvalidArgument", f"Invalid {prefix}Date or {prefix}Expires") from None
        deadline = issued + lifetime
        if self._clock.time() > deadline:
            raise expired(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(deadline)))

"""Error bodies of the storage emulator, one shape per protocol.

Both protocols answer errors in XML, as the real services do on signed-URL (XML API) requests:
GCS ``<Error><Code/><Message/><Details/></Error>`` and S3
``<Error><Code/><Message/><Resource/><RequestId/></Error>``. One deliberate difference: an expired
GCS signed URL gets 403 here (real GCS answers 400 ``ExpiredToken``) so both protocols fail the same way.
"""

from __future__ import annotations

import uuid
from typing import Literal
from xml.sax.saxutils import escape

from fastapi.responses import Response

Protocol = Literal["gcs", "s3"]


class StorageError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}


def error_xml(protocol: Protocol, error: StorageError, resource: str = "") -> bytes:
    parts = [f"<Code>{escape(error.code)}</Code>", f"<Message>{escape(error.message)}</Message>"]
    if protocol == "gcs":
        if error.details:
            parts.append(f"<Details>{escape(error.details)}</Details>")
        return ("<?xml version='1.0' encoding='UTF-8'?><Error>" + "".join(parts) + "</Error>").encode()
    parts.append(f"<Resource>{escape(resource)}</Resource>")
    parts.append(f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>").encode()


def error_response(
    protocol: Protocol, error: StorageError, resource: str = "", *, head: bool = False
) -> Response:
    body = b"" if head else error_xml(protocol, error, resource)
    return Response(body, status_code=error.status, media_type="application/xml", headers=error.headers)


def fault_error_body(status: int, message: str) -> tuple[bytes, str]:
    """Error body for injected faults (the fault middleware does not know the protocol; S3 shape)."""
    code = "SlowDown" if status in (429, 503) else "InternalError"
    return error_xml("s3", StorageError(status, code, message)), "application/xml"


def signature_mismatch() -> StorageError:
    return StorageError(
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided.",
    )


def expired(expired_at: str) -> StorageError:
    return StorageError(403, "AccessDenied", "Request has expired", details=f"Expired at {expired_at}")


def missing_signature() -> StorageError:
    return StorageError(403, "AccessDenied", "Anonymous caller does not have access to this object.")


def no_such_key() -> StorageError:
    return StorageError(404, "NoSuchKey", "The specified key does not exist.")

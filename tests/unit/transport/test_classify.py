from __future__ import annotations

import json

import pytest

from assetbridge.errors import (
    ApiError,
    AuthError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    TransientError,
    ValidationError,
)
from assetbridge.transport.classify import classify_status, parse_retry_after, transient_from_exception

CALL = "GET /API/assets/v1/assets/{asset_id}/"


def body(errors: object) -> bytes:
    return json.dumps({"errors": errors}).encode()


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ValidationError),
        (422, ValidationError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, RateLimitedError),
        (500, TransientError),
        (502, TransientError),
        (503, TransientError),
        (504, TransientError),
    ],
)
def test_status_maps_to_error_class(status: int, cls: type[ApiError]) -> None:
    error = classify_status("iconik", CALL, status, {"content-type": "application/json"}, body(["boom"]))
    assert type(error) is cls
    assert error.status == status
    assert str(error) == f"iconik {CALL} -> {status}: boom"


def test_field_errors_are_named_and_secrets_removed() -> None:
    error = classify_status(
        "iconik",
        CALL,
        400,
        {"content-type": "application/json"},
        body({"title": "required", "note": "Auth-Token: abcd1234 was sent"}),
        secrets=["abcd1234"],
    )
    assert "title: required" in str(error)
    assert "abcd1234" not in str(error)


def test_retry_after_is_read_from_429() -> None:
    error = classify_status("iconik", CALL, 429, {"retry-after": "4"}, body(["Too many requests"]))
    assert isinstance(error, RateLimitedError)
    assert error.retry_after == 4.0
    assert error.retryable


def test_s3_xml_message_and_signed_urls_are_redacted() -> None:
    xml = b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"
    error = classify_status(
        "iconik-storage", "PUT http://h/s3/k", 403, {"content-type": "application/xml"}, xml
    )
    assert isinstance(error, AuthError)
    assert "Request has expired" in str(error)
    exc = ConnectionResetError("reset while sending to http://h/k?X-Amz-Signature=deadbeef&partNumber=2")
    transient = transient_from_exception("iconik-storage", "PUT http://h/k", exc)
    assert "deadbeef" not in str(transient)
    assert transient.retryable


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_call_names_use_templates_or_urls_without_query() -> None:
    from assetbridge.transport.http import call_name

    assert call_name("GET", "/API/assets/v1/assets/{asset_id}/", "/API/assets/v1/assets/123/") == (
        "GET /API/assets/v1/assets/{asset_id}/"
    )
    signed = "https://storage.example/b/k?X-Goog-Signature=abc123&X-Goog-Expires=60"
    assert call_name("PUT", None, signed) == "PUT https://storage.example/b/k"

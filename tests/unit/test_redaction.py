from __future__ import annotations

from assetbridge.errors import ApiError, ConfigError, RateLimitedError, TransientError
from assetbridge.transport.redaction import REDACTED, redact_headers, redact_text, redact_url


def test_signed_url_signatures_are_removed_but_the_rest_kept() -> None:
    url = (
        "https://storage.example/bucket/obj?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=abc%2F123"
        "&X-Goog-Expires=600&X-Goog-Signature=deadbeef"
    )
    out = redact_url(url)
    assert "deadbeef" not in out and "abc" not in out
    assert "X-Goog-Expires=600" in out and "/bucket/obj" in out


def test_token_query_and_userinfo_password() -> None:
    out = redact_url("https://user:hunter22@ol.example/API/Search/v4.0/Search?token=s3cr3t&query=Title:x")
    assert "hunter22" not in out and "s3cr3t" not in out
    assert "query=Title%3Ax" in out or "query=Title:x" in out


def test_headers() -> None:
    headers = redact_headers(
        {"App-ID": "app", "Auth-Token": "tok", "Authorization": "Bearer x", "Accept": "json"}
    )
    assert headers == {"App-ID": "app", "Auth-Token": REDACTED, "Authorization": REDACTED, "Accept": "json"}


def test_free_text_and_literal_secrets() -> None:
    text = 'failed: {"client_secret": "abc123", "password=pw99"} and the key LONGSECRETVALUE'
    out = redact_text(text, secrets=["LONGSECRETVALUE"])
    assert "abc123" not in out and "pw99" not in out and "LONGSECRETVALUE" not in out


def test_error_classes_carry_context() -> None:
    err = RateLimitedError("iconik", "GET /API/assets/v1/assets/", "Too many requests", retry_after=2.0)
    assert isinstance(err, TransientError) and err.retryable and err.retry_after == 2.0
    assert str(err) == "iconik GET /API/assets/v1/assets/ -> 429: Too many requests"
    assert not ApiError("orangelogic", "x", "bad", status=400).retryable
    assert str(ConfigError("must be a mapping", file="a.yaml", key="fields.title")) == (
        "a.yaml: fields.title: must be a mapping"
    )

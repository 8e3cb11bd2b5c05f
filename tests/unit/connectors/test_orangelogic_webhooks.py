from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from assetbridge.connectors.orangelogic.webhooks import SignatureError, parse_event, sign, verify_signature

SECRET = "whsec-test"
BODY = json.dumps(
    {
        "eventId": "evt-1",
        "topic": "Asset.Edited",
        "recordId": "2RLQZB",
        "identifier": "ABR12",
        "timestamp": "2026-01-02T03:04:05Z",
    }
).encode()
NOW = datetime(2026, 1, 2, 3, 4, 30, tzinfo=UTC)
TS = str(int(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()))


def _mac(secret: str, content: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), content, hashlib.sha256).digest()).decode()


def test_body_only_signature_verifies() -> None:
    headers = {"X-OL-Signature": "v1," + _mac(SECRET, BODY)}
    verify_signature([SECRET], BODY, headers)
    assert sign(SECRET, BODY) == headers["X-OL-Signature"]


def test_standard_webhooks_content_with_id_and_timestamp() -> None:
    content = f"evt-1.{TS}.".encode() + BODY
    headers = {
        "x-ol-signature": "v1," + _mac(SECRET, content),
        "webhook-id": "evt-1",
        "webhook-timestamp": TS,
    }
    verify_signature([SECRET], BODY, headers, now=NOW)
    assert sign(SECRET, BODY, event_id="evt-1", timestamp=TS) == headers["x-ol-signature"]


def test_tampered_body_wrong_secret_and_missing_header_fail() -> None:
    headers = {"x-ol-signature": sign(SECRET, BODY)}
    with pytest.raises(SignatureError):
        verify_signature([SECRET], BODY + b" ", headers)
    with pytest.raises(SignatureError):
        verify_signature(["other"], BODY, headers)
    with pytest.raises(SignatureError, match="missing"):
        verify_signature([SECRET], BODY, {})
    with pytest.raises(SignatureError, match="no v1"):
        verify_signature([SECRET], BODY, {"x-ol-signature": "v2,abc"})


def test_rotation_sends_both_and_either_secret_verifies() -> None:
    header = f"{sign('old', BODY)} v1a,{_mac('new', BODY)}"
    verify_signature(["new"], BODY, {"x-ol-signature": header})
    verify_signature(["old"], BODY, {"x-ol-signature": header})


def test_old_timestamp_is_refused_as_replay() -> None:
    content = f"evt-1.{TS}.".encode() + BODY
    headers = {
        "x-ol-signature": "v1," + _mac(SECRET, content),
        "webhook-id": "evt-1",
        "webhook-timestamp": TS,
    }
    later = datetime(2026, 1, 2, 4, 0, 0, tzinfo=UTC)
    with pytest.raises(SignatureError, match="window"):
        verify_signature([SECRET], BODY, headers, now=later)


def test_sha512_signatures_are_accepted() -> None:
    mac = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha512).digest()).decode()
    verify_signature([SECRET], BODY, {"x-ol-signature": "v1," + mac})


def test_event_parsing() -> None:
    event = parse_event(BODY)
    assert event.event_id == "evt-1"
    assert event.action == "edited"
    assert event.record_id == "2RLQZB"
    assert event.system_identifier == "ABR12"
    assert event.occurred_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_event(b'{"topic": "x"}')
    with pytest.raises(ValueError):
        parse_event(b"[1]")


@pytest.mark.parametrize("timestamp", ["inf", "1e400", "-1e20", "nan"])
def test_absurd_timestamps_are_a_signature_error(timestamp: str) -> None:
    content = f"evt-1.{timestamp}.".encode() + BODY
    headers = {
        "x-ol-signature": "v1," + _mac(SECRET, content),
        "webhook-id": "evt-1",
        "webhook-timestamp": timestamp,
    }
    with pytest.raises(SignatureError):
        verify_signature([SECRET], BODY, headers)

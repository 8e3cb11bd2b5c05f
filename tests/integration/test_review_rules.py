"""The review flow's pure decisions: what is a trigger, what the rule excludes, events, config."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from assetbridge.config.flows_review import ReviewFlow, ReviewRule
from assetbridge.domain.review import (
    Known,
    ReviewEvent,
    media_exclusion,
    review_event,
    rule_exclusion,
    trigger_reason,
)


@pytest.mark.parametrize(
    ("status", "known", "from_event", "starts"),
    [
        ("APPROVED", None, True, True),
        ("REQUESTED", None, True, False),
        ("MIXED", None, True, False),
        ("APPROVED", Known("handing_off", None), False, True),
        ("APPROVED", Known("pending_review", None), True, False),
        ("APPROVED", Known("approved", "APPROVED"), True, False),
        ("APPROVED", Known("approved", None), True, False),
        ("APPROVED", Known("rejected", "NOT_APPROVED"), True, True),
        ("APPROVED", Known("superseded", "APPROVED"), True, False),
        ("APPROVED", Known("failed", None), True, True),
        ("APPROVED", Known("failed", None), False, False),
        ("APPROVED", Known("excluded", None), False, False),
    ],
)
def test_trigger(status: str, known: Known | None, from_event: bool, starts: bool) -> None:
    assert (trigger_reason(status, known, from_event=from_event) is None) is starts


def test_rule_parts_name_the_value_at_fault() -> None:
    rule = ReviewRule(collections=["c1"], metadata={"campaign": ["Summer"]}, media_types=["video"])
    assert rule_exclusion(rule, collections=["c1"], metadata={"campaign": ["Summer"]}) is None
    assert rule_exclusion(rule, collections=["c2"], metadata={"campaign": ["Summer"]}) == (
        "asset is in collections ['c2'], none of the rule's collections ['c1']"
    )
    assert rule_exclusion(rule, collections=["c1"], metadata={"campaign": ["Winter"]}) == (
        "metadata field 'campaign' is ['Winter'], not one of ['Summer']"
    )
    assert rule_exclusion(rule, collections=["c1"], metadata={}) == (
        "metadata field 'campaign' is empty, not one of ['Summer']"
    )
    assert media_exclusion(rule, "cut.mov") is None
    assert media_exclusion(rule, "still.jpg") == "file 'still.jpg' has media type image, not one of ['video']"
    assert media_exclusion(ReviewRule(), "anything.bin") is None


def test_events() -> None:
    approval = {
        "event_type": "assets",
        "realm": "approvals",
        "object_id": "a1",
        "data": {"version_id": "v1", "status": "APPROVED"},
    }
    assert review_event("iconik", json.dumps(approval).encode()) == ReviewEvent("approval", "a1", "v1")
    metadata = {**approval, "realm": "metadata"}
    assert review_event("iconik", json.dumps(metadata).encode()) is None
    edited = {"topic": "asset.edited", "recordId": "R1", "identifier": "ID1"}
    assert review_event("orangelogic", json.dumps(edited).encode()) == ReviewEvent(
        "orangelogic", record_id="R1", system_identifier="ID1"
    )
    assert review_event("iconik", b"not json") is None
    assert review_event("orangelogic", b"[1]") is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"enabled": True}, "folder"),
        ({"approved_values": ["Done"], "rejected_values": ["Done"]}, "both approved and rejected: Done"),
        ({"pending_value": "Approved"}, "pending_value 'Approved' is also a decision value"),
        ({"chunk_size_bytes": 200_000}, "not a multiple of 131072"),
        ({"rule": {"media": ["video"]}}, "Extra inputs are not permitted"),
    ],
)
def test_config_refuses(values: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ReviewFlow.model_validate(values)

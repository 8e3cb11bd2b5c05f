"""Pure decisions of the review hand-off: what starts one, what the rule leaves out, what an event means.

No I/O: ``engine.review`` reads both systems and the state, then asks these functions.
"""

from __future__ import annotations

import json
import mimetypes
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from assetbridge.config.flows_review import ReviewRule

APPROVED = "APPROVED"
NOT_APPROVED = "NOT_APPROVED"


@dataclass(frozen=True)
class Known:
    """What the state holds about a version: its hand-off status and the approval status we wrote."""

    status: str
    written_status: str | None


def trigger_reason(approval_status: str | None, known: Known | None, *, from_event: bool) -> str | None:
    """None when this approval starts a hand-off; otherwise why it does not.

    Loop freedom: AssetBridge writes an approval status only on a version whose row is ``approved`` or
    ``rejected`` (the decision it bridges back), and neither state ever starts a hand-off again unless
    the status differs from what we wrote (a person approved again after a rejection).
    """
    if approval_status != APPROVED:
        return f"approval status is {approval_status or 'N/A'}"
    if known is None:
        return None
    if known.status == "handing_off":
        return None  # an interrupted hand-off: finish it
    if known.status == "pending_review":
        return "already in Orange Logic review"
    if known.status == "approved":
        return "approved in Orange Logic: the approval is the one AssetBridge wrote"
    if known.status in ("rejected", "superseded"):
        if known.written_status == APPROVED:
            return "the approval is the one AssetBridge wrote"
        return None  # approved again after the Orange Logic rejection: a new round
    # excluded / failed: a new approval event retries; the safety-net poll does not repeat the error
    return None if from_event else f"previous attempt {known.status}; waiting for a new approval event"


def media_type_of(file_name: str | None) -> str | None:
    guessed, _ = mimetypes.guess_type(file_name or "")
    return guessed.split("/", 1)[0] if guessed else None


def rule_exclusion(
    rule: ReviewRule, *, collections: Iterable[str], metadata: Mapping[str, list[str]]
) -> str | None:
    """Why the asset is outside the rule's collections/metadata parts (None: inside)."""
    if rule.collections:
        held = sorted(set(collections))
        if not set(held) & set(rule.collections):
            return (
                f"asset is in collections {held or '[]'}, none of the rule's collections "
                f"{list(rule.collections)}"
            )
    for name, accepted in rule.metadata.items():
        values = metadata.get(name, [])
        if not set(values) & set(accepted):
            return f"metadata field {name!r} is {values or 'empty'}, not one of {list(accepted)}"
    return None


def media_exclusion(rule: ReviewRule, file_name: str | None) -> str | None:
    if not rule.media_types:
        return None
    kind = media_type_of(file_name)
    if kind not in rule.media_types:
        return f"file {file_name!r} has media type {kind or 'unknown'}, not one of {list(rule.media_types)}"
    return None


@dataclass(frozen=True)
class ReviewEvent:
    """What an inbox event means for the review flow: an approval change or an Orange Logic record edit."""

    kind: Literal["approval", "orangelogic"]
    asset_id: str | None = None
    version_id: str | None = None
    record_id: str | None = None
    system_identifier: str | None = None


def review_event(system: str, body: bytes) -> ReviewEvent | None:
    """The review-relevant part of a stored webhook body; None for anything else (never raises)."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    if system == "iconik":
        if str(data.get("event_type", "")).lower() != "assets":
            return None
        if str(data.get("realm", "")).lower() != "approvals":
            return None
        asset_id = data.get("object_id")
        inner = data.get("data") if isinstance(data.get("data"), dict) else {}
        version = inner.get("version_id") if isinstance(inner, dict) else None
        if not isinstance(asset_id, str) or not asset_id:
            return None
        return ReviewEvent(
            "approval", asset_id=asset_id, version_id=version if isinstance(version, str) else None
        )
    if system == "orangelogic":
        record = _text(data, "recordId", "RecordID")
        identifier = _text(data, "identifier", "Identifier")
        if record or identifier:
            return ReviewEvent("orangelogic", record_id=record, system_identifier=identifier)
    return None


def _text(data: Mapping[str, Any], *names: str) -> str | None:
    for name in names:
        value = data.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return None

"""The rights decision (pure): may an asset be published / keep its access in iconik now, and until when.

Fail closed: a status outside the configured values, a window value that does not parse, or a window
that ends before it starts gives ``allowed=False, doubtful=True`` with a reason naming the field and value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from assetbridge.config.flows_rights import RightsFlow

# Orange Logic Search renders dates in the instance locale, "M/d/yyyy h:mm:ss AM" (reference §3.4).
_LOCALE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")


@dataclass(frozen=True)
class RightsDecision:
    allowed: bool
    """Approved and inside the window now: may be published / keep access."""
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)
    """The Orange Logic rights values the decision was based on (keyed by OL field name)."""
    next_change_at: datetime | None = None
    """When the decision flips by time alone (window start or end), UTC."""
    doubtful: bool = False
    """Bad input (unparseable date, end before start, unknown status); ``allowed`` is then False."""


class _Doubt(ValueError):
    pass


def _lookup(fields: Mapping[str, Any], name: str) -> Any:
    if name in fields:
        return fields[name]
    lowered = name.lower()
    return next((v for k, v in fields.items() if k.lower() == lowered), None)


def _unwrap(raw: Any) -> Any:
    """A field value as Orange Logic returns it: a string, ``{"Value": ...}``, or a list of those."""
    if isinstance(raw, Mapping):
        return _unwrap(raw.get("Value", raw.get("value")))
    if isinstance(raw, list | tuple):
        items = [v for v in (_unwrap(item) for item in raw) if v not in (None, "")]
        return items
    return raw


def _single(name: str, raw: Any) -> Any:
    value = _unwrap(raw)
    if isinstance(value, list):
        if len(value) > 1:
            raise _Doubt(f"{name} has several values {value!r} (one expected)")
        return value[0] if value else None
    if isinstance(value, str):
        value = value.strip()
        if "|" in value:
            parts = [p for p in value.split("|") if p.strip()]
            if len(parts) > 1:
                raise _Doubt(f"{name} has several values {value!r} (one expected)")
            value = parts[0].strip() if parts else ""
        return value or None
    return value


def _as_utc(value: datetime, zone: tzinfo) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _day_start(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def parse_bound(
    name: str, raw: Any, *, end: bool, zone: tzinfo, formats: Sequence[str] = ()
) -> datetime | None:
    """One window bound as aware UTC (None: open). A date-only end includes that whole day.

    Raises ``ValueError`` naming ``name`` and the value when it does not parse."""
    try:
        value = _single(name, raw)
    except _Doubt as doubt:
        raise ValueError(str(doubt)) from None
    if value is None:
        return None
    if isinstance(value, datetime):
        return _as_utc(value, zone)
    if isinstance(value, date):
        return _day_start(value + timedelta(days=1) if end else value, zone)
    if not isinstance(value, str):
        raise ValueError(f"{name} = {value!r} is not a date")
    for fmt in formats:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        has_time = any(d in fmt for d in ("%H", "%I", "%M", "%S", "%X", "%c"))
        if not has_time:
            return _day_start(parsed.date() + timedelta(days=1) if end else parsed.date(), zone)
        return _as_utc(parsed, zone)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        return _day_start(day + timedelta(days=1) if end else day, zone)
    try:
        return _as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")), zone)
    except ValueError:
        pass
    for fmt in _LOCALE_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        if fmt == "%m/%d/%Y":
            return _day_start(parsed.date() + timedelta(days=1) if end else parsed.date(), zone)
        return _as_utc(parsed, zone)
    accepted = ", ".join([*formats, "ISO-8601 (2026-12-04 or 2026-12-04T10:00:00Z)", "12/4/2026 10:00:00 AM"])
    raise ValueError(f"{name} = {value!r} is not a date (accepted: {accepted})")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def rights_values(model: RightsFlow, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The configured rights fields' values as read (absent ones as None), keyed by OL field name."""
    names = [
        model.status_field,
        model.start_field,
        model.end_field,
        model.territories_field,
        model.channels_field,
        model.restrictions_field,
    ]
    return {name: _unwrap(_lookup(fields, name)) for name in names if name is not None}


def decide(model: RightsFlow, fields: Mapping[str, Any], now: datetime) -> RightsDecision:
    """``fields``: the Orange Logic record's values keyed by OL field name (as the OL client returns them).
    With the rights flow disabled: allowed=True, next_change_at=None."""
    if not model.enabled:
        return RightsDecision(True, "rights flow disabled", {}, None)
    if now.tzinfo is None:
        raise ValueError("decide() needs an aware 'now'")
    now = now.astimezone(UTC)
    values = rights_values(model, fields)

    def doubt(reason: str) -> RightsDecision:
        return RightsDecision(False, reason, values, None, doubtful=True)

    try:
        status = _single(model.status_field, _lookup(fields, model.status_field))
    except _Doubt as error:
        return doubt(str(error))
    zone = ZoneInfo(model.timezone)
    bounds: list[datetime | None] = []
    for name, is_end in ((model.start_field, False), (model.end_field, True)):
        if name is None:
            bounds.append(None)
            continue
        try:
            bounds.append(
                parse_bound(name, _lookup(fields, name), end=is_end, zone=zone, formats=model.date_formats)
            )
        except ValueError as error:
            return doubt(str(error))
    start, end = bounds
    if start is not None and end is not None and end < start:
        return doubt(
            f"rights window ends before it starts: {model.end_field} = {values.get(model.end_field or '')!r} "
            f"is before {model.start_field} = {values.get(model.start_field or '')!r}"
        )
    if status is None:
        return RightsDecision(False, f"no rights status ({model.status_field} is empty)", values, None)
    status_text = str(status)
    if status_text not in model.approved_values:
        if status_text in model.denied_values:
            return RightsDecision(False, f"rights {status_text.lower()} ({model.status_field})", values, None)
        known = ", ".join([*model.approved_values, *model.denied_values])
        return doubt(f"unknown rights status {model.status_field} = {status_text!r} (known: {known})")
    if start is not None and now < start:
        return RightsDecision(False, f"rights window starts {_iso(start)}", values, start)
    if end is not None and now >= end:
        return RightsDecision(False, f"rights window ended {_iso(end)}", values, None)
    reason = f"rights approved until {_iso(end)}" if end is not None else "rights approved (no end)"
    return RightsDecision(True, reason, values, end)

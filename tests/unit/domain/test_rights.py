"""The rights decision: approved inside the window, the next change time, and every fail-closed case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from assetbridge.config import InvalidConfigError, load_text
from assetbridge.config.flows_rights import RightsFlow
from assetbridge.domain.rights import decide

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
MODEL = RightsFlow(enabled=True)


def fields(
    status: Any = "Approved", start: Any = "2026-01-01T00:00:00", end: Any = "2027-01-01T00:00:00"
) -> dict[str, Any]:
    return {
        "AB.Usage-rights-status": status,
        "AB.Rights-start": start,
        "AB.Rights-end": end,
        "AB.Territories": ["EMEA", "APAC"],
        "AB.Channels": "Social|Web",
        "AB.Restrictions": "Editorial only",
    }


def test_disabled_flow_allows_everything() -> None:
    decision = decide(RightsFlow(), fields(status="Withdrawn"), NOW)
    assert decision.allowed and decision.next_change_at is None and not decision.doubtful


def test_approved_inside_the_window_until_its_end() -> None:
    decision = decide(MODEL, fields(), NOW)
    assert decision.allowed and not decision.doubtful
    assert decision.next_change_at == datetime(2027, 1, 1, tzinfo=UTC)
    assert decision.values["AB.Usage-rights-status"] == "Approved"
    assert decision.values["AB.Territories"] == ["EMEA", "APAC"]
    assert decision.values["AB.Restrictions"] == "Editorial only"


def test_window_not_started_flips_at_its_start() -> None:
    decision = decide(MODEL, fields(start="2026-12-05T08:00:00Z"), NOW)
    assert not decision.allowed and not decision.doubtful
    assert decision.next_change_at == datetime(2026, 12, 5, 8, tzinfo=UTC)
    assert "starts 2026-12-05T08:00:00Z" in decision.reason


def test_window_ended_is_final_by_time() -> None:
    decision = decide(MODEL, fields(end="2026-12-04T09:59:59Z"), NOW)
    assert not decision.allowed and not decision.doubtful and decision.next_change_at is None
    assert decision.reason == "rights window ended 2026-12-04T09:59:59Z"


def test_end_is_exclusive() -> None:
    assert not decide(MODEL, fields(end="2026-12-04T10:00:00Z"), NOW).allowed
    assert decide(MODEL, fields(end="2026-12-04T10:00:01Z"), NOW).allowed


def test_open_ended_window() -> None:
    decision = decide(MODEL, fields(start="", end=None), NOW)
    assert decision.allowed and decision.next_change_at is None
    assert decision.reason == "rights approved (no end)"


def test_date_only_end_includes_the_whole_day_in_the_configured_zone() -> None:
    model = RightsFlow(enabled=True, timezone="Europe/Paris")
    decision = decide(model, fields(start="2026-12-01", end="2026-12-04"), NOW)
    assert decision.allowed
    assert decision.next_change_at == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)  # midnight in Paris


def test_naive_datetimes_are_in_the_configured_zone() -> None:
    model = RightsFlow(enabled=True, timezone="America/New_York")
    decision = decide(model, fields(end="2026-12-04T06:00:00"), NOW)  # 11:00 UTC
    assert decision.allowed and decision.next_change_at == datetime(2026, 12, 4, 11, tzinfo=UTC)


def test_locale_form_and_custom_formats() -> None:
    assert decide(MODEL, fields(end="12/4/2026 11:30:00 AM"), NOW).next_change_at == datetime(
        2026, 12, 4, 11, 30, tzinfo=UTC
    )
    model = RightsFlow(enabled=True, date_formats=["%d.%m.%Y %H:%M"])
    assert decide(model, fields(end="04.12.2026 12:15"), NOW).next_change_at == datetime(
        2026, 12, 4, 12, 15, tzinfo=UTC
    )


def test_denied_and_empty_statuses_are_not_doubtful() -> None:
    withdrawn = decide(MODEL, fields(status="Withdrawn"), NOW)
    assert not withdrawn.allowed and not withdrawn.doubtful and withdrawn.next_change_at is None
    assert "withdrawn" in withdrawn.reason
    empty = decide(MODEL, fields(status=""), NOW)
    assert not empty.allowed and not empty.doubtful
    assert "AB.Usage-rights-status is empty" in empty.reason


@pytest.mark.parametrize(
    ("bad", "expected"),
    [
        ({"status": "Approvd"}, "unknown rights status AB.Usage-rights-status = 'Approvd'"),
        ({"end": "31/12/2026"}, "AB.Rights-end = '31/12/2026' is not a date"),
        ({"start": "soon"}, "AB.Rights-start = 'soon' is not a date"),
        (
            {"end": "2025-01-01T00:00:00Z"},
            "rights window ends before it starts: AB.Rights-end = '2025-01-01T00:00:00Z'",
        ),
        ({"status": ["Approved", "Withdrawn"]}, "AB.Usage-rights-status has several values"),
        ({"end": "2027-01-01|2028-01-01"}, "AB.Rights-end has several values"),
    ],
)
def test_bad_input_fails_closed_naming_field_and_value(bad: dict[str, Any], expected: str) -> None:
    decision = decide(MODEL, fields(**bad), NOW)
    assert not decision.allowed and decision.doubtful and decision.next_change_at is None
    assert expected in decision.reason
    assert decision.values  # the values at fault are kept for the audit log


def test_orange_logic_value_objects_and_case_insensitive_names() -> None:
    decision = decide(
        MODEL,
        {
            "ab.usage-rights-status": {"Value": "Approved"},
            "AB.Rights-end": [{"Value": "2027-01-01T00:00:00Z"}],
        },
        NOW,
    )
    assert decision.allowed and decision.next_change_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        decide(MODEL, fields(), datetime(2026, 12, 4))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"action": "restrict"}, "action 'restrict' needs restrict"),
        ({"restrict": {"field": "flag", "value": "x"}}, "restrict is set but action is 'unshare'"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        (
            {"approved_values": ["Approved"], "denied_values": ["Approved"]},
            "both approved and denied: Approved",
        ),
        ({"date_formats": ["dd.mm.yyyy"]}, "has no % directive"),
        ({"action": "delete_asset", "shared_collections": ["c1"]}, "only used by action 'unshare'"),
        ({"end_field": "AB.Rights-start"}, "start_field and end_field are the same field"),
    ],
)
def test_config_errors_are_specific(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RightsFlow.model_validate({"enabled": True, **overrides})


seconds = st.integers(min_value=-(10**8), max_value=10**8)


@settings(deadline=None)
@given(start=seconds, length=st.integers(min_value=0, max_value=10**8), at=seconds)
def test_window_arithmetic(start: int, length: int, at: int) -> None:
    """Inside [start, end) ⇔ allowed; the next change is the next edge after now; outside after the end."""
    begin = NOW + timedelta(seconds=start)
    end = begin + timedelta(seconds=length)
    now = NOW + timedelta(seconds=at)
    decision = decide(MODEL, fields(start=begin.isoformat(), end=end.isoformat()), now)
    assert not decision.doubtful
    assert decision.allowed == (begin <= now < end)
    if now < begin:
        assert decision.next_change_at == begin
    elif now < end:
        assert decision.next_change_at == end
    else:
        assert decision.next_change_at is None
    if decision.next_change_at is not None:
        flipped = decide(MODEL, fields(start=begin.isoformat(), end=end.isoformat()), decision.next_change_at)
        assert flipped.allowed != decision.allowed or begin == end


@settings(deadline=None)
@given(start=seconds, shortfall=st.integers(min_value=1, max_value=10**8))
def test_end_before_start_is_always_doubtful(start: int, shortfall: int) -> None:
    begin = NOW + timedelta(seconds=start)
    end = begin - timedelta(seconds=shortfall)
    decision = decide(MODEL, fields(start=begin.isoformat(), end=end.isoformat()), NOW)
    assert decision.doubtful and not decision.allowed


def test_yaml_errors_name_file_line_and_key() -> None:
    example = (Path(__file__).resolve().parents[3] / "examples" / "sandbox.yaml").read_text(encoding="utf-8")
    text = example.replace("    action: unshare ", "    action: restrict ").replace(
        "    timezone: UTC ", "    timezone: Europe/Pariss "
    )
    env = {"ASSETBRIDGE_ICONIK_AUTH_TOKEN": "t", "ASSETBRIDGE_OL_CLIENT_SECRET": "s"}
    with pytest.raises(InvalidConfigError) as caught:
        load_text(text, "sandbox.yaml", env)
    [message] = [str(issue) for issue in caught.value.issues]
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "timezone: Europe/Pariss" in row)
    assert message.startswith(f"sandbox.yaml:{line}:5: flows.rights.timezone: ")
    assert "unknown time zone 'Europe/Pariss'" in message
    fixed_zone = text.replace("Europe/Pariss", "Europe/Paris")
    with pytest.raises(InvalidConfigError) as caught:
        load_text(fixed_zone, "sandbox.yaml", env)
    [message] = [str(issue) for issue in caught.value.issues]
    assert "flows.rights" in message and "action 'restrict' needs restrict" in message
    assert load_text(example, "sandbox.yaml", env).config.flows.rights.action == "unshare"

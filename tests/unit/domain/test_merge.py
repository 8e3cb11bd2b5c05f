"""The three-way merge of one field, one rule at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assetbridge.domain import FieldBase, FieldSpec, Reason, merge_field

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
LATER = T0 + timedelta(minutes=5)


def field(**kwargs: Any) -> FieldSpec:
    return FieldSpec("campaign", "AB.Campaign", "metadata.campaign", "text", **kwargs)


BOTH = field()
BASE = FieldBase.of("spring", synced_at=T0, written_to=("iconik",))


def test_nothing_changed_is_a_noop() -> None:
    decision = merge_field(BOTH, BASE, "spring", "spring")
    assert (decision.action, decision.reason, decision.updates_base) == ("noop", Reason.UNCHANGED, False)


def test_our_own_write_coming_back_is_an_echo() -> None:
    decision = merge_field(BOTH, BASE, "spring", "spring", iconik_modified=LATER, orangelogic_modified=T0)
    assert (decision.action, decision.reason, decision.echo) == ("noop", Reason.ECHO, "iconik")


def test_a_side_we_did_not_write_is_not_an_echo() -> None:
    decision = merge_field(BOTH, BASE, "spring", "spring", orangelogic_modified=LATER)
    assert decision.reason == Reason.UNCHANGED and decision.echo is None


@pytest.mark.parametrize(
    ("ol", "iconik", "action", "reason"),
    [
        ("summer", "spring", "write_iconik", Reason.ONE_SIDED_ORANGELOGIC),
        ("spring", "summer", "write_orangelogic", Reason.ONE_SIDED_ICONIK),
        (None, "spring", "write_iconik", Reason.ONE_SIDED_ORANGELOGIC),
    ],
)
def test_a_one_sided_change_flows_to_the_other_side(
    ol: Any, iconik: Any, action: str, reason: Reason
) -> None:
    decision = merge_field(BOTH, BASE, ol, iconik)
    assert (decision.action, decision.reason, decision.conflict) == (action, reason, False)
    assert decision.value == (ol if action == "write_iconik" else iconik)
    assert decision.updates_base


def test_both_changed_to_the_same_value_moves_the_base_only() -> None:
    decision = merge_field(BOTH, BASE, "summer", "summer")
    assert (decision.action, decision.reason, decision.value, decision.updates_base) == (
        "noop",
        Reason.SAME_VALUE,
        "summer",
        True,
    )


@pytest.mark.parametrize(
    ("owner", "action", "value"),
    [("orangelogic", "write_iconik", "ol"), ("iconik", "write_orangelogic", "ic")],
)
def test_owner_wins_a_conflict(owner: str, action: str, value: str) -> None:
    decision = merge_field(
        field(owner=owner), BASE, "ol", "ic", orangelogic_modified=T0, iconik_modified=LATER
    )
    assert (decision.action, decision.reason, decision.value, decision.conflict) == (
        action,
        Reason.CONFLICT_OWNER,
        value,
        True,
    )


def test_newest_wins_a_conflict_and_a_tie_goes_to_the_owner() -> None:
    newest = field(policy="newest_wins", owner="orangelogic")
    decision = merge_field(newest, BASE, "ol", "ic", orangelogic_modified=T0, iconik_modified=LATER)
    assert (decision.action, decision.value, decision.reason) == (
        "write_orangelogic",
        "ic",
        Reason.CONFLICT_NEWEST,
    )
    decision = merge_field(newest, BASE, "ol", "ic", orangelogic_modified=LATER, iconik_modified=T0)
    assert (decision.action, decision.value) == ("write_iconik", "ol")
    tie = merge_field(newest, BASE, "ol", "ic", orangelogic_modified=T0, iconik_modified=T0)
    assert (tie.action, tie.value) == ("write_iconik", "ol")
    unknown = merge_field(newest, BASE, "ol", "ic", iconik_modified=LATER)
    assert (unknown.action, unknown.value) == ("write_iconik", "ol")


def test_a_manual_conflict_writes_nothing_and_keeps_the_base() -> None:
    decision = merge_field(field(policy="manual"), BASE, "ol", "ic")
    assert (decision.action, decision.reason, decision.conflict, decision.updates_base) == (
        "conflict",
        Reason.CONFLICT_MANUAL,
        True,
        False,
    )
    assert (decision.orangelogic, decision.iconik, decision.base) == ("ol", "ic", "spring")


ONE_WAY = field(direction="orangelogic_to_iconik", owner="iconik")


def test_a_one_way_field_flows_from_its_source() -> None:
    decision = merge_field(ONE_WAY, BASE, "summer", "spring")
    assert (decision.action, decision.value) == ("write_iconik", "summer")


def test_a_change_against_the_direction_is_reverted() -> None:
    decision = merge_field(ONE_WAY, BASE, "spring", "hacked")
    assert (decision.action, decision.reason, decision.value) == (
        "write_iconik",
        Reason.AGAINST_DIRECTION_REVERTED,
        "spring",
    )


def test_a_change_against_the_direction_under_manual_is_recorded() -> None:
    manual = field(direction="iconik_to_orangelogic", policy="manual")
    decision = merge_field(manual, BASE, "hacked", "spring")
    assert (decision.action, decision.reason, decision.conflict) == (
        "conflict",
        Reason.AGAINST_DIRECTION_MANUAL,
        True,
    )


def test_a_one_way_conflict_is_won_by_the_source_even_against_the_owner() -> None:
    decision = merge_field(ONE_WAY, BASE, "ol", "ic", iconik_modified=LATER)
    assert (decision.action, decision.value, decision.reason) == (
        "write_iconik",
        "ol",
        Reason.CONFLICT_DIRECTION,
    )


def test_first_sync_links_equal_values() -> None:
    decision = merge_field(BOTH, None, "spring", "spring")
    assert (decision.action, decision.reason, decision.updates_base, decision.value) == (
        "noop",
        Reason.FIRST_EQUAL,
        True,
        "spring",
    )


@pytest.mark.parametrize(
    ("ol", "iconik", "action"), [("x", None, "write_iconik"), (None, "x", "write_orangelogic")]
)
def test_first_sync_fills_an_empty_side_whoever_owns_it(ol: Any, iconik: Any, action: str) -> None:
    for owner in ("orangelogic", "iconik"):
        decision = merge_field(field(owner=owner), None, ol, iconik)
        assert (decision.action, decision.reason, decision.value) == (action, Reason.FIRST_FILL, "x")


def test_first_sync_never_wipes_the_target_of_a_one_way_field_from_an_empty_source() -> None:
    decision = merge_field(ONE_WAY, None, None, "kept")
    assert (decision.action, decision.reason, decision.updates_base) == (
        "noop",
        Reason.FIRST_SOURCE_EMPTY,
        False,
    )


@pytest.mark.parametrize(
    ("spec", "action", "reason"),
    [
        (field(owner="iconik"), "write_orangelogic", Reason.FIRST_OWNER),
        (field(policy="newest_wins"), "write_orangelogic", Reason.FIRST_NEWEST),
        (field(policy="manual"), "conflict", Reason.FIRST_MANUAL),
        (ONE_WAY, "write_iconik", Reason.FIRST_DIRECTION),
    ],
)
def test_first_sync_with_different_values_is_settled_by_policy(
    spec: FieldSpec, action: str, reason: Reason
) -> None:
    decision = merge_field(spec, None, "ol", "ic", orangelogic_modified=T0, iconik_modified=LATER)
    assert (decision.action, decision.reason, decision.conflict) == (action, reason, True)

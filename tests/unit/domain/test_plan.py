"""Asset-level plans: raw values in, encoded writes, new bases and visible errors out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from assetbridge.domain import (
    Allowed,
    FieldBase,
    FieldMap,
    FieldSpec,
    Reason,
    Transform,
    iconik_values_from,
    plan_asset,
)

NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
FIELD_MAP = FieldMap(
    (
        FieldSpec("title", "CoreField.Title", "asset.title", "text"),
        FieldSpec("campaign", "AB.Campaign", "metadata.campaign", "tags"),
        FieldSpec(
            "rights",
            "AB.Rights",
            "metadata.rights",
            "select",
            transforms=(Transform("value_map", {"map": {"Cleared": "cleared", "Restricted": "restricted"}}),),
        ),
        FieldSpec("shoot", "AB.ShootDate", "metadata.shoot_date", "date", direction="orangelogic_to_iconik"),
    ),
    iconik_view="AssetBridge",
)


def empty_iconik() -> dict[str, Any]:
    return iconik_values_from(FIELD_MAP, {"title": "Tower Bridge"}, {})


def test_iconik_values_from_fills_missing_metadata_as_empty() -> None:
    values = iconik_values_from(
        FIELD_MAP, {"title": "T", "id": "x"}, {"campaign": {"field_values": [{"value": "a"}]}}
    )
    assert values == {
        "asset.title": "T",
        "metadata.campaign": {"field_values": [{"value": "a"}]},
        "metadata.rights": {"field_values": []},
        "metadata.shoot_date": {"field_values": []},
    }
    assert iconik_values_from(FIELD_MAP, None, None) == {}


def test_first_sync_plan_writes_to_iconik_in_iconik_encoding() -> None:
    ol = {
        "CoreField.Title": "Tower Bridge",
        "AB.Campaign": "London|Été 2024",
        "AB.Rights": "Cleared",
        "AB.ShootDate": "6/1/2024 12:00:00 AM",
    }
    plan = plan_asset(FIELD_MAP, {}, ol, empty_iconik(), now=NOW)
    assert plan.orangelogic_writes == {}
    assert plan.iconik_metadata_values() == {
        "campaign": {"field_values": [{"value": "London"}, {"value": "Été 2024"}]},
        "rights": {"field_values": [{"value": "cleared"}]},
        "shoot_date": {"field_values": [{"value": "2024-06-01"}]},
    }
    assert plan.iconik_asset_changes() == {}
    assert set(plan.bases) == {"title", "campaign", "rights", "shoot"}
    assert plan.bases["campaign"].written_to == ("iconik",) and plan.bases["title"].written_to == ()
    assert plan.bases["rights"].synced_at == NOW and plan.errors == ()


def test_a_one_sided_iconik_edit_becomes_an_orangelogic_write() -> None:
    base = {
        "title": FieldBase.of("Tower Bridge"),
        "campaign": FieldBase.of(("London",)),
        "rights": FieldBase.of("cleared"),
        "shoot": FieldBase.of(None),
    }
    ol = {
        "CoreField.Title": "Tower Bridge",
        "AB.Campaign": "London",
        "AB.Rights": "Cleared",
        "AB.ShootDate": "",
    }
    iconik = iconik_values_from(
        FIELD_MAP,
        {"title": "Tower Bridge at night"},
        {"campaign": {"field_values": [{"value": "London"}, {"value": "Night"}]}, "rights": ["restricted"]},
    )
    plan = plan_asset(FIELD_MAP, base, ol, iconik, now=NOW)
    assert plan.orangelogic_writes == {
        "CoreField.Title": "Tower Bridge at night",
        "AB.Campaign": "London|Night",
        "AB.Rights": "Restricted",
    }
    assert plan.iconik_writes == {}
    assert [d.reason for d in plan.decisions] == [Reason.ONE_SIDED_ICONIK] * 3 + [Reason.UNCHANGED]
    text = plan.describe()
    assert (
        "title: write_orangelogic (one-sided change on iconik); "
        'orangelogic CoreField.Title <- "Tower Bridge at night"' in text
    )
    assert "shoot: noop (unchanged)" in text


def test_a_value_the_target_cannot_accept_is_a_visible_error_and_nothing_else() -> None:
    base = {"campaign": FieldBase.of(("London",)), "rights": FieldBase.of("cleared")}
    ol = {"CoreField.Title": "T", "AB.Campaign": "London", "AB.Rights": "Cleared", "AB.ShootDate": ""}
    iconik = iconik_values_from(
        FIELD_MAP, {"title": "T"}, {"campaign": ["London", "Rock|Pop"], "rights": ["embargoed"]}
    )
    plan = plan_asset(FIELD_MAP, base, ol, iconik, now=NOW)
    assert "AB.Campaign" not in plan.orangelogic_writes and "AB.Rights" not in plan.orangelogic_writes
    assert {(e.field, e.side) for e in plan.errors} == {
        ("campaign", "orangelogic"),
        ("rights", "orangelogic"),
    }
    assert "campaign" not in plan.bases and "rights" not in plan.bases
    errors = {d.field: d for d in plan.decisions if d.action == "error"}
    assert errors["campaign"].reason == Reason.VALUE_REJECTED and "Rock|Pop" in (
        errors["campaign"].error or ""
    )
    assert "rights: error (value rejected)" in plan.describe()


def test_an_unreadable_value_is_an_error_for_that_field_only() -> None:
    ol = {
        "CoreField.Title": "Tower Bridge",
        "AB.Campaign": "",
        "AB.Rights": "Unknown",
        "AB.ShootDate": "soon",
    }
    plan = plan_asset(FIELD_MAP, {}, ol, empty_iconik(), now=NOW)
    assert {e.field for e in plan.errors} == {"rights", "shoot"}
    assert plan.iconik_asset_changes() == {} and "title" in plan.bases


def test_select_options_of_the_target_are_enforced() -> None:
    allowed = Allowed(iconik={"rights": ["cleared"]})
    ol = {"CoreField.Title": "T", "AB.Campaign": "", "AB.Rights": "Restricted", "AB.ShootDate": ""}
    plan = plan_asset(FIELD_MAP, {}, ol, empty_iconik(), allowed=allowed, now=NOW)
    assert [(e.field, e.side, e.value) for e in plan.errors] == [("rights", "iconik", "restricted")]


def test_fields_not_read_are_left_alone() -> None:
    plan = plan_asset(FIELD_MAP, {"title": FieldBase.of("old")}, {"CoreField.Title": "new"}, {}, now=NOW)
    assert not plan.has_writes and plan.bases == {}
    assert {d.reason for d in plan.decisions} == {Reason.NOT_READ}


def test_conflicts_and_echoes_are_listed() -> None:
    manual = FieldMap(
        (
            FieldSpec("a", "AB.A", "metadata.a", "text", policy="manual"),
            FieldSpec("b", "AB.B", "metadata.b", "text"),
        ),
        "v",
    )
    base = {"a": FieldBase.of("x"), "b": FieldBase.of("y", synced_at=NOW, written_to=("iconik",))}
    plan = plan_asset(
        manual,
        base,
        {"AB.A": "ol", "AB.B": "y"},
        {"metadata.a": ["ic"], "metadata.b": ["y"]},
        iconik_modified=NOW + timedelta(seconds=1),
        now=NOW,
    )
    assert [d.field for d in plan.conflicts] == ["a"] and [d.field for d in plan.echoes] == ["b"]
    assert not plan.has_writes
    assert (
        'a: conflict (conflict recorded for manual review); orangelogic=["s","ol"] iconik=["s","ic"]'
        in plan.describe()
    )


def test_a_lossy_orangelogic_spelling_is_normalized_on_both_sides() -> None:
    upper = FieldMap(
        (
            FieldSpec(
                "code", "AB.Code", "metadata.code", "text", transforms=(Transform("case", {"mode": "upper"}),)
            ),
        ),
        "v",
    )
    base = {"code": FieldBase.of("ABC")}
    plan = plan_asset(upper, base, {"AB.Code": "abc"}, {"metadata.code": ["xyz"]}, now=NOW)
    assert plan.orangelogic_writes == {"AB.Code": "xyz"}
    assert plan.iconik_writes == {"metadata.code": {"field_values": [{"value": "XYZ"}]}}
    assert plan.bases["code"].value == "XYZ"
    again = plan_asset(upper, dict(plan.bases), {"AB.Code": "xyz"}, {"metadata.code": ["XYZ"]}, now=NOW)
    assert not again.has_writes


def test_a_lossy_spelling_that_cannot_be_normalized_is_an_error_not_a_loop() -> None:
    upper = FieldMap(
        (
            FieldSpec(
                "code",
                "AB.Code",
                "metadata.code",
                "text",
                direction="iconik_to_orangelogic",
                transforms=(Transform("case", {"mode": "upper"}),),
            ),
        ),
        "v",
    )
    plan = plan_asset(
        upper, {"code": FieldBase.of("ABC")}, {"AB.Code": "ABC"}, {"metadata.code": ["xyz"]}, now=NOW
    )
    assert not plan.has_writes
    assert [(e.field, e.side) for e in plan.errors] == [("code", "orangelogic")]
    assert "would read it back as 'XYZ'" in str(plan.errors[0])


def test_plans_are_deterministic() -> None:
    ol = {"CoreField.Title": "T", "AB.Campaign": "b|a", "AB.Rights": "Cleared", "AB.ShootDate": "2024-01-01"}
    assert plan_asset(FIELD_MAP, {}, ol, empty_iconik(), now=NOW) == plan_asset(
        FIELD_MAP, {}, ol, empty_iconik(), now=NOW
    )

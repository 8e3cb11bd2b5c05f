"""Hypothesis properties of codecs, merge and plans."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetbridge.domain import (
    FieldBase,
    FieldMap,
    FieldSpec,
    Reason,
    Transform,
    from_iconik,
    from_orangelogic,
    merge_field,
    plan_asset,
    to_iconik,
    to_orangelogic,
)
from assetbridge.domain.fieldmap import Side
from assetbridge.domain.values import Canonical

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

_chars = st.characters(exclude_categories=["Cs"])
texts = st.text(_chars, min_size=1, max_size=24).map(lambda s: unicodedata.normalize("NFC", s)).filter(bool)
items = texts.map(str.strip).filter(
    lambda s: bool(s) and "|" not in s and unicodedata.normalize("NFC", s) == s
)
item_sets = st.frozensets(items, min_size=1, max_size=5).map(lambda s: tuple(sorted(s)))
datetimes = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=0))
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1))
numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12).map(Decimal),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda f: Decimal(repr(float(f)))),
).map(lambda d: Decimal(0) if d == 0 else (Decimal(int(d)) if d == d.to_integral_value() else d.normalize()))

STATUS_MAP = {"Approved": "approved", "Rejected": "rejected", "Été": "summer", "済み": "done"}


def _spec(kind: str, *transforms: Transform) -> FieldSpec:
    return FieldSpec("f", "AB.F", "metadata.f", kind, transforms=transforms)  # type: ignore[arg-type]


# (field spec, strategy of valid canonical values for it)
FIELDS: list[tuple[FieldSpec, st.SearchStrategy[Any]]] = [
    (_spec("text"), texts),
    (_spec("select"), texts),
    (_spec("number"), numbers),
    (_spec("boolean"), st.booleans()),
    (_spec("date"), dates),
    (_spec("datetime"), datetimes),
    (_spec("tags"), item_sets),
    (_spec("multiselect"), item_sets),
    (
        _spec("select", Transform("value_map", {"map": STATUS_MAP})),
        st.sampled_from(sorted(STATUS_MAP.values())),
    ),
    (_spec("date", Transform("date_format", {"format": "%d.%m.%Y"})), dates),
    (
        _spec("tags", Transform("split", {"separator": ";"})),
        st.frozensets(items.filter(lambda s: ";" not in s), min_size=1, max_size=4).map(
            lambda s: tuple(sorted(s))
        ),
    ),
    (
        _spec("text", Transform("join", {"separator": ", "})),
        st.frozensets(items.filter(lambda s: "," not in s), min_size=1, max_size=4).map(
            lambda s: ", ".join(sorted(s))
        ),
    ),
    (_spec("datetime", Transform("timezone", {"zone": "America/New_York"})), datetimes),
    (
        _spec("text", Transform("strip", {}), Transform("case", {"mode": "upper"})),
        texts.map(str.strip).filter(bool),
    ),
]


def _faithful(spec: FieldSpec, value: Canonical) -> bool:
    """Values Orange Logic can hold exactly (see test_transforms for the ones it cannot)."""
    try:
        return (
            from_orangelogic(spec, to_orangelogic(spec, value)) == value
            and from_iconik(spec, to_iconik(spec, value)) == value
        )
    except Exception:
        return False


@st.composite
def field_and_values(draw: st.DrawFn, count: int) -> tuple[FieldSpec, list[Canonical]]:
    spec, strategy = draw(st.sampled_from(FIELDS))
    if spec.transforms and spec.transforms[-1].kind == "case":
        strategy = strategy.map(str.upper).filter(lambda s: s == s.strip().upper() and bool(s))
    values = [draw(strategy.filter(lambda v, spec=spec: _faithful(spec, v))) for _ in range(count)]
    return spec, values


def _configure(
    spec: FieldSpec, draw: Callable[[st.SearchStrategy[Any]], Any], *, directions: bool = True
) -> FieldSpec:
    return replace(
        spec,
        owner=draw(st.sampled_from(["orangelogic", "iconik"])),
        policy=draw(st.sampled_from(["owner_wins", "newest_wins", "manual"])),
        direction=draw(st.sampled_from(["both", "orangelogic_to_iconik", "iconik_to_orangelogic"]))
        if directions
        else "both",
    )


@SETTINGS
@given(field_and_values(1))
def test_codec_round_trip_is_the_identity_on_valid_values(case: tuple[FieldSpec, list[Canonical]]) -> None:
    spec, (value,) = case
    ol_raw = to_orangelogic(spec, value)
    canonical = from_orangelogic(spec, ol_raw)
    assert canonical == value
    back = from_iconik(spec, to_iconik(spec, canonical))
    assert back == value
    assert to_orangelogic(spec, back) == ol_raw


def _with_other_fields(spec: FieldSpec) -> FieldMap:
    still = FieldSpec("still", "AB.Still", "metadata.still", "text")
    return FieldMap((replace(spec, name="f"), still), "v")


@SETTINGS
@given(field_and_values(2), st.data())
def test_a_one_sided_change_propagates_to_the_other_side_and_nothing_else(
    case: tuple[FieldSpec, list[Canonical]], data: st.DataObject
) -> None:
    spec, (old, new) = case
    spec = _configure(spec, data.draw, directions=False)
    changed: Side = data.draw(st.sampled_from(["orangelogic", "iconik"]))
    field_map = _with_other_fields(spec)
    base = {"f": FieldBase.of(old, synced_at=T0), "still": FieldBase.of("same", synced_at=T0)}
    values = {"orangelogic": old, "iconik": old}
    values[changed] = new
    ol = {"AB.F": to_orangelogic(spec, values["orangelogic"]), "AB.Still": "same"}
    iconik = {"metadata.f": to_iconik(spec, values["iconik"]), "metadata.still": ["same"]}
    plan = plan_asset(field_map, base, ol, iconik, now=T0)
    if old == new:
        assert not plan.has_writes
        return
    target: Side = "iconik" if changed == "orangelogic" else "orangelogic"
    assert [(w.field, w.side) for w in plan.writes] == [("f", target)]
    expected_raw = to_iconik(spec, new) if target == "iconik" else to_orangelogic(spec, new)
    assert plan.writes[0].raw == expected_raw
    assert plan.bases["f"].value == new and set(plan.bases) == {"f"}
    assert not plan.conflicts and not plan.errors


@st.composite
def situations(
    draw: st.DrawFn,
) -> tuple[FieldSpec, FieldBase | None, Canonical, Canonical, datetime, datetime]:
    spec, (base_value, ol_value, iconik_value) = draw(field_and_values(3))
    spec = _configure(spec, draw)
    pool = [base_value, ol_value, iconik_value, None]
    ol_value = draw(st.sampled_from(pool))
    iconik_value = draw(st.sampled_from(pool))
    base = draw(st.sampled_from([None, FieldBase.of(base_value, synced_at=T0)]))
    ol_modified = T0 + timedelta(seconds=draw(st.integers(-5, 5)))
    iconik_modified = T0 + timedelta(seconds=draw(st.integers(-5, 5)))
    return spec, base, ol_value, iconik_value, ol_modified, iconik_modified


def _raw(spec: FieldSpec, side: Side, value: Canonical) -> Any:
    return to_orangelogic(spec, value) if side == "orangelogic" else to_iconik(spec, value)


@SETTINGS
@given(situations())
def test_applying_a_plan_and_planning_again_writes_nothing_and_echoes_are_suppressed(
    situation: tuple[FieldSpec, FieldBase | None, Canonical, Canonical, datetime, datetime],
) -> None:
    spec, base, ol_value, iconik_value, ol_modified, iconik_modified = situation
    if spec.iconik_attribute == "title" and None in (ol_value, iconik_value):
        return
    field_map = FieldMap((spec,), "v")
    ol = {"AB.F": _raw(spec, "orangelogic", ol_value)}
    iconik = {"metadata.f": _raw(spec, "iconik", iconik_value)}
    bases = {} if base is None else {"f": base}
    plan = plan_asset(
        field_map, bases, ol, iconik, ol_modified=ol_modified, iconik_modified=iconik_modified, now=T0
    )
    assert not plan.errors
    for write in plan.writes:
        assert spec.writes_to(write.side), "a one-way field was written against its direction"
    ol.update(plan.orangelogic_writes)
    iconik.update(plan.iconik_writes)
    later = T0 + timedelta(minutes=1)
    touched = {write.side for write in plan.writes}
    again = plan_asset(
        field_map,
        {**bases, **plan.bases},
        ol,
        iconik,
        ol_modified=later if "orangelogic" in touched else ol_modified,
        iconik_modified=later if "iconik" in touched else iconik_modified,
        now=later,
    )
    assert not again.has_writes, again.describe()
    if plan.writes:
        (decision,) = again.decisions
        assert decision.reason == Reason.ECHO and decision.echo in touched


@SETTINGS
@given(field_and_values(2), st.data())
def test_an_echo_of_what_we_wrote_never_produces_a_write(
    case: tuple[FieldSpec, list[Canonical]], data: st.DataObject
) -> None:
    spec, (written, _) = case
    spec = _configure(spec, data.draw)
    side: Side = data.draw(st.sampled_from(["orangelogic", "iconik"]))
    base = FieldBase.of(written, synced_at=T0, written_to=(side,))
    modified = {"orangelogic": T0 - timedelta(hours=1), "iconik": T0 - timedelta(hours=1)}
    modified[side] = T0 + timedelta(seconds=data.draw(st.integers(1, 3600)))
    decision = merge_field(
        spec,
        base,
        from_orangelogic(spec, to_orangelogic(spec, written)),
        from_iconik(spec, to_iconik(spec, written)),
        orangelogic_modified=modified["orangelogic"],
        iconik_modified=modified["iconik"],
    )
    assert (decision.action, decision.reason, decision.echo) == ("noop", Reason.ECHO, side)


_MIRROR = {
    "write_iconik": "write_orangelogic",
    "write_orangelogic": "write_iconik",
    "noop": "noop",
    "conflict": "conflict",
}
_MIRROR_REASON = {
    Reason.ONE_SIDED_ICONIK: Reason.ONE_SIDED_ORANGELOGIC,
    Reason.ONE_SIDED_ORANGELOGIC: Reason.ONE_SIDED_ICONIK,
}


@SETTINGS
@given(situations())
def test_newest_wins_is_symmetric_under_swapping_the_sides(
    situation: tuple[FieldSpec, FieldBase | None, Canonical, Canonical, datetime, datetime],
) -> None:
    spec, base, a, b, a_modified, b_modified = situation
    spec = replace(spec, policy="newest_wins", direction="both")
    swapped = replace(spec, owner="iconik" if spec.owner == "orangelogic" else "orangelogic")
    one = merge_field(spec, base, a, b, orangelogic_modified=a_modified, iconik_modified=b_modified)
    two = merge_field(swapped, base, b, a, orangelogic_modified=b_modified, iconik_modified=a_modified)
    assert two.action == _MIRROR[one.action]
    assert two.value == one.value and two.conflict == one.conflict and two.updates_base == one.updates_base
    assert two.reason == _MIRROR_REASON.get(one.reason, one.reason)

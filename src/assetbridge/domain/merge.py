"""Three-way merge of one field: the last synced base against the current value on each side.

Rules (``reason`` names each outcome; see ``Reason``):

* Nothing changed since the base: no-op; when a side was modified after the last sync and holds exactly
  the value AssetBridge wrote there, the read is an echo of our own write and is suppressed.
* One side changed: the change is written to the other side.
* Both changed to the same value: the base is moved to it, nothing is written.
* Both changed to different values (a conflict): ``owner_wins`` writes the owner's value over the other;
  ``newest_wins`` the value of the side modified last (a tie, or a missing time, goes to the owner);
  ``manual`` writes nothing and records the conflict for review.
* One-way fields never write to their source side. A change on the target side (against the direction)
  is reverted — the source's value is written back — or, under ``manual``, recorded for review. In a
  conflict the source's value wins (``manual``: recorded).
* First sync (no base): equal values link the base; one empty side is filled from the other; different
  values are settled as a conflict. A one-way field whose source is empty writes nothing and links
  nothing (an empty source must not wipe a value the target already had).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from assetbridge.domain.fieldmap import SIDES, FieldSpec, Side, other_side
from assetbridge.domain.fingerprint import fingerprint
from assetbridge.domain.values import Canonical

Action = Literal["noop", "write_iconik", "write_orangelogic", "conflict", "error"]


class Reason(StrEnum):
    UNCHANGED = "unchanged"
    ECHO = "echo of our write suppressed"
    ONE_SIDED_ORANGELOGIC = "one-sided change on orangelogic"
    ONE_SIDED_ICONIK = "one-sided change on iconik"
    SAME_VALUE = "both changed to the same value"
    CONFLICT_OWNER = "conflict settled by owner_wins"
    CONFLICT_NEWEST = "conflict settled by newest_wins"
    CONFLICT_DIRECTION = "conflict settled by direction"
    CONFLICT_MANUAL = "conflict recorded for manual review"
    AGAINST_DIRECTION_REVERTED = "change against direction reverted"
    AGAINST_DIRECTION_MANUAL = "change against direction recorded for manual review"
    FIRST_EQUAL = "first sync: equal values linked"
    FIRST_FILL = "first sync: empty side filled"
    FIRST_SOURCE_EMPTY = "first sync: one-way source empty, nothing to copy"
    FIRST_OWNER = "first sync: values differ, settled by owner_wins"
    FIRST_NEWEST = "first sync: values differ, settled by newest_wins"
    FIRST_DIRECTION = "first sync: values differ, settled by direction"
    FIRST_MANUAL = "first sync: values differ, recorded for manual review"
    NOT_READ = "field not read on one side or both"
    VALUE_REJECTED = "value rejected"


_ONE_SIDED = {"orangelogic": Reason.ONE_SIDED_ORANGELOGIC, "iconik": Reason.ONE_SIDED_ICONIK}


@dataclass(frozen=True)
class FieldBase:
    """What both sides held after the last sync of a field.

    ``synced_at`` is when that sync was planned (before its writes); ``written_to`` the sides it wrote.
    """

    value: Canonical
    fingerprint: str
    synced_at: datetime | None = None
    written_to: tuple[Side, ...] = ()

    @classmethod
    def of(
        cls, value: Canonical, *, synced_at: datetime | None = None, written_to: tuple[Side, ...] = ()
    ) -> FieldBase:
        return cls(value, fingerprint(value), synced_at, written_to)


@dataclass(frozen=True)
class FieldDecision:
    """The merge outcome for one field.

    ``value`` is what is written (``write_*``), agreed (a base link) or ``None``. ``conflict`` is true
    when both sides had changed (or differed at first sync), whether a policy settled it or not.
    ``updates_base``: store ``value`` as the new base once the write (if any) succeeded.
    """

    field: str
    action: Action
    reason: Reason
    value: Canonical = None
    orangelogic: Canonical = None
    iconik: Canonical = None
    base: Canonical = None
    conflict: bool = False
    updates_base: bool = False
    echo: Side | None = None
    error: str | None = None

    @property
    def target(self) -> Side | None:
        if self.action == "write_iconik":
            return "iconik"
        if self.action == "write_orangelogic":
            return "orangelogic"
        return None


def _write(target: Side) -> Action:
    return "write_iconik" if target == "iconik" else "write_orangelogic"


def _decide(
    spec: FieldSpec,
    action: Action,
    reason: Reason,
    values: dict[Side, Canonical],
    base: Canonical,
    *,
    value: Canonical = None,
    conflict: bool = False,
    updates_base: bool = False,
    echo: Side | None = None,
) -> FieldDecision:
    return FieldDecision(
        spec.name,
        action,
        reason,
        value=value,
        orangelogic=values["orangelogic"],
        iconik=values["iconik"],
        base=base,
        conflict=conflict,
        updates_base=updates_base,
        echo=echo,
    )


def _winner(spec: FieldSpec, ol_modified: datetime | None, iconik_modified: datetime | None) -> Side:
    """The side whose value wins a conflict on a two-way field under owner_wins or newest_wins."""
    if spec.policy == "newest_wins" and ol_modified is not None and iconik_modified is not None:
        if ol_modified > iconik_modified:
            return "orangelogic"
        if iconik_modified > ol_modified:
            return "iconik"
    return spec.owner


def _source(spec: FieldSpec) -> Side | None:
    if spec.direction == "orangelogic_to_iconik":
        return "orangelogic"
    if spec.direction == "iconik_to_orangelogic":
        return "iconik"
    return None


def _settle(
    spec: FieldSpec,
    values: dict[Side, Canonical],
    base: Canonical,
    ol_modified: datetime | None,
    iconik_modified: datetime | None,
    *,
    first: bool,
) -> FieldDecision:
    if spec.policy == "manual":
        reason = Reason.FIRST_MANUAL if first else Reason.CONFLICT_MANUAL
        return _decide(spec, "conflict", reason, values, base, conflict=True)
    source = _source(spec)
    if source is not None:
        winner = source
        reason = Reason.FIRST_DIRECTION if first else Reason.CONFLICT_DIRECTION
    else:
        winner = _winner(spec, ol_modified, iconik_modified)
        if spec.policy == "newest_wins":
            reason = Reason.FIRST_NEWEST if first else Reason.CONFLICT_NEWEST
        else:
            reason = Reason.FIRST_OWNER if first else Reason.CONFLICT_OWNER
    return _decide(
        spec,
        _write(other_side(winner)),
        reason,
        values,
        base,
        value=values[winner],
        conflict=True,
        updates_base=True,
    )


def _first_sync(
    spec: FieldSpec,
    values: dict[Side, Canonical],
    ol_modified: datetime | None,
    iconik_modified: datetime | None,
) -> FieldDecision:
    if fingerprint(values["orangelogic"]) == fingerprint(values["iconik"]):
        return _decide(
            spec, "noop", Reason.FIRST_EQUAL, values, None, value=values["orangelogic"], updates_base=True
        )
    for target in SIDES:
        if values[target] is None:
            if spec.writes_to(target):
                return _decide(
                    spec,
                    _write(target),
                    Reason.FIRST_FILL,
                    values,
                    None,
                    value=values[other_side(target)],
                    updates_base=True,
                )
            return _decide(spec, "noop", Reason.FIRST_SOURCE_EMPTY, values, None)
    return _settle(spec, values, None, ol_modified, iconik_modified, first=True)


def _echo(base: FieldBase, modified: dict[Side, datetime | None]) -> Side | None:
    if base.synced_at is None:
        return None
    for side in base.written_to:
        when = modified[side]
        if when is not None and when > base.synced_at:
            return side
    return None


def merge_field(
    spec: FieldSpec,
    base: FieldBase | None,
    orangelogic: Canonical,
    iconik: Canonical,
    *,
    orangelogic_modified: datetime | None = None,
    iconik_modified: datetime | None = None,
) -> FieldDecision:
    """Decide what to do with one field; pure and deterministic."""
    values: dict[Side, Canonical] = {"orangelogic": orangelogic, "iconik": iconik}
    if base is None:
        return _first_sync(spec, values, orangelogic_modified, iconik_modified)
    changed = {side: fingerprint(value) != base.fingerprint for side, value in values.items()}
    if not changed["orangelogic"] and not changed["iconik"]:
        echo = _echo(base, {"orangelogic": orangelogic_modified, "iconik": iconik_modified})
        reason = Reason.ECHO if echo else Reason.UNCHANGED
        return _decide(spec, "noop", reason, values, base.value, echo=echo)
    if changed["orangelogic"] and changed["iconik"]:
        if fingerprint(orangelogic) == fingerprint(iconik):
            return _decide(
                spec, "noop", Reason.SAME_VALUE, values, base.value, value=orangelogic, updates_base=True
            )
        return _settle(spec, values, base.value, orangelogic_modified, iconik_modified, first=False)
    changed_side: Side = "orangelogic" if changed["orangelogic"] else "iconik"
    target = other_side(changed_side)
    if spec.writes_to(target):
        return _decide(
            spec,
            _write(target),
            _ONE_SIDED[changed_side],
            values,
            base.value,
            value=values[changed_side],
            updates_base=True,
        )
    if spec.policy == "manual":
        return _decide(spec, "conflict", Reason.AGAINST_DIRECTION_MANUAL, values, base.value, conflict=True)
    return _decide(
        spec,
        _write(changed_side),
        Reason.AGAINST_DIRECTION_REVERTED,
        values,
        base.value,
        value=base.value,
        updates_base=True,
    )

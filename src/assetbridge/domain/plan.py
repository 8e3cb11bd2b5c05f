"""The sync plan of one asset: every field merged, writes encoded for each side, errors kept visible.

``plan_asset`` takes the raw values as each side reports them — Orange Logic values keyed by Orange Logic
field name, iconik values keyed by the field map's iconik target (``asset.title``,
``metadata.<field>``; ``iconik_values_from`` builds that mapping from an asset and its metadata values).
A field missing from either mapping was not read and is left alone. The plan is pure: nothing is
written, and the same inputs always give the same plan.

Before a write is planned, the plan checks what the target will read back; when the target's spelling
loses something (a ``case`` transform read back from Orange Logic), the normalized value is written to
the source side too so that both sides and the base agree — or, when the direction forbids writing the
source, the field becomes an error instead of a loop.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from assetbridge.domain.convert import NO_LIMITS, Allowed, from_side, to_side
from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import FieldMap, FieldSpec, Side, other_side
from assetbridge.domain.fingerprint import canonical_json, fingerprint
from assetbridge.domain.merge import FieldBase, FieldDecision, Reason, merge_field
from assetbridge.domain.values import Canonical


@dataclass(frozen=True)
class PlannedWrite:
    """One field value to write: ``key`` is the Orange Logic field name or the iconik target."""

    field: str
    side: Side
    key: str
    raw: Any
    value: Canonical


@dataclass(frozen=True)
class SyncPlan:
    """What one sync pass of an asset does.

    ``bases``: the new base of each field, to store once all writes succeeded.
    ``errors``: values that could not be read or cannot be written; those fields are left alone.
    """

    decisions: tuple[FieldDecision, ...]
    writes: tuple[PlannedWrite, ...]
    bases: Mapping[str, FieldBase]
    errors: tuple[FieldValueError, ...]

    @property
    def orangelogic_writes(self) -> dict[str, str]:
        """Orange Logic field name → DataTable value (``""`` clears the field)."""
        return {write.key: write.raw for write in self.writes if write.side == "orangelogic"}

    @property
    def iconik_writes(self) -> dict[str, Any]:
        """iconik target (``asset.title``, ``metadata.<field>``) → raw iconik value."""
        return {write.key: write.raw for write in self.writes if write.side == "iconik"}

    @property
    def has_writes(self) -> bool:
        return bool(self.writes)

    @property
    def conflicts(self) -> tuple[FieldDecision, ...]:
        """Fields both sides changed: settled by a policy or (action ``conflict``) left for review."""
        return tuple(decision for decision in self.decisions if decision.conflict)

    @property
    def echoes(self) -> tuple[FieldDecision, ...]:
        return tuple(decision for decision in self.decisions if decision.reason == Reason.ECHO)

    def iconik_metadata_values(self) -> dict[str, Any]:
        """The ``metadata_values`` of a view PUT for the metadata writes (reference iconik §4.4)."""
        prefix = "metadata."
        return {key[len(prefix) :]: raw for key, raw in self.iconik_writes.items() if key.startswith(prefix)}

    def iconik_asset_changes(self) -> dict[str, Any]:
        """The asset attributes to PATCH (``{"title": ...}``)."""
        prefix = "asset."
        return {key[len(prefix) :]: raw for key, raw in self.iconik_writes.items() if key.startswith(prefix)}

    def describe(self) -> str:
        """One line per field for dry runs; writes show the raw value each side would receive."""
        lines: list[str] = []
        for decision in self.decisions:
            line = f"{decision.field}: {decision.action} ({decision.reason})"
            for write in self.writes:
                if write.field == decision.field:
                    line += f"; {write.side} {write.key} <- {json.dumps(write.raw, ensure_ascii=False)}"
            if decision.action == "conflict":
                line += (
                    f"; orangelogic={canonical_json(decision.orangelogic)}"
                    f" iconik={canonical_json(decision.iconik)}"
                )
            if decision.error:
                line += f"; {decision.error}"
            lines.append(line)
        return "\n".join(lines)


def iconik_values_from(
    field_map: FieldMap, asset: Mapping[str, Any] | None, metadata_values: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The ``iconik_values`` of ``plan_asset`` from an asset object and a view's ``metadata_values``.

    iconik leaves fields without values out of ``metadata_values``: when the view was read, a mapped
    field missing from it is empty. Asset attributes are taken from ``asset`` when it was read.
    """
    values: dict[str, Any] = {}
    for spec in field_map.fields:
        attribute = spec.iconik_attribute
        if attribute is not None:
            if asset is not None and attribute in asset:
                values[spec.iconik] = asset[attribute]
        elif metadata_values is not None:
            values[spec.iconik] = metadata_values.get(spec.iconik_metadata_field or "", {"field_values": []})
    return values


def _key(spec: FieldSpec, side: Side) -> str:
    return spec.orangelogic if side == "orangelogic" else spec.iconik


def _error_decision(spec: FieldSpec, error: FieldValueError, decision: FieldDecision | None) -> FieldDecision:
    if decision is None:
        return FieldDecision(spec.name, "error", Reason.VALUE_REJECTED, error=str(error))
    return replace(
        decision, action="error", reason=Reason.VALUE_REJECTED, updates_base=False, error=str(error)
    )


def _planned_writes(
    spec: FieldSpec, decision: FieldDecision, allowed: Allowed
) -> tuple[FieldDecision, list[PlannedWrite]]:
    target = decision.target
    if target is None:
        return decision, []
    raw = to_side(spec, target, decision.value, allowed)
    readback = from_side(spec, target, raw)
    writes = [PlannedWrite(spec.name, target, _key(spec, target), raw, decision.value)]
    if fingerprint(readback) == fingerprint(decision.value):
        return decision, writes
    source = other_side(target)
    if not spec.writes_to(source):
        raise FieldValueError(
            spec.name, target, decision.value, None, f"{target} would read it back as {readback!r}"
        )
    source_raw = to_side(spec, source, readback, allowed)
    writes.append(PlannedWrite(spec.name, source, _key(spec, source), source_raw, readback))
    return replace(decision, value=readback), writes


def plan_asset(
    field_map: FieldMap,
    base: Mapping[str, FieldBase],
    ol_values: Mapping[str, Any],
    iconik_values: Mapping[str, Any],
    *,
    ol_modified: datetime | None = None,
    iconik_modified: datetime | None = None,
    allowed: Allowed = NO_LIMITS,
    now: datetime | None = None,
) -> SyncPlan:
    """Merge every mapped field of one asset; ``now`` becomes ``synced_at`` of the new bases."""
    decisions: list[FieldDecision] = []
    writes: list[PlannedWrite] = []
    bases: dict[str, FieldBase] = {}
    errors: list[FieldValueError] = []
    for spec in field_map.fields:
        if spec.orangelogic not in ol_values or spec.iconik not in iconik_values:
            decisions.append(FieldDecision(spec.name, "noop", Reason.NOT_READ))
            continue
        decision: FieldDecision | None = None
        try:
            ol_value = from_side(spec, "orangelogic", ol_values[spec.orangelogic])
            iconik_value = from_side(spec, "iconik", iconik_values[spec.iconik])
            decision = merge_field(
                spec,
                base.get(spec.name),
                ol_value,
                iconik_value,
                orangelogic_modified=ol_modified,
                iconik_modified=iconik_modified,
            )
            decision, field_writes = _planned_writes(spec, decision, allowed)
        except FieldValueError as error:
            errors.append(error)
            decisions.append(_error_decision(spec, error, decision))
            continue
        decisions.append(decision)
        writes.extend(field_writes)
        if decision.updates_base:
            written = tuple(write.side for write in field_writes)
            bases[spec.name] = FieldBase.of(decision.value, synced_at=now, written_to=written)
    return SyncPlan(tuple(decisions), tuple(writes), bases, tuple(errors))

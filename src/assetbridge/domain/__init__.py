"""The pure domain: field map vocabulary, canonical values, codecs, transforms, fingerprints, merge, plans.

Nothing here does I/O; the engine feeds it values read by the connectors and carries out its plans.
"""

from assetbridge.domain.convert import Allowed, from_iconik, from_orangelogic, to_iconik, to_orangelogic
from assetbridge.domain.debounce import due_at, is_due
from assetbridge.domain.errors import FieldValueError
from assetbridge.domain.fieldmap import (
    Direction,
    FieldMap,
    FieldSpec,
    Policy,
    Side,
    Transform,
    ValueKind,
)
from assetbridge.domain.fingerprint import canonical_from_json, canonical_json, fingerprint
from assetbridge.domain.merge import FieldBase, FieldDecision, Reason, merge_field
from assetbridge.domain.plan import PlannedWrite, SyncPlan, iconik_values_from, plan_asset
from assetbridge.domain.values import Canonical

__all__ = [
    "Allowed",
    "Canonical",
    "Direction",
    "FieldBase",
    "FieldDecision",
    "FieldMap",
    "FieldSpec",
    "FieldValueError",
    "PlannedWrite",
    "Policy",
    "Reason",
    "Side",
    "SyncPlan",
    "Transform",
    "ValueKind",
    "canonical_from_json",
    "canonical_json",
    "due_at",
    "fingerprint",
    "from_iconik",
    "from_orangelogic",
    "iconik_values_from",
    "is_due",
    "merge_field",
    "plan_asset",
    "to_iconik",
    "to_orangelogic",
]

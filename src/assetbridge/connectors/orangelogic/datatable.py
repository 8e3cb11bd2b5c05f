"""Pure encoding of DataTable calls (reference §5.3–§5.4): paths, selectors, write operators, values.

Identifying criteria use a bare ``=``; assignments put the operator before ``=``: ``:=`` set,
``+=`` add existing authority values, ``++=`` add (creating missing values), ``--=`` clear,
``-=`` remove one value (§5.4 marks this operator as inferred). Multi-values travel pipe-joined.
In a form body the operator is folded into the key (``CoreField.Title:`` → ``CoreField.Title:=...``),
which is how real clients post long values (GET URLs over the limit get a 403, §1.2). Search caps a
value at 2048 characters (§9.2); the same cap is enforced here before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from assetbridge.connectors.orangelogic.models import FieldDefinition
from assetbridge.errors import ValidationError

SYSTEM = "orangelogic"
MAX_VALUE_LENGTH = 2048
API_PREFIX = "/API/DataTable/v2.2"
_MODEL = re.compile(r"^(Documents|Contacts)\.[\w\-]+(\.[\w\-]+)?$|^Documents\.All$|^Keywords(-links)?$")
_FIELD = re.compile(r"^[A-Za-z_][\w.\-'()]*$")


class Verb(StrEnum):
    READ = "Read"
    UPDATE = "Update"
    CREATE = "Create"
    CREATE_OR_UPDATE = "CreateOrUpdate"
    DELETE = "Delete"
    LIST_FIELDS = "ListFields"


class Op(StrEnum):
    SET = ":="
    ADD = "+="
    ADD_CREATING = "++="
    REMOVE = "-="
    CLEAR = "--="


Scalar = str | int | float | bool | date | datetime


def format_value(value: Scalar) -> str:
    """One value as DataTable expects it: booleans ``true``/``false``, dates ISO without zone (UTC)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class FieldWrite:
    """One assignment ``field <op> v1|v2``."""

    field: str
    op: Op
    values: tuple[str, ...] = ()

    @property
    def joined(self) -> str:
        return "|".join(self.values)


def set_value(field: str, value: Scalar | Sequence[Scalar] | None) -> FieldWrite:
    """Replace a field's value(s); ``None`` or an empty list clears it."""
    if value is None:
        return FieldWrite(field, Op.CLEAR)
    values = [value] if isinstance(value, Scalar) else list(value)
    if not values:
        return FieldWrite(field, Op.CLEAR)
    return FieldWrite(field, Op.SET, tuple(format_value(v) for v in values))


def add_values(field: str, values: Iterable[Scalar], *, create_missing: bool = False) -> FieldWrite:
    return FieldWrite(
        field, Op.ADD_CREATING if create_missing else Op.ADD, tuple(format_value(v) for v in values)
    )


def remove_value(field: str, value: Scalar) -> FieldWrite:
    return FieldWrite(field, Op.REMOVE, (format_value(value),))


def clear(field: str) -> FieldWrite:
    return FieldWrite(field, Op.CLEAR)


def path(model: str, verb: Verb) -> str:
    """``/API/DataTable/v2.2/Documents.Image.Default:Read``; the object model is validated (§4)."""
    if not _MODEL.match(model):
        raise ValueError(f"not a DataTable object model: {model!r} (expected e.g. Documents.Image.Default)")
    return f"{API_PREFIX}/{model}:{verb.value}"


def _invalid(call: str, message: str, field: str | None = None) -> ValidationError:
    return ValidationError(SYSTEM, call, message, detail={"field": field} if field else None)


def encode_writes(writes: Iterable[FieldWrite], *, call: str = "DataTable write") -> list[tuple[str, str]]:
    """Form pairs for the writes, checked client-side: field names, ``|`` inside a value, the 2048 cap."""
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    for write in writes:
        if not _FIELD.match(write.field):
            raise _invalid(call, f"field {write.field!r}: not a valid field API name", write.field)
        if write.field.lower() in seen:
            raise _invalid(call, f"field {write.field!r}: written twice in one call", write.field)
        seen.add(write.field.lower())
        for value in write.values:
            if "|" in value:
                raise _invalid(
                    call,
                    f"field {write.field!r}: value {value!r} contains '|', the multi-value separator",
                    write.field,
                )
        if write.op is not Op.CLEAR and not write.values:
            raise _invalid(
                call,
                f"field {write.field!r}: operator {write.op.value} needs at least one value",
                write.field,
            )
        if len(write.joined) > MAX_VALUE_LENGTH:
            raise _invalid(
                call,
                f"field {write.field!r}: value is {len(write.joined)} characters,"
                f" over the {MAX_VALUE_LENGTH} limit",
                write.field,
            )
        pairs.append((write.field + write.op.value[:-1], write.joined))
    return pairs


def encode_selector(selector: Mapping[str, Scalar], *, call: str = "DataTable call") -> list[tuple[str, str]]:
    """Identifying criteria (``CoreField.Identifier=ABR12``): bare ``=``, one value each."""
    pairs: list[tuple[str, str]] = []
    for name, value in selector.items():
        if not _FIELD.match(name):
            raise _invalid(call, f"selector {name!r}: not a valid field API name", name)
        text = format_value(value)
        if not text:
            raise _invalid(call, f"selector {name!r}: empty value", name)
        pairs.append((name, text))
    return pairs


def validate_against(
    writes: Iterable[FieldWrite], fields: Mapping[str, FieldDefinition], *, call: str
) -> None:
    """Refuse unknown or read-only fields, several values on a single field, and options not allowed."""
    by_lower = {name.lower(): spec for name, spec in fields.items()}
    for write in writes:
        spec = by_lower.get(write.field.lower())
        if spec is None:
            raise _invalid(call, f"field {write.field!r} does not exist on this tenant", write.field)
        if spec.read_only:
            raise _invalid(call, f"field {write.field!r} is read-only", write.field)
        if len(write.values) > 1 and not spec.multi_valued:
            raise _invalid(
                call, f"field {write.field!r} takes one value, got {len(write.values)}", write.field
            )
        if spec.options is None or write.op in (Op.CLEAR, Op.ADD_CREATING):
            continue
        allowed = {o.lower(): o for o in spec.options}
        for value in write.values:
            if value.lower() not in allowed:
                raise ValidationError(
                    SYSTEM,
                    call,
                    f"field {write.field!r}: value {value!r} is not one of the allowed options: "
                    + ", ".join(spec.options),
                    detail={"field": write.field, "value": value, "allowed": list(spec.options)},
                )


_TRUE = {"true", "1", "yes"}


def _flag(raw: Mapping[str, Any], *keys: str) -> bool:
    for key in keys:
        value = raw.get(key)
        if value is not None:
            return value is True or str(value).lower() in _TRUE
    return False


def _options(raw: Mapping[str, Any]) -> list[str] | None:
    """Allowed values of a select field; None for free fields (an empty ``Options`` list on a text
    field means "no list", not "nothing allowed")."""
    authority = raw.get("IsBasedOnAuthorityTable")
    if authority is not None and not _flag(raw, "IsBasedOnAuthorityTable"):
        return None
    for key in ("Options", "AllowedValues", "AuthorityValues", "Values", "PossibleValues"):
        value = raw.get(key)
        if isinstance(value, str):
            value = [v for v in value.split("|") if v]
        if isinstance(value, list) and (value or authority is not None):
            return [str(v.get("Value", v.get("Label", ""))) if isinstance(v, dict) else str(v) for v in value]
    return None


def parse_field_definitions(response: Any) -> dict[str, FieldDefinition]:
    """``:ListFields`` ``Response`` — an object keyed by field name, or a list of field objects (§5.2)."""
    entries: list[tuple[str, Mapping[str, Any]]] = []
    if isinstance(response, Mapping):
        entries = [(str(k), v if isinstance(v, Mapping) else {}) for k, v in response.items()]
    elif isinstance(response, list):
        for raw in response:
            if isinstance(raw, Mapping):
                name = (
                    raw.get("SecondaryNameSpaceFieldName") or raw.get("NameSpaceFieldName") or raw.get("Name")
                )
                if name:
                    entries.append((str(name), raw))
    result: dict[str, FieldDefinition] = {}
    for name, raw in entries:
        length = raw.get("DataLength")
        result[name] = FieldDefinition(
            name=name,
            data_type=str(raw["DataType"]) if raw.get("DataType") is not None else None,
            multi_valued=_flag(raw, "IsMultiValued", "MultiValued"),
            read_only=_flag(raw, "IsReadOnly", "ReadOnly"),
            options=_options(raw),
            max_length=int(length)
            if isinstance(length, int) or (isinstance(length, str) and length.isdigit())
            else None,
        )
    return result


def split_multi(value: Any) -> list[str]:
    """A DataTable read value split on ``|`` (multi-values are pipe-joined, §5.3)."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    return [part for part in str(value).split("|") if part]

"""DataTable v2.2 on ``Documents.{Type}.{Subtype}`` and ``Documents.All`` (reference §5.3–§5.4).

Verbs ``Read``, ``Update``, ``Create``, ``CreateOrUpdate``, ``Delete``, ``ListFields``.
``Field=value`` selects; an operator folded before ``=`` writes: ``:=`` set, ``+=`` add existing
authority values (an unknown value fails the call), ``++=`` add and create missing authority values,
``--=`` clear (with values: remove those), ``-=`` remove values (operator inferred, §12.5), ``+:=``
treated as ``:=``. Multi-values are pipe-separated.

Platform behaviours reproduced: read-only fields are silently ignored; a field that does not exist does not
fail the call but is written to the record's ``CoreField.Import-messages`` (and listed in
``IgnoredParameters``); a select field accepts only its options; values over 2048 characters are rejected
(or truncated: ``value_limit_mode``). Writes validate everything first, then apply (all or nothing).
Subtypes are not enforced on reads or updates: the type part of the object name is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.responses import Response

from assetbridge_sandbox.orangelogic import fields as F
from assetbridge_sandbox.orangelogic.common import OLError, iso_date, json_response, parse_date
from assetbridge_sandbox.orangelogic.routing import Ctx
from assetbridge_sandbox.orangelogic.state import CONTAINER_TYPES, OLState, Record, Value
from assetbridge_sandbox.orangelogic.tenant import FieldDef

VALUE_LIMIT = 2048
CONTROL_PARAMS = {
    "format",
    "token",
    "dateformat",
    "allownotifications",
    "sortfield",
    "countperpage",
    "pagenumber",
    "usesession",
}
ALL_CRITERIA = {
    "recordid",
    "corefield.identifier",
    "corefield.unique-identifier",
    "corefield.originalfilename",
}
ALL_CRITERIA |= {"corefield.othernum"}
IDENTITY_CRITERIA = {"recordid", "corefield.identifier", "corefield.unique-identifier"}
OPERATORS = (("++", "++="), ("--", "--="), ("+:", ":="), ("+", "+="), ("-", "-="), (":", ":="))
DESCRIPTIONS = {
    "=": "Field must be equal to value",
    ":=": "Set the field to value",
    "+=": "Add the values to the field",
    "++=": "Add the values to the field, creating missing values",
    "--=": "Remove the values from the field (all when empty)",
    "-=": "Remove the values from the field",
}


@dataclass
class Assignment:
    name: str
    op: str
    value: str
    fdef: FieldDef | None


@dataclass
class Parsed:
    selectors: list[tuple[str, str]]
    updates: list[Assignment]
    ignored: list[str]


def _parse(ctx: Ctx) -> Parsed:
    parsed = Parsed([], [], [])
    for key, value in ctx.params.pairs:
        if key.lower() in CONTROL_PARAMS:
            continue
        op = "="
        name = key
        for suffix, operator in OPERATORS:
            if key.endswith(suffix):
                name, op = key[: -len(suffix)].strip(), operator
                break
        if op == "=":
            parsed.selectors.append((name.strip(), value))
        else:
            parsed.updates.append(Assignment(name, op, value, ctx.state.tenant.field(name)))
    return parsed


def _object(ctx: Ctx) -> tuple[str | None, str]:
    """(doc type or None for Documents.All, subtype)."""
    parts = ctx.match.group("obj").split(".")
    if not parts or parts[0].lower() != "documents" or len(parts) > 3 or len(parts) < 2:
        raise OLError(400, f"Unknown object '{ctx.match.group('obj')}'")
    if parts[1].lower() == "all":
        return None, "Default"
    doc_type = ctx.state.tenant.canonical_type(parts[1])
    subtype = (
        ctx.state.tenant.canonical_subtype(doc_type, parts[2] if len(parts) == 3 else "Default")
        if doc_type
        else None
    )
    if doc_type is None or subtype is None:
        raise OLError(400, f"Unknown object '{ctx.match.group('obj')}'")
    return doc_type, subtype


def _resolve_link(state: OLState, raw: str) -> Record | None:
    value = raw.strip()
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1]
        _, _, criterion = inner.rpartition("?") if "?" in inner else inner.rpartition(":")
        _, _, value = criterion.partition("=")
    return state.find(value.strip()) if value.strip() else None


def _selector_matches(state: OLState, record: Record, name: str, value: str) -> bool:
    if name.lower() == "corefield.parent-folder":
        target = _resolve_link(state, value)
        return target is not None and record.parent == target.record_id
    values = F.lookup(state, record, name) or []
    wanted = value.strip().casefold()
    for v in values:
        text = iso_date(v) if isinstance(v, datetime) else v
        if text.casefold() == wanted or (isinstance(v, datetime) and text[:10] == wanted):
            return True
    return False


def _find(ctx: Ctx, doc_type: str | None, selectors: list[tuple[str, str]]) -> list[Record]:
    state = ctx.state
    for name, _ in selectors:
        if doc_type is None and name.lower() not in ALL_CRITERIA:
            raise OLError(
                400,
                f"Documents.All can only be read by RecordID, CoreField.Identifier, "
                f"CoreField.OriginalFileName or CoreField.OtherNum, not '{name}'",
            )
        if name.lower() != "corefield.parent-folder" and F.lookup(state, state.root, name) is None:
            raise OLError(400, f"Unknown criterion field '{name}'")

    def matching(r: Record) -> bool:
        return (
            r is not state.root
            and (doc_type is None or r.doc_type == doc_type)
            and all(_selector_matches(state, r, n, v) for n, v in selectors)
        )

    for name, value in selectors:
        # identifiers are unique: the record they name is looked up, not scanned for
        named = state.find(value.strip()) if name.lower() in IDENTITY_CRITERIA else None
        if named is not None and matching(named):
            return [named]
    return [r for r in state.records.values() if matching(r)]


def _options(fdef: FieldDef, values: list[str], *, create: bool, state: OLState) -> list[str]:
    out: list[str] = []
    for value in values:
        match = next((o for o in fdef.options if o.casefold() == value.casefold()), None)
        if match is None:
            if not create:
                raise OLError(400, f"'{value}' is not a valid value for {fdef.name}")
            state.tenant.add_option(fdef, value)
            fdef = state.tenant.field(fdef.name) or fdef
            match = value
        out.append(match)
    return out


def _new_value(state: OLState, record: Record | None, a: Assignment) -> Value | None:
    """The field's new value, or None to leave it alone. Raises OLError for invalid input."""
    fdef = a.fdef
    assert fdef is not None
    value = a.value
    if len(value) > VALUE_LIMIT:
        if state.config.value_limit_mode == "reject":
            raise OLError(400, f"The value of {fdef.name} exceeds {VALUE_LIMIT} characters")
        value = value[:VALUE_LIMIT]
    current = record.values.get(fdef.name, [] if fdef.multi else "") if record else ([] if fdef.multi else "")
    items = [v.strip() for v in value.split("|") if v.strip()] if fdef.multi else ([value] if value else [])
    if fdef.type == "link":
        target = _resolve_link(state, value) if value else None
        if value and (target is None or target.doc_type not in CONTAINER_TYPES):
            raise OLError(400, f"The record '{value}' linked in {fdef.name} does not exist")
        return target.record_id if target else ""
    if fdef.type == "date" and a.op in (":=", "+=", "++="):
        try:
            return iso_date(parse_date(value)) if value else ""
        except ValueError as exc:
            raise OLError(400, f"'{value}' is not a valid date for {fdef.name}") from exc
    if fdef.is_authority and a.op in (":=", "+=", "++="):
        items = _options(fdef, items, create=a.op == "++=" and fdef.open, state=state)
    have = list(current) if isinstance(current, list) else ([current] if current else [])
    if a.op == ":=":
        return items if fdef.multi else (items[0] if items else "")
    if a.op in ("+=", "++="):
        if not fdef.multi:
            return items[0] if items else ""
        return have + [v for v in items if v.casefold() not in {h.casefold() for h in have}]
    if a.op == "--=" and not items:
        return [] if fdef.multi else ""
    remove = {v.casefold() for v in items}
    kept = [h for h in have if h.casefold() not in remove]
    return kept if fdef.multi else (kept[0] if kept else "")


def _apply(
    ctx: Ctx, record: Record | None, updates: list[Assignment], label: str
) -> tuple[dict[str, Value], list[str]]:
    new: dict[str, Value] = {}
    messages: list[str] = []
    for a in updates:
        if a.fdef is None:
            messages.append(f"The field '{a.name}' does not exist on {label}: the value was not imported.")
            continue
        if a.fdef.readonly:
            continue
        value = _new_value(ctx.state, record, a)
        if value is not None:
            new[a.fdef.name] = value
    return new, messages


def _display(value: Any) -> Any:
    if isinstance(value, list):
        return "|".join(value)
    return value


def record_view(state: OLState, record: Record) -> dict[str, Any]:
    out: dict[str, Any] = {
        "RecordID": record.record_id,
        "CoreField.Identifier": record.identifier,
        "CoreField.Unique-identifier": record.identifier,
        "CoreField.Type": record.search_doc_type,
        "CoreField.DocSubType": record.subtype,
        "CoreField.CreateDate": iso_date(record.created),
        "CoreField.EditDate": iso_date(record.edited),
        "CoreField.OriginalFileName": record.file_name,
        "CoreField.Version": record.version,
        "CoreField.Import-messages": "\n".join(record.import_messages),
    }
    for fdef in state.tenant.fields.values():
        if fdef.name not in out and fdef.name in record.values:
            out[fdef.name] = _display(record.values[fdef.name])
        elif fdef.name not in out and not fdef.readonly:
            out.setdefault(fdef.name, "")
    return dict(sorted(out.items()))


def _interpretation(parsed: Parsed) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Filters": [
            {"Field": n, "Operator": "=", "OperatorDescription": DESCRIPTIONS["="], "Value": v}
            for n, v in parsed.selectors
        ]
    }
    if parsed.updates:
        body["Updates"] = [
            {"Field": a.name, "Operator": a.op, "OperatorDescription": DESCRIPTIONS[a.op], "Value": a.value}
            for a in parsed.updates
        ]
    body["IgnoredParameters"] = parsed.ignored
    return body


def _write_result(record: Record) -> dict[str, Any]:
    return {
        "RecordID": record.record_id,
        "CoreField.Identifier": record.identifier,
        "RecordsAffected": {"Result": {"Code": "SUCCESS", "RecordID": record.record_id}},
    }


def _one(matches: list[Record]) -> Record:
    if not matches:
        raise OLError(400, "No record matches the criteria", code="NOT_FOUND")
    if len(matches) > 1:
        raise OLError(400, f"{len(matches)} records match the criteria: only one is allowed")
    return matches[0]


def _list_fields(ctx: Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, fdef in enumerate(ctx.state.tenant.fields.values()):
        namespace, _, short = fdef.name.rpartition(".")
        out[fdef.name] = {
            "SystemID": f"SBX{i:05d}",
            "NameSpaceFieldName": short,
            "SecondaryNameSpaceFieldName": fdef.name,
            "DataType": {"text": "Text", "date": "Date", "select": "Authority", "link": "Link"}.get(
                fdef.type, "Text"
            ),
            "DataLength": VALUE_LIMIT,
            "IsMultiValued": fdef.multi,
            "IsBasedOnAuthorityTable": fdef.is_authority,
            "IsReadOnly": fdef.readonly,
            "Options": list(fdef.options),
            "CanBeUsedAsAReadCriterion": True,
            "Namespace": namespace,
            "Label": fdef.label,
            "AlternateName": list(fdef.search),
        }
    return out


async def datatable(ctx: Ctx) -> Response:
    state = ctx.state
    verb = ctx.match.group("verb").lower()
    doc_type, subtype = _object(ctx)
    parsed = _parse(ctx)
    parsed.ignored.extend(a.name for a in parsed.updates if a.fdef is None)
    label = f"Documents.{doc_type or 'All'}.{subtype}"
    head = {"APIRequestInfo": ctx.info(), "RequestInterpretation": _interpretation(parsed)}
    if verb == "listfields":
        return json_response({**head, "Response": _list_fields(ctx)})
    if verb == "read":
        if not parsed.selectors:
            raise OLError(400, "A read needs at least one criterion (Field=value)")
        found = _find(ctx, doc_type, parsed.selectors)
        size = max(1, ctx.params.int("countperpage", 30))
        page = max(1, ctx.params.int("pagenumber", 1))
        window = found[(page - 1) * size : page * size]
        summary = {"CurrentPage": page, "ItemsPerPage": size, "TotalItemCount": len(found)}
        return json_response(
            {**head, "Response": [record_view(state, r) for r in window], "ResponseSummary": summary}
        )
    if verb in ("update", "delete"):
        if not parsed.selectors:
            raise OLError(400, f"{ctx.match.group('verb')} needs a criterion identifying one record")
        record = _one(_find(ctx, doc_type, parsed.selectors))
        if verb == "delete":
            state.delete(record, ctx.muted)
            return json_response({**head, "Response": _write_result(record)})
        changes, messages = _apply(ctx, record, parsed.updates, label)
        _commit(ctx, record, changes, messages)
        return json_response({**head, "Response": _write_result(record)})
    if verb in ("create", "createorupdate"):
        if doc_type is None:
            raise OLError(400, "Create needs a concrete object type, not Documents.All")
        found = (
            _find(ctx, doc_type, parsed.selectors) if verb == "createorupdate" and parsed.selectors else []
        )
        if found:
            record = _one(found)
            changes, messages = _apply(ctx, record, parsed.updates, label)
            _commit(ctx, record, changes, messages)
            return json_response({**head, "Response": _write_result(record)})
        seeds = [Assignment(n, ":=", v, state.tenant.field(n)) for n, v in parsed.selectors]
        changes, messages = _apply(
            ctx, None, [a for a in seeds if a.fdef is not None] + parsed.updates, label
        )
        parent = changes.pop("CoreField.Parent-folder", None)
        record = state.new_record(
            doc_type, subtype, changes, parent=str(parent) if parent else None, muted=ctx.muted
        )
        record.import_messages.extend(messages)
        return json_response({**head, "Response": _write_result(record)})
    raise OLError(400, f"Unknown DataTable verb '{ctx.match.group('verb')}'")


def _commit(ctx: Ctx, record: Record, changes: dict[str, Value], messages: list[str]) -> None:
    changed = any(record.values.get(k, "") != v for k, v in changes.items()) or bool(messages)
    record.values.update(changes)
    record.import_messages.extend(messages)
    if changed:
        ctx.state.touch(record, ctx.muted)

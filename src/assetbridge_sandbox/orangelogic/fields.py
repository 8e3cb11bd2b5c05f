"""Reading a record's values by any name the APIs accept: API names, search aliases, special criteria."""

from __future__ import annotations

from datetime import datetime

from assetbridge_sandbox.orangelogic.common import parse_date
from assetbridge_sandbox.orangelogic.state import OLState, Record, system_value
from assetbridge_sandbox.orangelogic.tenant import FieldDef

SPECIAL = ("text", "parentfolderidentifier", "parentfoldertitle", "path", "document.cortexpath", "childcount")
Scalar = str | datetime


def _as_list(value: object) -> list[Scalar]:
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if v != ""]
    if isinstance(value, datetime | str):
        return [value]
    return [str(value)]


def stored(state: OLState, record: Record, fdef: FieldDef) -> list[Scalar]:
    sys_value = system_value(state, record, fdef.name)
    if sys_value is not None:
        return _as_list(sys_value)
    values = _as_list(record.values.get(fdef.name))
    if fdef.type == "date":
        out: list[Scalar] = []
        for v in values:
            try:
                out.append(parse_date(v) if isinstance(v, str) else v)
            except ValueError:
                continue
        return out
    return values


def _ancestors(state: OLState, record: Record) -> list[Record]:
    out: list[Record] = []
    current = state.records.get(record.parent) if record.parent else None
    while current is not None and len(out) < 100:
        out.append(current)
        current = state.records.get(current.parent) if current.parent else None
    return out


def lookup(state: OLState, record: Record, name: str | None) -> list[Scalar] | None:
    """Values for a criterion or field name; ``None`` when the name is unknown to the tenant."""
    key = (name or "text").lower()
    if key in ("keyword(common)", "nativekeyword"):
        name = key = "corefield.keywords"
    if key == "text":
        out: list[Scalar] = [record.identifier, record.file_name]
        for each in state.tenant.fields.values():
            if each.type in ("text", "select") and each.name != "RecordID":
                out.extend(v for v in stored(state, record, each) if isinstance(v, str))
        return out
    if key == "parentfolderidentifier":
        return [v for a in _ancestors(state, record) for v in (a.identifier, a.record_id)]
    if key == "parentfoldertitle":
        parent = state.records.get(record.parent) if record.parent else None
        return _as_list(parent.values.get("CoreField.Title")) if parent else []
    if key in ("path", "document.cortexpath"):
        return [state.folder_path(record)]
    if key == "childcount":
        return [str(len(state.children(record.record_id)))]
    if key in ("mediatype", "doctype", "corefield.doctype"):
        return [record.search_doc_type, record.doc_type]
    fdef = state.tenant.field(name or "")
    if fdef is None:
        return None
    return stored(state, record, fdef)

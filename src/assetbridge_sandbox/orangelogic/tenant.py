"""Tenant configuration: the metadata fields, their types and authority-list options, and the subtypes.

Loaded from the YAML shipped beside this module (``tenant.yaml``) or from
``OrangeLogicSandboxConfig.tenant_file``. Real tenants define custom fields per instance under their own
namespace (reference §5.1); the sandbox uses ``AB.``. System fields (identifiers, dates, type) are not
configurable and are listed in ``SYSTEM_FIELDS``: they are read-only through DataTable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

FieldType = Literal["text", "date", "select", "bool", "number", "link"]

DEFAULT_TENANT_FILE = Path(__file__).with_name("tenant.yaml")

# Always present, never writable through DataTable (reference §5.3/§5.4: written by the platform).
SYSTEM_FIELDS: dict[str, tuple[FieldType, tuple[str, ...]]] = {
    "RecordID": ("text", ("RecordID", "MediaEncryptedIdentifier", "Document.RecordID")),
    "CoreField.Identifier": ("text", ("SystemIdentifier", "Identifier", "CoreField.Unique-identifier")),
    "CoreField.DocType": ("text", ("MediaType", "DocType", "CoreField.Type")),
    "CoreField.CreateDate": ("date", ("CreateDate",)),
    "CoreField.EditDate": ("date", ("EditDate", "GlobalEditDate")),
    "CoreField.MediaNumber": ("text", ("MediaNumber",)),
    "CoreField.FileSize": ("number", ("FileSize",)),
    "CoreField.Version": ("number", ("Version",)),
    "Document.FileExtension": ("text", ("FileExtension",)),
    "CoreField.MIMEtype": ("text", ("MIMEtype",)),
}


@dataclass(frozen=True)
class FieldDef:
    name: str
    label: str
    type: FieldType
    multi: bool = False
    options: tuple[str, ...] = ()
    open: bool = False  # authority list that ``++=`` may extend
    readonly: bool = False
    search: tuple[str, ...] = ()

    @property
    def is_authority(self) -> bool:
        return self.type == "select"


@dataclass
class Tenant:
    name: str
    subtypes: dict[str, list[str]]
    fields: dict[str, FieldDef] = field(default_factory=dict)  # keyed by lower-case API name
    aliases: dict[str, str] = field(default_factory=dict)  # lower-case search alias -> API name

    def field(self, name: str) -> FieldDef | None:
        key = name.lower()
        found = self.fields.get(key)
        if found is not None:
            return found
        alias = self.aliases.get(key)
        return self.fields.get(alias.lower()) if alias else None

    def canonical_subtype(self, doc_type: str, subtype: str) -> str | None:
        for name in self.subtypes.get(doc_type, []):
            if name.lower() == subtype.lower():
                return name
        return None

    def canonical_type(self, doc_type: str) -> str | None:
        for name in self.subtypes:
            if name.lower() == doc_type.lower():
                return name
        return None

    def add_option(self, fdef: FieldDef, value: str) -> None:
        updated = FieldDef(**{**fdef.__dict__, "options": (*fdef.options, value)})
        self.fields[fdef.name.lower()] = updated


def _field_def(raw: dict[str, Any]) -> FieldDef:
    return FieldDef(
        name=str(raw["name"]),
        label=str(raw.get("label", raw["name"])),
        type=raw.get("type", "text"),
        multi=bool(raw.get("multi", False)),
        options=tuple(str(o) for o in raw.get("options", [])),
        open=bool(raw.get("open", False)),
        readonly=bool(raw.get("readonly", False)),
        search=tuple(str(s) for s in raw.get("search", [])),
    )


def load_tenant(path: Path | None = None) -> Tenant:
    raw = yaml.safe_load((path or DEFAULT_TENANT_FILE).read_text(encoding="utf-8")) or {}
    tenant = Tenant(
        name=str(raw.get("name", "sandbox")), subtypes={k: list(v) for k, v in raw["subtypes"].items()}
    )
    for name, (ftype, aliases) in SYSTEM_FIELDS.items():
        tenant.fields[name.lower()] = FieldDef(
            name=name, label=name, type=ftype, readonly=True, search=aliases
        )
    for item in raw.get("fields", []):
        fdef = _field_def(item)
        tenant.fields[fdef.name.lower()] = fdef
    for fdef in tenant.fields.values():
        for alias in fdef.search:
            tenant.aliases[alias.lower()] = fdef.name
    return tenant

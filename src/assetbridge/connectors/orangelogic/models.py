"""Typed views of what Orange Logic returns and what we send; unknown response keys are kept, never fatal.

Search items (§3.4) carry values as plain strings, ``{"Value": ...}`` objects or lists of
``{"Value"|"KeywordText"|"Identifier": ...}``; renditions come as ``Path_<FMT>`` objects
``{"URI", "Width", "Height", "Warning"?}``. Dates arrive as ``M/d/yyyy h:mm:ss AM`` (v3 Search) or
ISO-8601 (DataTable, webapi).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_US_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def parse_date(value: Any) -> datetime | None:
    """An Orange Logic date in any of its spellings as an aware UTC datetime; ``None`` when empty."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        for fmt in _US_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def scalar_values(value: Any) -> list[str]:
    """Normalise a field value (string | {"Value"} | list of objects | pipe-joined string) to strings."""
    if value is None or value == "":
        return []
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        for key in ("Value", "KeywordText", "Identifier", "value"):
            if key in value:
                return scalar_values(value[key])
        return []
    if isinstance(value, list):
        return [v for item in value for v in scalar_values(item)]
    return [str(value)]


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Rendition(_Lenient):
    """One ``Path_<FMT>`` value; ``uri`` is empty (and ``warning`` set) when the format does not exist."""

    format: str
    uri: str = ""
    width: int | None = None
    height: int | None = None
    warning: str | None = None
    fetched_at: datetime | None = None

    @property
    def available(self) -> bool:
        return bool(self.uri)

    @classmethod
    def from_item(cls, fmt: str, raw: Any, fetched_at: datetime | None = None) -> Rendition:
        if not isinstance(raw, dict):
            return cls(format=fmt, uri=raw if isinstance(raw, str) else "", fetched_at=fetched_at)

        def dim(key: str) -> int | None:
            value = raw.get(key)
            return (
                int(value)
                if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit())
                else None
            )

        return cls(
            format=fmt,
            uri=str(raw.get("URI") or ""),
            width=dim("Width"),
            height=dim("Height"),
            warning=raw.get("Warning") or None,
            fetched_at=fetched_at,
        )


class Asset(_Lenient):
    """An asset (or folder) with both identifiers (§4), its raw fields and its renditions."""

    system_identifier: str
    record_id: str | None = None
    title: str | None = None
    media_type: str | None = None
    create_date: datetime | None = None
    edit_date: datetime | None = None
    fields: dict[str, Any] = Field(default_factory=dict)
    renditions: dict[str, Rendition] = Field(default_factory=dict)

    def values(self, field: str) -> list[str]:
        """The field's values as strings (multi-values split, objects unwrapped)."""
        raw = self.fields.get(field)
        if isinstance(raw, str) and "|" in raw:
            return [part for part in raw.split("|") if part]
        return scalar_values(raw)

    def value(self, field: str) -> str | None:
        found = self.values(field)
        return found[0] if found else None

    @classmethod
    def from_search_item(
        cls, item: dict[str, Any], *, edit_date_field: str = "EditDate", fetched_at: datetime | None = None
    ) -> Asset:
        fields = {k: v for k, v in item.items() if not k.lower().startswith("path_")}
        renditions = {
            k[5:]: Rendition.from_item(k[5:], v, fetched_at)
            for k, v in item.items()
            if k.lower().startswith("path_")
        }
        record_id = (
            item.get("RecordID") or item.get("MediaEncryptedIdentifier") or item.get("Document.RecordID")
        )
        edit = parse_date(item.get(edit_date_field)) or parse_date(item.get("GlobalEditDate"))
        return cls(
            system_identifier=str(item.get("SystemIdentifier") or item.get("Identifier") or ""),
            record_id=str(record_id) if record_id else None,
            title=next(iter(scalar_values(item.get("Title"))), None),
            media_type=next(iter(scalar_values(item.get("MediaType") or item.get("DocType"))), None),
            create_date=parse_date(item.get("CreateDate")),
            edit_date=edit,
            fields=fields,
            renditions=renditions,
        )

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Asset:
        """From a DataTable ``Response`` record (§5.3: ``CoreField.*`` keys, ISO dates)."""
        ident = record.get("CoreField.Identifier") or record.get("CoreField.Unique-identifier") or ""
        return cls(
            system_identifier=str(ident),
            record_id=str(record["RecordID"]) if record.get("RecordID") else None,
            title=next(iter(scalar_values(record.get("CoreField.Title"))), None),
            media_type=next(
                iter(scalar_values(record.get("CoreField.Type") or record.get("CoreField.DocType"))), None
            ),
            create_date=parse_date(record.get("CoreField.CreateDate")),
            edit_date=parse_date(record.get("CoreField.EditDate")),
            fields=dict(record),
        )


class Folder(_Lenient):
    record_id: str
    system_identifier: str | None = None
    title: str | None = None
    parent_record_id: str | None = None


class SearchPage(_Lenient):
    """One page of Search results (§3.4 ``GlobalInfo`` + ``Items``)."""

    page_number: int
    total_count: int
    items: list[Asset]
    has_next: bool


class FieldDefinition(_Lenient):
    """One entry of ``:ListFields`` (§5.2); ``options`` is set for select (authority) fields."""

    name: str
    data_type: str | None = None
    multi_valued: bool = False
    read_only: bool = False
    options: list[str] | None = None
    max_length: int | None = None

    @property
    def is_select(self) -> bool:
        return self.options is not None


class WriteResult(_Lenient):
    record_id: str | None = None
    system_identifier: str | None = None
    records_affected: int | None = None


class UploadResult(_Lenient):
    """A finished upload: the asset's identifiers, and whether it was a duplicate the tenant reused."""

    system_identifier: str | None = None
    record_id: str | None = None
    status: str = "Success"
    version: int | None = None
    duplicate: bool = False


class SyncCursor(_Lenient):
    """Where an incremental pass stopped: the edit time and identifier of the last item handed out."""

    edited_at: datetime
    system_identifier: str = ""

    def before(self, asset: Asset) -> bool:
        """True when ``asset`` sorts after this cursor in (edit time, identifier) order."""
        if asset.edit_date is None:
            return True
        return (asset.edit_date, asset.system_identifier) > (self.edited_at, self.system_identifier)

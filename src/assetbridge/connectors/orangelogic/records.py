"""DataTable calls (reference §5): read, update, create, create-or-update, delete, list fields.

Writes are validated before sending — field names, ``|`` inside values, the 2048-character cap, and,
against the tenant's ``:ListFields`` (cached per object model), unknown and read-only fields and select
values outside their options. After an update the record is read back: the tenant accepts writes to
fields the asset does not have and only notes them in *Import Messages* (§7), which becomes a
``ValidationError`` naming the field. Creates are never re-sent blindly: after a transient failure the
record is looked up by its key first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assetbridge.connectors.orangelogic.core import Core
from assetbridge.connectors.orangelogic.datatable import (
    FieldWrite,
    Op,
    Scalar,
    Verb,
    encode_selector,
    encode_writes,
    parse_field_definitions,
    path,
    validate_against,
)
from assetbridge.connectors.orangelogic.errors import SYSTEM, import_messages, raise_for_import_messages
from assetbridge.connectors.orangelogic.models import Asset, FieldDefinition, WriteResult
from assetbridge.errors import NotFoundError, TransientError

IDENTIFIER = "CoreField.Identifier"
_REPEATABLE_OPS = (Op.SET, Op.CLEAR)


def first_record(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The record of a DataTable answer: ``Response`` as a list, an object, or ``Response.Record``."""
    response = data.get("Response")
    if isinstance(response, list):
        return next((r for r in response if isinstance(r, dict)), None)
    if isinstance(response, dict):
        record = response.get("Record")
        if isinstance(record, dict):
            return record
        if isinstance(record, list):
            return next((r for r in record if isinstance(r, dict)), None)
        return response if response.get("RecordID") else None
    return None


def write_result(data: Mapping[str, Any]) -> WriteResult:
    record = first_record(data) or {}
    response = data.get("Response")
    affected = response.get("RecordsAffected") if isinstance(response, dict) else None
    ident = (
        record.get(IDENTIFIER) or record.get("CoreField.Unique-identifier") or record.get("SystemIdentifier")
    )
    return WriteResult(
        record_id=str(record["RecordID"]) if record.get("RecordID") else None,
        system_identifier=str(ident) if ident else None,
        records_affected=affected if isinstance(affected, int) else None,
    )


class DataTableApi:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._fields: dict[str, dict[str, FieldDefinition]] = {}

    async def list_fields(
        self, model: str = "Documents.All", *, refresh: bool = False
    ) -> dict[str, FieldDefinition]:
        """The tenant's field catalogue for ``model`` (cached; ``refresh`` re-reads it)."""
        key = model.lower()
        if refresh or key not in self._fields:
            data = await self.core.call_json("POST", path(model, Verb.LIST_FIELDS), form=[], idempotent=True)
            self._fields[key] = parse_field_definitions(data.get("Response"))
        return self._fields[key]

    async def read(self, model: str, selector: Mapping[str, Scalar]) -> dict[str, Any]:
        """The one record matching ``selector`` (DataTable reads return one asset at a time, §5.3)."""
        call_path = path(model, Verb.READ)
        form = encode_selector(selector, call=f"POST {call_path}")
        data = await self.core.call_json("POST", call_path, form=form, idempotent=True)
        record = first_record(data)
        if record is None:
            shown = ", ".join(f"{k}={v}" for k, v in selector.items())
            raise NotFoundError(SYSTEM, f"POST {call_path}", f"no record matches {shown}", status=200)
        return record

    async def read_asset(self, system_identifier: str, model: str = "Documents.All") -> Asset:
        return Asset.from_record(await self.read(model, {IDENTIFIER: system_identifier}))

    async def _checked(
        self, model: str, writes: Sequence[FieldWrite], call: str, validate: bool
    ) -> list[tuple[str, str]]:
        pairs = encode_writes(writes, call=call)
        if validate:
            validate_against(writes, await self.list_fields(model), call=call)
        return pairs

    async def update(
        self,
        model: str,
        selector: Mapping[str, Scalar],
        writes: Sequence[FieldWrite],
        *,
        validate: bool = True,
        verify: bool = True,
        before: Mapping[str, Any] | None = None,
    ) -> dict[str, Any] | None:
        """Apply ``writes`` to the record matching ``selector``; with ``verify``, return it as read back.

        ``before`` is the record as last read, when the caller has it: only import messages that appeared
        since then are held against the write.
        """
        call_path = path(model, Verb.UPDATE)
        call = f"POST {call_path}"
        form = encode_selector(selector, call=call) + await self._checked(model, writes, call, validate)
        repeatable = all(w.op in _REPEATABLE_OPS for w in writes)
        await self.core.call_json("POST", call_path, form=form, idempotent=repeatable)
        if not verify:
            return None
        record = await self.read(model, selector)
        previous = import_messages(dict(before)) if before is not None else ()
        raise_for_import_messages(call, record, [w.field for w in writes], previous=previous)
        return record

    async def create(
        self,
        model: str,
        writes: Sequence[FieldWrite],
        *,
        key: tuple[str, Scalar] | None = None,
        validate: bool = True,
    ) -> WriteResult:
        """Create a record. ``key`` (e.g. ``("CoreField.Id_Client", "X1")``) is written too and, after a
        transient failure, used to find a record the failed call may have created before trying again."""
        call_path = path(model, Verb.CREATE)
        call = f"POST {call_path}"
        all_writes = [*writes, FieldWrite(key[0], Op.SET, (str(key[1]),))] if key else list(writes)
        form = await self._checked(model, all_writes, call, validate)
        try:
            data = await self.core.call_json("POST", call_path, form=form, idempotent=False)
        except TransientError:
            if key is None:
                raise
            found = await self._find(model, {key[0]: key[1]})
            if found is not None:
                return found
            data = await self.core.call_json("POST", call_path, form=form, idempotent=False)
        return write_result(data)

    async def _find(self, model: str, selector: Mapping[str, Scalar]) -> WriteResult | None:
        try:
            record = await self.read(model, selector)
        except NotFoundError:
            return None
        return write_result({"Response": [record]})

    async def create_or_update(
        self,
        model: str,
        key: Mapping[str, Scalar],
        writes: Sequence[FieldWrite],
        *,
        validate: bool = True,
    ) -> WriteResult:
        """Update the record matching ``key`` or create it (§5.4); repeatable when writes only set/clear."""
        call_path = path(model, Verb.CREATE_OR_UPDATE)
        call = f"POST {call_path}"
        form = encode_selector(key, call=call) + await self._checked(model, writes, call, validate)
        repeatable = all(w.op in _REPEATABLE_OPS for w in writes)
        data = await self.core.call_json("POST", call_path, form=form, idempotent=repeatable)
        return write_result(data)

    async def delete(self, model: str, selector: Mapping[str, Scalar]) -> None:
        """Delete the record matching ``selector``; deleting what is already gone is not an error."""
        call_path = path(model, Verb.DELETE)
        form = encode_selector(selector, call=f"POST {call_path}")
        try:
            await self.core.call_json("POST", call_path, form=form, idempotent=True)
        except NotFoundError:
            return

    def forget_fields(self, models: Iterable[str] = ()) -> None:
        for model in models or list(self._fields):
            self._fields.pop(model.lower(), None)

"""What one sync run works with: the config, both clients, the state database and the targets' schemas.

``open_context(loaded)`` builds the real clients from ``assetbridge.yaml`` (the same builders as
``assetbridge check``) and opens the state database (migrated to head). ``SyncContext.schema()`` reads
once per run what the plan needs from both systems: the iconik view's id, the select options each side
accepts (so a value the target refuses becomes a per-field error in the plan, never a failed request)
and whether the crosswalk field exists on the Orange Logic tenant.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import ParamSpec, TypeVar

from assetbridge.config import LoadedConfig
from assetbridge.config.models import MetadataSyncFlow
from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.models import FieldDefinition
from assetbridge.domain.convert import Allowed
from assetbridge.domain.fieldmap import FieldMap
from assetbridge.engine.schema_check import iconik_config, orangelogic_settings
from assetbridge.errors import ConfigError
from assetbridge.state import Database

P = ParamSpec("P")
T = TypeVar("T")

FLOW = "metadata_sync"
OL_MODEL = "Documents.All"


@dataclass(frozen=True)
class TargetSchema:
    view_id: str
    allowed: Allowed
    ol_fields: dict[str, FieldDefinition]
    crosswalk_field: str | None  # None when the tenant has no such field


@dataclass
class SyncContext:
    loaded: LoadedConfig
    db: Database
    ol: OrangeLogicClient
    iconik: IconikClient
    lookback_seconds: float = 5.0
    _schema: TargetSchema | None = field(default=None, repr=False)

    @property
    def field_map(self) -> FieldMap:
        return self.loaded.field_map

    @property
    def flow(self) -> MetadataSyncFlow:
        return self.loaded.config.flows.metadata_sync

    async def db_call(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a synchronous state function off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def schema(self) -> TargetSchema:
        if self._schema is None:
            self._schema = await self._read_schema()
        return self._schema

    async def _read_schema(self) -> TargetSchema:
        view_name = self.field_map.iconik_view
        views = await self.iconik.list_views()
        view = next((v for v in views if v.name == view_name), None)
        if view is None:
            raise ConfigError(
                f"iconik metadata view {view_name!r} does not exist", key="field_map.iconik_view"
            )
        iconik_fields = {f.name: f async for f in self.iconik.iter_fields()}
        ol_fields = await self.ol.datatable.list_fields(OL_MODEL)
        ol_by_lower = {name.lower(): definition for name, definition in ol_fields.items()}
        ol_allowed: dict[str, list[str]] = {}
        iconik_allowed: dict[str, list[str]] = {}
        for spec in self.field_map.fields:
            ol_def = ol_by_lower.get(spec.orangelogic.lower())
            if ol_def is not None and ol_def.options is not None:
                ol_allowed[spec.name] = list(ol_def.options)
            name = spec.iconik_metadata_field
            ic_def = iconik_fields.get(name) if name else None
            if ic_def is not None and ic_def.field_type == "drop_down" and ic_def.options is not None:
                iconik_allowed[spec.name] = [str(o.value) for o in ic_def.options]
        mirror = self.flow.match_key.mirror_field
        crosswalk = ol_by_lower.get(mirror.lower()) if mirror else None
        return TargetSchema(
            view_id=view.id,
            allowed=Allowed(orangelogic=ol_allowed, iconik=iconik_allowed),
            ol_fields=ol_fields,
            crosswalk_field=crosswalk.name if crosswalk is not None and not crosswalk.read_only else None,
        )

    def ol_multi(self, ol_field: str) -> bool:
        schema = self._schema
        if schema is None:
            return False
        lowered = ol_field.lower()
        return any(name.lower() == lowered and d.multi_valued for name, d in schema.ol_fields.items())


@asynccontextmanager
async def open_context(
    loaded: LoadedConfig, *, db: Database | None = None, upgrade: bool = True
) -> AsyncIterator[SyncContext]:
    """Clients and database for one run; closed (the database only when opened here) at the end."""
    conns = loaded.config.connections
    own_db = db is None
    database = db or Database(loaded.state_url)
    try:
        if upgrade:
            await asyncio.to_thread(database.upgrade)
        async with (
            OrangeLogicClient(orangelogic_settings(conns.orangelogic)) as ol,
            IconikClient(iconik_config(conns.iconik)) as iconik,
        ):
            yield SyncContext(loaded=loaded, db=database, ol=ol, iconik=iconik)
    finally:
        if own_db:
            database.dispose()

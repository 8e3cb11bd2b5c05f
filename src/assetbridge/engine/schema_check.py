"""Validate a field map against the live schemas of both systems (``assetbridge check``).

iconik: the metadata view exists, each ``metadata.<name>`` field exists and is in the view, its
``field_type`` and ``multi`` fit the canonical kind, it is writable when values flow into iconik, and a
``drop_down``'s options cover the value map's targets. Orange Logic (``:ListFields``): each field exists,
is writable when values flow into Orange Logic, its multi-valuedness fits, and a select field's options
cover the value map's sources. Connection problems (unreachable host, rejected credentials) become one
finding per system with a one-line message that never contains a secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from assetbridge.config import LoadedConfig
from assetbridge.config.models import IconikConnection, OrangeLogicConnection
from assetbridge.connectors.iconik.client import IconikClient
from assetbridge.connectors.iconik.config import IconikConfig
from assetbridge.connectors.iconik.models import MetadataField
from assetbridge.connectors.orangelogic.client import OrangeLogicClient
from assetbridge.connectors.orangelogic.models import FieldDefinition
from assetbridge.connectors.orangelogic.settings import OrangeLogicSettings
from assetbridge.domain.fieldmap import FieldMap, FieldSpec, Side
from assetbridge.errors import ApiError, AuthError, NotFoundError, TransientError
from assetbridge.transport.http import Timeouts
from assetbridge.transport.retry import RetryPolicy

Severity = Literal["error", "warning"]

# Canonical kind → iconik field_types that hold it (reference §4.2: field_type values).
ICONIK_TYPES: Mapping[str, frozenset[str]] = {
    "text": frozenset({"string", "string_exact", "text", "url", "email"}),
    "number": frozenset({"integer", "float"}),
    "boolean": frozenset({"boolean"}),
    "date": frozenset({"date"}),
    "datetime": frozenset({"datetime"}),
    "select": frozenset({"drop_down"}),
    "multiselect": frozenset({"drop_down"}),
    "tags": frozenset({"tag_cloud"}),
}
ICONIK_ASSET_ATTRIBUTES: Mapping[str, str] = {"title": "text"}

CHECK_RETRY = RetryPolicy(maximum_attempts=2, initial_interval=0.2, maximum_interval=1.0)
CHECK_TIMEOUTS = Timeouts(connect=5.0, read=20.0, write=20.0, pool=5.0)


@dataclass(frozen=True)
class Finding:
    severity: Severity
    side: Side
    field: str | None  # canonical field name; None for the connection or the view
    target: str  # the remote field, view or URL concerned
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "severity": self.severity,
            "side": self.side,
            "field": self.field,
            "target": self.target,
            "message": self.message,
        }


@dataclass
class SchemaReport:
    findings: list[Finding] = field(default_factory=list)
    reached: dict[str, bool] = field(default_factory=dict)  # side → connected and read its schema

    @property
    def ok(self) -> bool:
        return all(f.severity != "error" for f in self.findings) and all(self.reached.values())

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def iconik_config(conn: IconikConnection, *, quick: bool = False) -> IconikConfig:
    extra = {"retry": CHECK_RETRY, "timeouts": CHECK_TIMEOUTS} if quick else {}
    return IconikConfig(base_url=conn.base_url, app_id=conn.app_id, auth_token=conn.auth_token, **extra)


def orangelogic_settings(conn: OrangeLogicConnection, *, quick: bool = False) -> OrangeLogicSettings:
    auth = conn.auth.model_dump()
    for key, value in list(auth.items()):
        if hasattr(value, "get_secret_value"):
            auth[key] = value.get_secret_value()
    data: dict[str, object] = {"base_url": conn.base_url, "auth": auth}
    if quick:
        data.update(retry=CHECK_RETRY, timeouts=CHECK_TIMEOUTS)
    return OrangeLogicSettings.model_validate(data)


def _value_map(spec: FieldSpec) -> tuple[dict[str, str], str | None] | None:
    for transform in spec.transforms:
        if transform.kind == "value_map":
            mapping = {str(k): str(v) for k, v in dict(transform.args.get("map") or {}).items()}
            default = transform.args.get("default")
            return mapping, str(default) if default is not None else None
    return None


def _listed(values: Iterable[str]) -> str:
    return ", ".join(repr(v) for v in values)


def _iconik_metadata_findings(
    spec: FieldSpec, definition: MetadataField, ol_options: list[str] | None
) -> list[Finding]:
    name = spec.iconik_metadata_field or ""
    out: list[Finding] = []

    def add(severity: Severity, message: str) -> None:
        out.append(Finding(severity, "iconik", spec.name, spec.iconik, message))

    allowed = ICONIK_TYPES[spec.kind]
    if definition.field_type not in allowed:
        add(
            "error",
            f"iconik field {name!r} is of type {definition.field_type!r}, which cannot hold a {spec.kind} "
            f"value (needs {' or '.join(sorted(allowed))})",
        )
        return out
    if bool(definition.multi) != spec.is_multi:
        want = "multi-valued" if spec.is_multi else "single-valued"
        have = "multi-valued" if definition.multi else "single-valued"
        add("error", f"iconik field {name!r} is {have} but the mapping is {want} (set multi accordingly)")
    if definition.read_only and spec.writes_to("iconik"):
        add("error", f"iconik field {name!r} is read-only, but values flow into iconik ({spec.direction})")
    if definition.field_type != "drop_down":
        return out
    options = [str(o.value) for o in definition.options or []]
    option_set = set(options)
    value_map = _value_map(spec)
    if value_map is not None:
        mapping, default = value_map
        targets = [*mapping.values(), *([default] if default is not None else [])]
        missing = [v for v in dict.fromkeys(targets) if v not in option_set]
        if missing:
            add(
                "error",
                f"value map targets {_listed(missing)} are not options of iconik field {name!r} "
                f"(options: {_listed(options)})",
            )
        if spec.writes_to("orangelogic"):
            unmapped = [o for o in options if o not in set(mapping.values())]
            if unmapped:
                add(
                    "warning",
                    f"iconik options {_listed(unmapped)} have no Orange Logic value in the value map",
                )
    elif ol_options is not None:
        missing = [v for v in ol_options if v not in option_set]
        if missing and spec.writes_to("iconik"):
            add(
                "warning",
                f"Orange Logic options {_listed(missing)} are not options of iconik field {name!r}: "
                "assets holding them will report an error (add a value_map to translate them)",
            )
    return out


def check_iconik_schema(
    field_map: FieldMap,
    fields: Mapping[str, MetadataField],
    view_fields: set[str] | None,
    ol_fields: Mapping[str, FieldDefinition] | None = None,
    match_key: str | None = None,
) -> list[Finding]:
    """Findings for the iconik side given its field definitions and the view's field names (None: no view).

    ``match_key`` is the iconik side of the metadata sync's match key (``external_id`` or
    ``metadata.<name>``)."""
    out: list[Finding] = []
    if match_key is not None and match_key.startswith("metadata."):
        name = match_key[len("metadata.") :]
        if name not in fields:
            out.append(
                Finding(
                    "error", "iconik", None, match_key, f"match key field {name!r} does not exist in iconik"
                )
            )
    if view_fields is None:
        out.append(
            Finding(
                "error",
                "iconik",
                None,
                field_map.iconik_view,
                f"metadata view {field_map.iconik_view!r} does not exist",
            )
        )
    ol_by_lower = {k.lower(): v for k, v in (ol_fields or {}).items()}
    for spec in field_map.fields:
        attribute = spec.iconik_attribute
        if attribute is not None:
            expected = ICONIK_ASSET_ATTRIBUTES.get(attribute)
            if expected is None:
                out.append(
                    Finding(
                        "error",
                        "iconik",
                        spec.name,
                        spec.iconik,
                        f"{attribute!r} is not a syncable asset attribute "
                        f"(allowed: {', '.join(ICONIK_ASSET_ATTRIBUTES)})",
                    )
                )
            elif spec.kind != expected:
                out.append(
                    Finding(
                        "error",
                        "iconik",
                        spec.name,
                        spec.iconik,
                        f"asset.{attribute} holds {expected}, not {spec.kind}",
                    )
                )
            continue
        name = spec.iconik_metadata_field or ""
        definition = fields.get(name)
        if definition is None:
            out.append(
                Finding(
                    "error",
                    "iconik",
                    spec.name,
                    spec.iconik,
                    f"iconik metadata field {name!r} does not exist",
                )
            )
            continue
        if view_fields is not None and name not in view_fields:
            out.append(
                Finding(
                    "error",
                    "iconik",
                    spec.name,
                    spec.iconik,
                    f"iconik field {name!r} is not in the view {field_map.iconik_view!r}",
                )
            )
        ol_def = ol_by_lower.get(spec.orangelogic.lower())
        out.extend(_iconik_metadata_findings(spec, definition, ol_def.options if ol_def else None))
    return out


def _ol_multi_expected(spec: FieldSpec) -> bool:
    kinds = {t.kind for t in spec.transforms}
    if "split" in kinds:
        return False
    if "join" in kinds:
        return True
    return spec.is_multi


def check_orangelogic_schema(field_map: FieldMap, fields: Mapping[str, FieldDefinition]) -> list[Finding]:
    """Findings for the Orange Logic side given its ``:ListFields`` catalogue."""
    by_lower = {k.lower(): v for k, v in fields.items()}
    out: list[Finding] = []
    for spec in field_map.fields:

        def add(severity: Severity, message: str, spec: FieldSpec = spec) -> None:
            out.append(Finding(severity, "orangelogic", spec.name, spec.orangelogic, message))

        definition = by_lower.get(spec.orangelogic.lower())
        if definition is None:
            add("error", f"Orange Logic field {spec.orangelogic!r} does not exist on this tenant")
            continue
        if definition.read_only and spec.writes_to("orangelogic"):
            add(
                "error",
                f"Orange Logic field {spec.orangelogic!r} is read-only, but values flow into Orange Logic "
                f"({spec.direction}); make the field orangelogic_to_iconik",
            )
        if definition.multi_valued != _ol_multi_expected(spec):
            have = "multi-valued" if definition.multi_valued else "single-valued"
            add(
                "error",
                f"Orange Logic field {spec.orangelogic!r} is {have}, which the mapping does not expect",
            )
        if definition.options is None:
            continue
        allowed = {o.lower() for o in definition.options}
        value_map = _value_map(spec)
        if value_map is not None:
            sources = list(value_map[0])
            missing = [v for v in sources if v.lower() not in allowed]
            if missing:
                add(
                    "error",
                    f"value map sources {_listed(missing)} are not options of Orange Logic field "
                    f"{spec.orangelogic!r} (options: {_listed(definition.options)})",
                )
            unmapped = [o for o in definition.options if o.lower() not in {s.lower() for s in sources}]
            if unmapped and spec.writes_to("iconik") and value_map[1] is None:
                add("warning", f"Orange Logic options {_listed(unmapped)} are not in the value map")
    return out


def check_mirror_field(mirror: str | None, fields: Mapping[str, FieldDefinition]) -> list[Finding]:
    """The crosswalk mirror field: missing or read-only means the iconik id is not written to Orange Logic."""
    if mirror is None:
        return []
    definition = {k.lower(): v for k, v in fields.items()}.get(mirror.lower())
    if definition is not None and not definition.read_only:
        return []
    problem = "does not exist on this tenant" if definition is None else "is read-only"
    message = (
        f"crosswalk field {mirror!r} {problem}: iconik asset ids will not be mirrored into Orange Logic "
        "(create the field, or set flows.metadata_sync.match_key.mirror_field to another field or null)"
    )
    return [Finding("warning", "orangelogic", None, mirror, message)]


def _connection_message(system: str, base_url: str, exc: ApiError, secret_env: list[str]) -> str:
    label = "iconik" if system == "iconik" else "Orange Logic"
    if isinstance(exc, AuthError):
        hint = f"; check {', '.join(secret_env)}" if secret_env else ""
        return f"{label} at {base_url} rejected the credentials (HTTP {exc.status}){hint}"
    if isinstance(exc, TransientError) and exc.status is None:
        reason = exc.message.splitlines()[0] if exc.message else "no answer"
        return f"cannot reach {label} at {base_url}: {reason}"
    status = f"HTTP {exc.status}: " if exc.status is not None else ""
    first = exc.message.splitlines()[0] if exc.message else type(exc).__name__
    return f"{label} at {base_url} failed: {status}{first}"


def _secret_env(loaded: LoadedConfig, prefix: str) -> list[str]:
    from assetbridge.config import SECRET_KEYS

    names: list[str] = []
    for key, variables in loaded.env_sources.items():
        if key.startswith(prefix) and key.rsplit(".", 1)[-1] in SECRET_KEYS:
            names.extend(variables)
    return names


async def _read_iconik(
    client: IconikClient, view_name: str
) -> tuple[dict[str, MetadataField], set[str] | None]:
    fields = {f.name: f async for f in client.iter_fields()}
    views = await client.list_views()
    view = next((v for v in views if v.name == view_name), None)
    if view is None:
        return fields, None
    if not view.view_fields:
        view = await client.get_view(view.id)
    return fields, {f.name for f in view.view_fields}


async def check_live(loaded: LoadedConfig) -> SchemaReport:
    """Connect to both systems (concurrently) and check ``loaded.field_map`` against their schemas."""
    conns = loaded.config.connections
    report = SchemaReport(reached={"iconik": False, "orangelogic": False})
    field_map = loaded.field_map

    async def iconik_side() -> tuple[dict[str, MetadataField], set[str] | None] | None:
        try:
            async with IconikClient(iconik_config(conns.iconik, quick=True)) as client:
                result = await _read_iconik(client, field_map.iconik_view)
        except ApiError as exc:
            if isinstance(exc, NotFoundError):
                exc = ApiError(exc.system, exc.call, "not an iconik API (404)", status=exc.status)
            message = _connection_message(
                "iconik", conns.iconik.base_url, exc, _secret_env(loaded, "connections.iconik.")
            )
            report.findings.append(
                Finding("error", "iconik", None, conns.iconik.base_url, loaded.redact(message))
            )
            return None
        report.reached["iconik"] = True
        return result

    async def orangelogic_side() -> dict[str, FieldDefinition] | None:
        try:
            async with OrangeLogicClient(orangelogic_settings(conns.orangelogic, quick=True)) as client:
                result = await client.datatable.list_fields()
        except ApiError as exc:
            env = _secret_env(loaded, "connections.orangelogic.")
            message = _connection_message("orangelogic", conns.orangelogic.base_url, exc, env)
            report.findings.append(
                Finding("error", "orangelogic", None, conns.orangelogic.base_url, loaded.redact(message))
            )
            return None
        report.reached["orangelogic"] = True
        return result

    iconik_result, ol_fields = await asyncio.gather(iconik_side(), orangelogic_side())
    if ol_fields is not None:
        report.findings.extend(check_orangelogic_schema(field_map, ol_fields))
        report.findings.extend(
            check_mirror_field(loaded.config.flows.metadata_sync.match_key.mirror_field, ol_fields)
        )
    if iconik_result is not None:
        flow = loaded.config.flows.metadata_sync
        match_key = flow.match_key.iconik if flow.enabled else None
        report.findings.extend(
            check_iconik_schema(field_map, iconik_result[0], iconik_result[1], ol_fields, match_key)
        )
    return report

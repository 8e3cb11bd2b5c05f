"""``assetbridge.yaml``: connections, state, field map, flows and policies, validated with precise errors.

``load_config(path)`` returns a ``LoadedConfig`` (the pydantic ``AssetBridgeConfig``, the domain
``FieldMap``, the resolved state URL) or raises ``InvalidConfigError`` whose ``issues`` name file, line,
column, key, bad value and what is allowed — all problems of the file at once.

Environment references (see ``envrefs``): ``${VAR}`` anywhere; ``${VAR:-default}`` only for non-secret
keys; secret keys (``auth_token``, ``client_secret``, ``password``, ``token``, ``refresh_token``,
``authorization_code``) must be exactly ``${VAR}``. YAML is read with 1.2 rules (``NO`` stays ``"NO"``).
Anchors and ``<<`` merge keys work; top-level keys starting with ``x-`` are ignored (a place for anchors).
"""

from __future__ import annotations

from typing import Any

from assetbridge.config.envrefs import SECRET_KEYS
from assetbridge.config.issues import ConfigIssue, InvalidConfigError
from assetbridge.config.loader import LoadedConfig, build_field_map, load_config, load_text, to_field_map
from assetbridge.config.models import AssetBridgeConfig

__all__ = [
    "SECRET_KEYS",
    "AssetBridgeConfig",
    "ConfigIssue",
    "InvalidConfigError",
    "LoadedConfig",
    "build_field_map",
    "json_schema",
    "load_config",
    "load_text",
    "to_field_map",
]


_REFERENCE = r"\$\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}"


def _allow_references(node: Any) -> Any:
    """Let patterned strings, numbers and booleans also be written as ``${VAR}`` references."""
    if isinstance(node, list):
        return [_allow_references(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _allow_references(value) for key, value in node.items()}
    if out.get("type") == "string" and "pattern" in out:
        out["pattern"] = f"(?:{out['pattern']})|{_REFERENCE}"
    elif out.get("type") in ("number", "integer", "boolean"):
        reference = {"type": "string", "pattern": f"^{_REFERENCE}$"}
        keep = {k: v for k, v in out.items() if k in ("title", "description", "default")}
        rule = {k: v for k, v in out.items() if k not in keep}
        return {**keep, "anyOf": [rule, reference]}
    return out


def json_schema() -> dict[str, Any]:
    """JSON Schema of ``assetbridge.yaml`` for editors (draft 2020-12)."""
    schema: dict[str, Any] = _allow_references(AssetBridgeConfig.model_json_schema(mode="validation"))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "AssetBridge configuration (assetbridge.yaml)"
    return schema

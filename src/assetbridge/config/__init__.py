"""``assetbridge.yaml``: connections, state, field map, flows and policies, validated with precise errors.

``load_config(path)`` returns a ``LoadedConfig`` (the pydantic ``AssetBridgeConfig``, the domain
``FieldMap``, the resolved state URL) or raises ``InvalidConfigError`` whose ``issues`` name file, line,
column, key, bad value and what is allowed — all problems of the file at once.

Environment references (see ``envrefs``): ``${VAR}`` anywhere; ``${VAR:-default}`` only for non-secret
keys; secret keys (``auth_token``, ``client_secret``, ``password``, ``token``, ``refresh_token``,
``authorization_code``) must be exactly ``${VAR}``. YAML is read with 1.2 rules (``NO`` stays ``"NO"``).
"""

from __future__ import annotations

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


def json_schema() -> dict[str, object]:
    """JSON Schema of ``assetbridge.yaml`` for editors (draft 2020-12)."""
    schema = AssetBridgeConfig.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "AssetBridge configuration (assetbridge.yaml)"
    return schema

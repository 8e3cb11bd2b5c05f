"""Sandbox configuration: one YAML file (all keys optional) → ``SandboxConfig``.

Defaults give fixed loopback ports and credentials (documented in the README) so that
``assetbridge sandbox up`` with no arguments matches ``examples/sandbox.yaml``. Port 0 picks a free
port (used by the test suite).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from assetbridge_sandbox.faults import FaultRule


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RateLimitConfig(_Strict):
    enabled: bool = True
    per_second: int = Field(50, ge=1, description="sustained requests per second per App-ID")
    per_window: int = Field(1000, ge=1, description="requests allowed in any window")
    window_seconds: float = Field(20.0, gt=0)
    send_retry_after: bool = Field(True, description="add Retry-After to 429 responses")
    send_remaining: bool = Field(True, description="add RateLimit-Remaining to every response")


class WebhookDeliveryConfig(_Strict):
    duplicate_rate: float = Field(0.0, ge=0, le=1, description="share of deliveries sent twice")
    failing_after: int = Field(5, ge=1, description="consecutive failed deliveries before FAILING")
    timeout_seconds: float = Field(5.0, gt=0)


class IconikSandboxConfig(_Strict):
    port: int = Field(8701, ge=0, le=65535)
    app_id: str = "sandbox-app-id"
    auth_token: str = "sandbox-auth-token"  # noqa: S105 - a documented sandbox credential
    system_domain_id: str = "5a9f1c2e-0000-11ef-8000-0a580a000001"
    user_id: str = "5a9f1c2e-0000-11ef-8000-0a580a000002"
    rate_limit: RateLimitConfig = RateLimitConfig()
    webhooks: WebhookDeliveryConfig = WebhookDeliveryConfig()
    default_storage_method: Literal["GCS", "S3"] = "GCS"
    latency_ms: int = Field(0, ge=0, description="added to every response")
    faults: list[FaultRule] = []


class OrangeLogicSandboxConfig(_Strict):
    port: int = Field(8702, ge=0, le=65535)
    tenant_prefix: str = "ABR"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"  # noqa: S105
    login: str = "sandbox"
    password: str = "sandbox"  # noqa: S105
    token_ttl_seconds: int = Field(3600, ge=1)
    rendition_ttl_seconds: int = Field(600, ge=1)
    multipart_threshold_bytes: int = Field(1_610_612_736, ge=131_072, description="1.5 GiB on real tenants")
    webhook_secret: str = "sandbox-webhook-secret"  # noqa: S105
    latency_ms: int = Field(0, ge=0)
    faults: list[FaultRule] = []
    extra: dict[str, Any] = Field(default_factory=dict, description="emulator-specific settings")
    tenant_file: Path | None = Field(
        None, description="tenant field configuration; the packaged default if None"
    )
    static_bearer_token: str = Field(
        "sandbox-nonexpiring-bearer", description="the account's non-expiring bearer token (reference §2.4)"
    )
    legacy_error_status: int = Field(
        200, ge=200, le=599, description="HTTP status of legacy /API errors (real tenants answer 200 + Code)"
    )
    value_limit_mode: Literal["reject", "truncate"] = Field("reject", description="values over 2048 chars")
    max_get_url_chars: int = Field(2048, ge=64, description="longer GET URLs get 403 (reference §1.2)")
    search_max_page_size: int = Field(300, ge=1, description="countperpage above this is clamped")
    renditions: Literal["auto", "ffmpeg", "copy"] = Field("auto", description="auto = ffmpeg when present")
    webhooks_enabled: bool = Field(False, description="webhooks are off by default on real tenants")
    webhook_max_retries: int = Field(5, ge=0, le=20)
    webhook_retry_base_seconds: float = Field(0.05, ge=0, description="backoff base, doubled per retry")
    throttle_per_second: float = Field(0.0, ge=0, description="0 = no throttle; else 503 above this rate")


class StorageSandboxConfig(_Strict):
    port: int = Field(8703, ge=0, le=65535)
    url_ttl_seconds: int = Field(3600, ge=1, description="lifetime of signed upload/download URLs")
    signing_key: str = "sandbox-storage-signing-key"
    latency_ms: int = Field(0, ge=0)
    faults: list[FaultRule] = []
    s3_min_part_size: int = Field(
        5 * 1024 * 1024,
        ge=1,
        description="S3 multipart: minimum size of every part but the last (5 MiB on AWS)",
    )
    gcs_session_ttl_seconds: int = Field(
        7 * 86400, ge=1, description="GCS resumable session lifetime (7 days)"
    )


class SandboxConfig(_Strict):
    host: str = "127.0.0.1"
    data_dir: Path = Path(".sandbox-data")
    seed: int = 42
    catalog_size: int = Field(40, ge=0, le=100_000, description="assets seeded in each system")
    media: Literal["auto", "ffmpeg", "synthetic"] = "auto"
    iconik: IconikSandboxConfig = IconikSandboxConfig()
    orangelogic: OrangeLogicSandboxConfig = OrangeLogicSandboxConfig()
    storage: StorageSandboxConfig = StorageSandboxConfig()


class SandboxConfigError(Exception):
    pass


def load_config(path: Path | None) -> SandboxConfig:
    """Load and validate a sandbox YAML file; errors name the file, the key and what is allowed."""
    if path is None:
        return SandboxConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise SandboxConfigError(f"{path}: cannot read sandbox config: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise SandboxConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise SandboxConfigError(f"{path}: the top level must be a mapping, got {type(raw).__name__}")
    try:
        return SandboxConfig.model_validate(raw)
    except PydanticValidationError as exc:
        lines = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"])
            value = err.get("input")
            lines.append(f"{path}: {key}: {err['msg']} (got {value!r})")
        raise SandboxConfigError("\n".join(lines)) from exc

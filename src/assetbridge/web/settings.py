"""What the webhook receiver needs to know: verification secrets and the limits on what it accepts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from assetbridge.engine.webhook_admin import SECRET_HEADER as ICONIK_SECRET_HEADER


class ReceiverSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    orangelogic_secrets: tuple[SecretStr, ...] = Field(
        (), description="webhook signing secrets: the current one, plus the previous one during a rotation"
    )
    orangelogic_tolerance_seconds: float = Field(
        300.0, gt=0, description="how far webhook-timestamp may be from now (replay window)"
    )
    orangelogic_require_timestamp: bool = Field(
        True, description="refuse signatures without webhook-timestamp (they could be replayed forever)"
    )
    iconik_secret: SecretStr | None = Field(
        None, description="value AssetBridge registers in the secret header of its own iconik webhooks"
    )
    iconik_secret_header: str = ICONIK_SECRET_HEADER
    iconik_system_domain_id: str | None = Field(
        None, description="when set, iconik events from any other domain are refused"
    )
    api_token: SecretStr | None = Field(
        None, description="bearer token for the read API (/api/...); without one it answers loopback only"
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="larger bodies get 413, unread")
    max_json_depth: int = Field(64, ge=2, description="deeper JSON is quarantined, never parsed")

"""Settings for one Orange Logic tenant: an explicit object handed to the client, never a global.

Auth modes (reference §2): ``client_credentials`` (recommended; ``authenticate_46H_v1``), ``oauth2``
(``token_48I_v1`` with a refresh token), ``login`` (legacy ``/API/Authentication`` token sent as
``token=``) and ``bearer`` (the account's non-expiring token).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from assetbridge.transport.governor import GovernorConfig
from assetbridge.transport.http import Timeouts
from assetbridge.transport.retry import RetryPolicy

CHUNK_ALIGNMENT = 131_072  # §7.4: multi-part chunks are multiples of 128 KiB
DEFAULT_MULTIPART_THRESHOLD = 1_610_612_736  # §7: 1.5 GB per non-multipart upload


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClientCredentialsAuth(_Strict):
    mode: Literal["client_credentials"] = "client_credentials"
    client_id: str
    client_secret: SecretStr


class OAuth2Auth(_Strict):
    mode: Literal["oauth2"] = "oauth2"
    client_id: str
    client_secret: SecretStr
    refresh_token: SecretStr | None = Field(None, description="from a prior authorization-code grant")
    authorization_code: SecretStr | None = Field(None, description="exchanged once for tokens")


class LoginAuth(_Strict):
    mode: Literal["login"] = "login"
    login: str
    password: SecretStr


class BearerAuth(_Strict):
    mode: Literal["bearer"] = "bearer"
    token: SecretStr


AuthSettings = Annotated[
    ClientCredentialsAuth | OAuth2Auth | LoginAuth | BearerAuth, Field(discriminator="mode")
]


class OrangeLogicSettings(_Strict):
    base_url: str = Field(description="the tenant's own host, e.g. https://acme.orangelogic.com")
    auth: AuthSettings
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = Field(
        RetryPolicy(maximum_attempts=4), description="for calls safe to repeat (reads, chunk uploads)"
    )
    rate: GovernorConfig | None = Field(
        None,
        description="client-side pacing; Orange Logic publishes no rate limit (§9.2), so none by default",
    )
    refresh_margin_seconds: float = Field(60.0, ge=0, description="renew a token this long before expiry")
    search_page_size: int = Field(100, ge=1, le=300, description="countperpage for Search (§3.6: ≤ 100)")
    edit_date_field: str = Field("EditDate", description="search criterion and field holding the edit date")
    multipart_threshold_bytes: int = Field(DEFAULT_MULTIPART_THRESHOLD, ge=1)
    chunk_size_bytes: int = Field(8 * 1024 * 1024, ge=CHUNK_ALIGNMENT, description="multiple of 131072")
    rendition_ttl_seconds: float = Field(600.0, gt=0, description="lifetime of a Path_* URL (§6.2)")

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("chunk_size_bytes")
    @classmethod
    def _aligned(cls, value: int) -> int:
        if value % CHUNK_ALIGNMENT:
            raise ValueError(f"chunk_size_bytes must be a multiple of {CHUNK_ALIGNMENT}")
        return value

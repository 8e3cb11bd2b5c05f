"""Settings of one iconik connection, passed explicitly to ``IconikClient`` (no globals)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from assetbridge.transport.governor import GovernorConfig
from assetbridge.transport.http import Timeouts
from assetbridge.transport.retry import RetryPolicy

MIB = 1024 * 1024


class IconikConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str = Field("https://app.iconik.io", description="scheme://host, without /API")
    app_id: str
    auth_token: SecretStr
    rate: GovernorConfig = GovernorConfig()
    rate_store: Path | None = Field(
        None, description="SQLite file holding the request budget, shared by every process using it"
    )
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()
    storage_retry: RetryPolicy = Field(
        RetryPolicy(maximum_attempts=6), description="per chunk/part/range request to the storage URLs"
    )
    gcs_chunk_size: int = Field(8 * MIB, ge=256 * 1024, description="rounded down to a multiple of 256 KiB")
    s3_part_size: int = Field(8 * MIB, ge=1, description="S3 multipart part size (real S3: at least 5 MiB)")
    upload_concurrency: int = Field(4, ge=1, description="S3 parts in flight at once")
    download_chunk_size: int = Field(1 * MIB, ge=1024)
    multipart_url_page: int = Field(100, ge=1, le=1000, description="part URLs fetched per request")
    job_poll_interval: float = Field(1.0, gt=0)
    external_id_lookup_delay: float = Field(
        1.0, ge=0, description="pause before each search for an asset whose create call failed (index lag)"
    )
    external_id_lookup_attempts: int = Field(
        3, ge=1, description="searches by external_id before a failed create is sent again"
    )
    max_connections: int = Field(20, ge=1)

    @property
    def api_base(self) -> str:
        return self.base_url.rstrip("/")

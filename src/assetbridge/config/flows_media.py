"""The transfer engine and "original on request" (the iconik custom action)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StatusValues(_Model):
    """What ``status_field`` is set to at each step (the sandbox's drop-down options by default)."""

    requested: StrictStr = "Requested"
    transferring: StrictStr = "Transferring"
    available: StrictStr = "Available"
    failed: StrictStr = "Failed"


class MediaFlow(_Model):
    """``flows.media``: how media is copied Orange Logic → iconik, and the "Request original" action."""

    original_on_request: bool = Field(
        False, description="register the iconik custom action that copies the Orange Logic original"
    )
    action_title: StrictStr = Field("Request original from Orange Logic", min_length=1, max_length=200)
    status_field: StrictStr = Field(
        "original_status", min_length=1, description="iconik metadata field showing the request's progress"
    )
    status_view: StrictStr | None = Field(
        None, description="iconik metadata view holding status_field (default: field_map.iconik_view)"
    )
    status_values: StatusValues = StatusValues()
    status_job: bool = Field(
        True, description="also show each request as an iconik job (progress, and the reason of a failure)"
    )
    part_size_mb: int = Field(
        16, ge=1, le=5120, description="S3 part / GCS chunk size in MiB (real S3 needs at least 5)"
    )
    parallel_parts: int = Field(4, ge=1, le=32, description="S3 parts uploaded at once")
    source_window_mb: int = Field(
        64, ge=1, description="each Orange Logic read is one Range request of this many MiB"
    )

    @property
    def part_size(self) -> int:
        return self.part_size_mb * 1024 * 1024

    @property
    def source_window(self) -> int:
        return self.source_window_mb * 1024 * 1024

"""The archive flow: completed iconik projects into Orange Logic, with a checksum chain of custody.

A project is an iconik collection whose ``completion_field`` (in ``project_view``) holds one of
``completed_values``. Its assets that pass ``select`` (all of them without a rule) are copied with their
original file into an Orange Logic folder made from ``folder_template`` under ``root_folder``, with the
``retention`` fields set; then the project's metadata and a manifest of its assets are archived as a
JSON file asset in the same folder.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator, model_validator

Text = Annotated[StrictStr, Field(min_length=1)]
MIB = 1024 * 1024
TEMPLATE_KEYS = ("title", "project_id", "collection_id")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArchiveSelect(_Model):
    """Which assets of a completed project are archived: those whose iconik ``field`` (in ``view``) holds
    one of ``values`` (e.g. final masters and deliverables)."""

    field: Text = Field(description="iconik metadata field of the asset, e.g. media_format")
    values: list[Text] = Field(min_length=1, description="values that select an asset for the archive")
    view: Text | None = Field(
        None, description="iconik view holding the field (default: field_map.iconik_view)"
    )


class RetentionFields(_Model):
    """Orange Logic fields set on every archived asset (a field set to null is not written)."""

    period_field: Text | None = "AB.Retention-period"
    period: Text = Field("7 years", description="default retention period (an Orange Logic option)")
    period_from: Text | None = Field(
        "retention_period", description="project (collection) field overriding the period when it has a value"
    )
    date_field: Text | None = Field("AB.Archive-date", description="set to the archive date (YYYY-MM-DD)")
    project_id_field: Text | None = "AB.Project-id"


class ArchiveFlow(_Model):
    enabled: bool = False
    project_view: Text = Field("AssetBridge Project", description="iconik view of the project fields")
    completion_field: Text = Field("project_status", description="collection field marking completion")
    completed_values: list[Text] = Field(
        default_factory=lambda: ["Completed"], min_length=1, description="values that trigger the archive"
    )
    project_id_from: Text | None = Field(
        "project_id", description="collection field holding the project id (default: the collection id)"
    )
    select: ArchiveSelect | None = Field(None, description="which assets are archived (default: all)")
    root_folder: Text | None = Field(
        None, description="Orange Logic folder (RecordID or identifier) holding the project folders"
    )
    folder_template: Text = Field(
        "{project_id} {title}",
        description="project folder name; keys: {title}, {project_id}, {collection_id}",
    )
    retention: RetentionFields = RetentionFields()
    fields: dict[Text, StrictStr] = Field(
        default_factory=dict, description="more Orange Logic field values set on every archived asset"
    )
    crosswalk_field: Text | None = Field(
        "AB.Iconik-id", description="Orange Logic field receiving the iconik asset id"
    )
    manifest: bool = Field(True, description="archive the project metadata and asset manifest as JSON")
    poll_interval_seconds: int = Field(900, ge=1, description="completed projects are looked for this often")
    multipart_threshold_mb: int | None = Field(
        None, ge=1, description="files above this go multi-part (default: the connection's 1.5 GB)"
    )
    chunk_size_mb: int = Field(8, ge=1, le=128, description="multi-part chunk size in MiB")

    @field_validator("folder_template")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            value.format(**dict.fromkeys(TEMPLATE_KEYS, "x"))
        except (KeyError, IndexError, ValueError) as exc:
            allowed = ", ".join("{" + k + "}" for k in TEMPLATE_KEYS)
            raise ValueError(f"unknown placeholder {exc} in {value!r}; allowed: {allowed}") from None
        return value

    @model_validator(mode="after")
    def _root_when_enabled(self) -> ArchiveFlow:
        if self.enabled and self.root_folder is None:
            raise ValueError("root_folder is required when the archive is enabled (an Orange Logic folder)")
        return self

    @property
    def multipart_threshold(self) -> int | None:
        return self.multipart_threshold_mb * MIB if self.multipart_threshold_mb else None

    @property
    def chunk_size(self) -> int:
        return self.chunk_size_mb * MIB
